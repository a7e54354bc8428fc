/** Training: on-chain training jobs, their rounds, rewards per accepted update, ε spent against the budget, and the
 *  accuracy per round where the aggregator reports it to the app server. */
import { useTrainingJobs } from "../chain/training";
import { useMeshSnapshot } from "../chain/mesh";
import { eth } from "../format";

export default function Training() {
  const { jobs, available } = useTrainingJobs();
  const { snap } = useMeshSnapshot();
  const accuracy = (job: bigint, round: number) => snap?.training.find((t) => (t.jobId === undefined || t.jobId === job.toString()) && t.round === round);
  return (
    <section>
      <h2>Training</h2>
      {!available && <p>No TrainingJobs contract in this deployment (deploy it with <code>npx hardhat train:deploy</code>).</p>}
      {available && !jobs.length && <p>No training job posted yet.</p>}
      {jobs.map((j) => {
        const done = j.rounds.filter((r) => r.closed).length;
        const perRound = j.epsilon !== undefined && j.maxRounds ? j.epsilon / j.maxRounds : undefined;
        return (
          <article key={j.jobId.toString()} className="card" data-training-job={j.jobId.toString()}>
            <h3>Training job #{j.jobId.toString()}</h3>
            <p>
              {done} of {j.maxRounds || "?"} rounds closed · rewards paid {eth(j.rewards, 6)} · {j.slashed} slashed
              {j.epsilon !== undefined && <> · ε spent <b className="eps">{((perRound ?? 0) * done).toFixed(3)}</b> of budget {j.epsilon.toFixed(3)} (δ = {j.delta?.toExponential(0)})</>}
            </p>
            {j.epsilon !== undefined && <div className="bar"><span className="settled" style={{ width: `${(100 * done) / Math.max(1, j.maxRounds)}%` }} /></div>}
            <table>
              <thead><tr><th>round</th><th>joined</th><th>submitted</th><th>accepted</th><th>rejected</th><th>rewards</th><th>accuracy</th><th>ε after</th><th>state</th></tr></thead>
              <tbody>
                {j.rounds.map((r) => {
                  const acc = accuracy(j.jobId, r.round);
                  return (
                    <tr key={r.round} data-round={r.round}>
                      <td>{r.round}</td><td>{r.joined}</td><td>{r.submitted}</td><td>{r.accepted}</td><td>{r.rejected}</td><td>{eth(r.rewards, 6)}</td>
                      <td>{acc ? `${(acc.accuracy * 100).toFixed(2)} %` : "—"}</td>
                      <td>{acc ? acc.epsilon.toFixed(3) : perRound !== undefined && r.closed ? (perRound * (r.round + 1)).toFixed(3) : "—"}</td>
                      <td>{r.expired ? "expired" : r.settled ? "settled" : r.closed ? "closed" : "open"}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </article>
        );
      })}
      {snap && snap.training.length > 0 && !jobs.length && (
        <table id="training-file">
          <thead><tr><th>round</th><th>accuracy</th><th>ε</th></tr></thead>
          <tbody>{snap.training.map((t) => <tr key={`${t.jobId}:${t.round}`}><td>{t.round}</td><td>{(t.accuracy * 100).toFixed(2)} %</td><td>{t.epsilon.toFixed(3)}</td></tr>)}</tbody>
        </table>
      )}
    </section>
  );
}
