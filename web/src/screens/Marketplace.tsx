/** Marketplace: every registered model with its terms, setup, vetting, and what it has settled and earned. */
import type { SetupInfo } from "../../../lib/chain/setupKind";
import { useModels } from "../chain/models";
import { eth, short } from "../format";

/** DEV (one party knows the trapdoor), a ceremony with its contributors (one honest one suffices), or external. */
function SetupBadge({ setup: s }: { setup: SetupInfo }) {
  if (s.kind === "dev") return <span className="badge amber" data-setup="dev" title={`single-party development setup by ${s.contributors[0]}: whoever ran it could forge proofs`}>DEV</span>;
  if (s.kind === "external") return <span className="badge amber" data-setup="external" title={`key set up outside the registry by the owner ${s.contributors[0]}`}>external</span>;
  if (!s.finalized) return <span className="badge amber" data-setup="open">ceremony open · {s.recorded} contribution{s.recorded === 1 ? "" : "s"} (no jobs until finalized)</span>;
  return (
    <>
      <span className="badge green" data-setup="ceremony" title="phase 2 with named contributors: sound if one of them was honest (model:verify-setup checks the transcript)">ceremony</span>{" "}
      <span className="contributors">{s.contributors.length} contributor{s.contributors.length === 1 ? "" : "s"}: {s.contributors.map((a) => <span key={a} title={a}>{short(a)} </span>)}</span>
    </>
  );
}

export function Marketplace() {
  const { rows, loading, error } = useModels();
  return (
    <section>
      <h2>AI marketplace</h2>
      <p className="lead">Monetize your models or buy compute power: every model below is priced per inference and proven on-chain by its own verifier.</p>
      {error && <p className="tx failed">{String(error.message).split("\n")[0]}</p>}
      {loading && <p>Reading the registry…</p>}
      {!loading && !rows.length && <p>No model is registered yet. Register one under “My models” or with <code>npx hardhat model:register</code>.</p>}
      <div className="cards">
        {rows.map((m) => (
          <article key={m.id.toString()} className={`card model ${m.active ? "" : "inactive"}`} data-model={m.id.toString()}>
            <h3>
              #{m.id.toString()} {m.name}
              {!m.active && <span className="badge red">deactivated</span>}
            </h3>
            <dl>
              <dt>owner</dt><dd title={m.owner}>{short(m.owner)}</dd>
              <dt>fee per inference</dt><dd className="fee">{eth(m.fee, 6)}</dd>
              <dt>versions</dt><dd>{m.versions}</dd>
              <dt>setup</dt>
              <dd className="setup">
                {m.latest && <SetupBadge setup={m.latest.setup} />}
              </dd>
              <dt>verifier</dt>
              <dd>{m.latest?.vetted ? <span className="badge green">vetted</span> : <span className="badge red" title="not deployed by the registry: may accept anything">unvetted</span>} {m.latest && short(m.latest.verifier)}</dd>
              <dt>constraints</dt><dd>{m.latest ? `${m.latest.numPublicSignals} public signals · batch ${m.latest.batchSize || 1}` : "—"}</dd>
              <dt>settled inferences</dt><dd className="settled">{m.settled * (m.latest?.batchSize || 1)} in {m.settled} shards · {m.jobs} jobs</dd>
              <dt>owner earnings</dt><dd className="earned">{eth(m.earned, 6)}</dd>
            </dl>
            <a className="button" href={`#/sandbox?model=${m.id}`}>Run inference</a>
          </article>
        ))}
      </div>
    </section>
  );
}
