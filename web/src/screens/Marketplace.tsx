/** Marketplace: every registered model with its terms, setup, vetting, and what it has settled and earned. */
import { useState } from "react";
import { usePublicClient } from "wagmi";
import type { Address } from "viem";
import type { SetupInfo } from "../../../lib/chain/setupKind";
import { useApp } from "../app";
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

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;

/**
 * What model:register measured and stored in the version's circuit bundle (read by CID, every block checked, only on
 * request: a bundle carries the R1CS and can be megabytes): constraints, and the circuit's agreement with the float
 * model and with onnxruntime on the owner's calibration inputs.
 */
function RegistrationReport({ model, version }: { model: bigint; version: number }) {
  const client = usePublicClient();
  const { config } = useApp();
  const [state, setState] = useState<{ text?: string; error?: string; busy?: boolean }>({});
  const load = async () => {
    setState({ busy: true });
    try {
      const { readCircuitBundle } = await import("../storage/circuitBundle");
      const b = await readCircuitBundle(client!, config.contracts.registry as Address, model, version);
      const d = b.meta?.deviation;
      const parts = [
        b.meta?.constraints !== undefined ? `${b.meta.constraints.toLocaleString("en-US")} constraints` : undefined,
        d ? `circuit = float model on ${pct(d.argmaxAgreement)} of ${d.samples} calibration inputs` : undefined,
        d?.onnxruntimeAgreement !== undefined ? `= onnxruntime on ${pct(d.onnxruntimeAgreement)}` : undefined,
        d ? `max output deviation ${d.maxAbsDeviation.toPrecision(3)}` : undefined,
      ].filter(Boolean);
      setState({ text: parts.length ? parts.join(" · ") : "the bundle reports nothing" });
    } catch (err) {
      setState({ error: String((err as Error).message).split("\n")[0] });
    }
  };
  if (state.text) return <span className="report">{state.text}</span>;
  if (state.error) return <span className="tx failed">{state.error}</span>;
  return <button className="secondary" data-report disabled={state.busy || !client} onClick={() => void load()}>{state.busy ? "reading the circuit bundle…" : "show (reads the bundle by CID)"}</button>;
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
              <dt>accuracy at registration</dt><dd className="registration">{m.latest ? <RegistrationReport model={m.id} version={m.versions} /> : "—"}</dd>
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
