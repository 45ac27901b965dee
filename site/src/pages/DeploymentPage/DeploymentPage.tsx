import { useQuery } from "@tanstack/react-query";
import { useDenClient } from "../../api/ClientContext.tsx";
import { QueryState } from "../../components/QueryState.tsx";

/** `/deployment` (owners): is the server healthy, which version runs. */
export function DeploymentPage() {
  const client = useDenClient();
  const health = useQuery({
    queryKey: ["healthz"],
    queryFn: async () => {
      const res = await fetch("/healthz");
      const text = await res.text();
      if (!res.ok) throw new Error(`${res.status}: ${text}`);
      return text;
    },
    refetchInterval: 10_000,
  });
  const info = useQuery({ queryKey: ["buildinfo"], queryFn: () => client.buildInfo() });
  const deployment = useQuery({ queryKey: ["deployment-health"], queryFn: () => client.deploymentHealth(), refetchInterval: 10_000 });
  return (
    <>
      <h1>Deployment</h1>
      <section className="card" aria-labelledby="health-head">
        <h2 id="health-head">Health</h2>
        <QueryState query={health} what="health">
          {(text) => (
            <p>
              <span className="badge badge-ok">healthy</span> /healthz answered <code>{text}</code> (the server and its database are up).
            </p>
          )}
        </QueryState>
      </section>
      <section className="card" aria-labelledby="deployment-head">
        <h2 id="deployment-head">Database and provisioners</h2>
        <QueryState query={deployment} what="deployment health">
          {(d) => (
            <dl className="outputs">
              <div>
                <dt>Database</dt>
                <dd>
                  <span className={`badge badge-${d.database.healthy ? "ok" : "bad"}`}>{d.database.healthy ? "healthy" : "unhealthy"}</span>{" "}
                  {d.database.healthy ? `${d.database.latency_ms} ms` : d.database.error}
                </dd>
              </div>
              <div>
                <dt>Provisioner daemons</dt>
                <dd>
                  {d.provisioners.in_process_daemons} in this server; {d.provisioners.recent_workers.length} active in the last 10 minutes
                </dd>
              </div>
              <div>
                <dt>Jobs</dt>
                <dd>
                  {d.provisioners.jobs_running} running, {d.provisioners.jobs_pending} pending
                  {d.provisioners.oldest_pending_seconds > 60 ? ` (oldest waiting ${d.provisioners.oldest_pending_seconds} s: is any daemon taking jobs?)` : ""}
                </dd>
              </div>
              <div>
                <dt>Agents connected</dt>
                <dd>{d.agents_connected}</dd>
              </div>
            </dl>
          )}
        </QueryState>
      </section>
      <section className="card" aria-labelledby="version-head">
        <h2 id="version-head">Version</h2>
        <QueryState query={info} what="build info">
          {(b) => (
            <dl className="outputs">
              <div>
                <dt>Version</dt>
                <dd>{b.version}</dd>
              </div>
              <div>
                <dt>Commit</dt>
                <dd>{b.commit}</dd>
              </div>
              <div>
                <dt>Node.js</dt>
                <dd>{b.node_version}</dd>
              </div>
            </dl>
          )}
        </QueryState>
      </section>
    </>
  );
}
