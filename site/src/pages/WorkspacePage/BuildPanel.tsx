import { useQuery } from "@tanstack/react-query";
import { buildLogsPath } from "../../../../src/sdk/client/workspaces.js";
import type { Workspace } from "../../../../src/sdk/schemas/workspaces.js";
import { useDenClient } from "../../api/ClientContext.tsx";
import { useJobLogs } from "../../api/useJobLogs.ts";
import { LogView } from "../../components/LogView.tsx";
import { QueryState } from "../../components/QueryState.tsx";
import { StatusBadge } from "../../components/StatusBadge.tsx";

/** The latest build with its live log, and the build history under it. */
export function BuildPanel({ ws }: { ws: Workspace }) {
  const client = useDenClient();
  const build = ws.latest_build;
  const { logs, error } = useJobLogs(buildLogsPath(build.id));
  const history = useQuery({ queryKey: ["workspace-builds", ws.id], queryFn: () => client.workspaces.listBuilds(ws.id, { limit: 20 }) });
  const job = build.job;
  const took = job.started_at && job.completed_at ? ((Date.parse(job.completed_at) - Date.parse(job.started_at)) / 1000).toFixed(1) + " s" : "";
  return (
    <section className="card" aria-labelledby="build-head">
      <h2 id="build-head">
        Build #{build.build_number}: {build.transition} <StatusBadge status={build.status} /> <span className="muted">{took}</span>
      </h2>
      {job.error ? (
        <p className="error" role="alert">
          {job.error}
        </p>
      ) : null}
      {error ? <p className="error">{error}</p> : null}
      <LogView logs={logs} />
      <details>
        <summary>Build history</summary>
        <QueryState query={history} what="builds" isEmpty={(list) => list.length === 0}>
          {(list) => (
            <table className="table">
              <thead>
                <tr>
                  <th>#</th>
                  <th>Transition</th>
                  <th>Status</th>
                  <th>Version</th>
                  <th>By</th>
                  <th>When</th>
                </tr>
              </thead>
              <tbody>
                {list.map((b) => (
                  <tr key={b.id}>
                    <td>{b.build_number}</td>
                    <td>{b.transition}</td>
                    <td>
                      <StatusBadge status={b.status} />
                    </td>
                    <td>{b.template_version_name}</td>
                    <td>{b.initiator_name}</td>
                    <td>{new Date(b.created_at).toLocaleString()}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </QueryState>
      </details>
    </section>
  );
}
