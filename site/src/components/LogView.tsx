import type { ProvisionerJobLog } from "../../../src/sdk/schemas/provisionerJobs.js";
import { parseAnsi } from "../modules/parseAnsi.ts";

/** One line of terminal output: ANSI colours become spans; the text itself is always escaped by React. */
export function AnsiText({ text }: { text: string }) {
  return (
    <>
      {parseAnsi(text).map((segment, i) =>
        segment.fg === undefined && !segment.bold ? (
          segment.text
        ) : (
          <span key={i} className={[segment.fg !== undefined ? `ansi-${segment.fg}` : "", segment.bold ? "ansi-bold" : ""].join(" ").trim()}>
            {segment.text}
          </span>
        ),
      )}
    </>
  );
}

type Stage = { name: string; logs: ProvisionerJobLog[]; started: number; ended: number; failed: boolean };

function groupByStage(logs: readonly ProvisionerJobLog[]): Stage[] {
  const stages: Stage[] = [];
  for (const log of logs) {
    const at = Date.parse(log.created_at);
    let stage = stages.at(-1);
    if (!stage || stage.name !== log.stage) {
      stage = { name: log.stage, logs: [], started: at, ended: at, failed: false };
      stages.push(stage);
    }
    stage.logs.push(log);
    stage.ended = at;
    if (log.level === "error") stage.failed = true;
  }
  return stages;
}

function formatSeconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}

/** A build or import log grouped by stage, with each stage's duration and its errors highlighted. */
export function LogView({ logs, label = "Build log" }: { logs: readonly ProvisionerJobLog[]; label?: string }) {
  if (logs.length === 0) return <p className="muted">No log lines yet.</p>;
  return (
    <div className="log" role="log" aria-label={label}>
      {groupByStage(logs).map((stage, i) => (
        <section key={`${stage.name}-${i}`} className={stage.failed ? "stage stage-failed" : "stage"}>
          <h4>
            <span>{stage.name}</span>
            <span className="muted">{formatSeconds(stage.ended - stage.started)}</span>
          </h4>
          <pre>
            {stage.logs.map((log) => (
              <div key={log.id} className={`line level-${log.level}`}>
                <AnsiText text={log.output} />
              </div>
            ))}
          </pre>
        </section>
      ))}
    </div>
  );
}
