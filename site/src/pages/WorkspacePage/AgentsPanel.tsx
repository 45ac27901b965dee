import { useQuery } from "@tanstack/react-query";
import type { Workspace, WorkspaceAgent } from "../../../../src/sdk/schemas/workspaces.js";
import { useDenClient } from "../../api/ClientContext.tsx";
import { AnsiText } from "../../components/LogView.tsx";
import { QueryState } from "../../components/QueryState.tsx";
import { terminalUrl } from "../../modules/workspaceUrls.ts";
import { Link } from "react-router";
import { AppButtons } from "./AppButtons.tsx";
import { PortsPanel } from "./PortsPanel.tsx";

type AgentLog = { id: number; created_at: string; source: string; level: string; output: string };

/** The resources the latest build made, and the agents in them with their scripts' logs. */
export function AgentsPanel({ ws }: { ws: Workspace }) {
  const resources = ws.latest_build.resources;
  return (
    <section className="card" aria-labelledby="resources-head">
      <h2 id="resources-head">Resources and agents</h2>
      {resources.length === 0 ? <p className="muted">No resources: the workspace is stopped or has not been built yet.</p> : null}
      <ul className="resources">
        {resources.map((resource) => (
          <li key={resource.name}>
            <strong>{resource.name}</strong>{" "}
            <span className="muted">
              {resource.driver}/{resource.kind}, {resource.lifetime}
            </span>
            {Object.keys(resource.outputs).length > 0 ? (
              <dl className="outputs">
                {Object.entries(resource.outputs).map(([key, value]) => (
                  <div key={key}>
                    <dt>{key}</dt>
                    <dd>{String(value)}</dd>
                  </div>
                ))}
              </dl>
            ) : null}
            {ws.agents
              .filter((agent) => agent.resource_name === resource.name)
              .map((agent) => (
                <AgentCard key={agent.id} ws={ws} agent={agent} />
              ))}
          </li>
        ))}
      </ul>
    </section>
  );
}

function AgentCard({ ws, agent }: { ws: Workspace; agent: WorkspaceAgent }) {
  const client = useDenClient();
  const settled = agent.lifecycle_state === "ready" || agent.lifecycle_state.endsWith("error") || agent.lifecycle_state === "off";
  const logs = useQuery({
    queryKey: ["agent-logs", agent.id],
    queryFn: () => client.http.request<AgentLog[]>("GET", `/workspaceagents/${encodeURIComponent(agent.id)}/logs`),
    refetchInterval: settled ? 15_000 : 2_000,
  });
  return (
    <div className="agent" data-agent={agent.name}>
      <h3>
        Agent {agent.name}{" "}
        <span className={`badge badge-${agent.status === "connected" ? "ok" : agent.status === "connecting" ? "busy" : "bad"}`}>{agent.status}</span>{" "}
        <span className="tag">lifecycle: {agent.lifecycle_state}</span>
      </h3>
      <p className="muted">
        {agent.last_connected_at ? `Last connected ${new Date(agent.last_connected_at).toLocaleString()}` : "Never connected yet."}
      </p>
      {agent.lifecycle_detail ? <pre className="log line level-error">{agent.lifecycle_detail}</pre> : null}
      {agent.metadata.length > 0 ? (
        <dl className="outputs" aria-label="Metadata">
          {agent.metadata.map((m) => (
            <div key={m.key}>
              <dt>{m.display_name}</dt>
              <dd title={m.error || undefined}>{m.error ? `error: ${m.error}` : m.value || "…"}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      <div className="apps" aria-label="Apps">
        {agent.status === "connected" ? (
          <Link className="button" to={terminalUrl(ws.owner_name, ws.name, agent.name)}>
            Terminal
          </Link>
        ) : null}
        <AppButtons ws={ws} agent={agent} />
      </div>
      {ws.status === "running" && agent.status === "connected" ? <PortsPanel ws={ws} agent={agent} /> : null}
      <details>
        <summary>Script logs</summary>
        <QueryState query={logs} what="script logs" isEmpty={(list) => list.length === 0} empty="No script output yet.">
          {(list) => (
            <pre className="log">
              {list.map((line) => (
                <div key={line.id} className={`line level-${line.level}`}>
                  <span className="muted">[{line.source}] </span>
                  <AnsiText text={line.output} />
                </div>
              ))}
            </pre>
          )}
        </QueryState>
      </details>
    </div>
  );
}
