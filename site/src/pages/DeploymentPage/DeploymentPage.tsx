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
        <p className="muted">Provisioner daemons are not exposed by the API yet.</p>
      </section>
    </>
  );
}
