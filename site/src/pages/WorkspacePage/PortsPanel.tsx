import { useState } from "react";
import type { ListeningPort } from "../../../../src/sdk/schemas/agentProtocol.js";
import { portUrl, type PortTarget } from "../../../../src/sdk/portUrl.js";
import type { ApplicationsHost } from "../../../../src/sdk/schemas/applications.js";
import type { PortShareLevel, PortShareProtocol, WorkspacePortShare } from "../../../../src/sdk/schemas/portShares.js";
import type { Workspace, WorkspaceAgent } from "../../../../src/sdk/schemas/workspaces.js";
import { useAppsHost } from "../../api/useAppsHost.ts";
import { useChangePortShare, useListeningPorts, usePortShares, type PortShareChange } from "../../api/usePortShares.ts";
import { ErrorBox, QueryState } from "../../components/QueryState.tsx";

/** Lowest first: a template's maximum allows its level and those before it. */
const LEVELS: PortShareLevel[] = ["owner", "authenticated", "public"];
const LEVEL_LABEL: Record<PortShareLevel, string> = { owner: "Private", authenticated: "Authenticated", public: "Public" };

const NO_WILDCARD_FOR_PORTS = "Ports open on their own subdomain: the server has no --wildcard-access-url.";

/**
 * The agent's listening ports with a link to each and a share control, and
 * the ports shared beyond the owner (listening or not) with a revoke button.
 * It asks the agent for ports only while open.
 */
export function PortsPanel({ ws, agent }: { ws: Workspace; agent: WorkspaceAgent }) {
  const [open, setOpen] = useState(false);
  const listening = useListeningPorts(agent.id, open);
  const shares = usePortShares(ws.id, open);
  const appsHost = useAppsHost(open);
  const change = useChangePortShare(ws.id);
  // Protocols chosen for ports that are not shared: they only change the Open link until shared.
  const [protocols, setProtocols] = useState<Record<number, PortShareProtocol>>({});
  const agentShares = (shares.data?.shares ?? []).filter((share) => share.agent_name === agent.name).sort((a, b) => a.port - b.port);
  const shareOf = (port: number) => agentShares.find((share) => share.port === port);
  const protocolOf = (port: number): PortShareProtocol => shareOf(port)?.protocol ?? protocols[port] ?? "http";
  const target = { owner: ws.owner_name, workspace: ws.name, agent: agent.name };
  const submit = (next: PortShareChange) => change.mutate(next);

  return (
    <details className="ports" onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>Ports</summary>
      {change.isError ? <ErrorBox error={change.error} /> : null}
      <QueryState query={listening} what="listening ports" isEmpty={(ports) => ports.length === 0} empty="Nothing is listening on a TCP port in the workspace.">
        {(ports) => (
          <table className="table" aria-label="Listening ports">
            <thead>
              <tr>
                <th>Port</th>
                <th>Process</th>
                <th>Open</th>
                <th>Protocol</th>
                <th>Sharing</th>
              </tr>
            </thead>
            <tbody>
              {uniquePorts(ports).map((port) => {
                const share = shareOf(port.port);
                const protocol = protocolOf(port.port);
                return (
                  <tr key={port.port} data-port={port.port}>
                    <td>{port.port}</td>
                    <td>{port.process_name || <span className="muted">unknown</span>}</td>
                    <td>
                      <OpenPort appsHost={appsHost.data} target={{ ...target, port: port.port, protocol }} />
                    </td>
                    <td>
                      <select
                        aria-label={`Protocol of port ${port.port}`}
                        value={protocol}
                        disabled={change.isPending}
                        onChange={(event) => {
                          const next = event.target.value as PortShareProtocol;
                          setProtocols((prev) => ({ ...prev, [port.port]: next }));
                          if (share) submit({ agent_name: agent.name, port: port.port, share_level: share.share_level, protocol: next });
                        }}
                      >
                        <option value="http">HTTP</option>
                        <option value="https">HTTPS</option>
                      </select>
                    </td>
                    <td>
                      <LevelSelect
                        port={port.port}
                        value={share?.share_level ?? "owner"}
                        maxLevel={shares.data?.max_level}
                        disabled={change.isPending || !shares.data}
                        onChange={(level) => submit({ agent_name: agent.name, port: port.port, share_level: level, protocol })}
                      />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </QueryState>
      {appsHost.data && !appsHost.data.host ? <p className="muted">{NO_WILDCARD_FOR_PORTS}</p> : null}
      <h4>Shared ports</h4>
      <QueryState query={shares} what="shared ports" isEmpty={() => agentShares.length === 0} empty="No port of this agent is shared: only you can open them.">
        {() => (
          <table className="table" aria-label="Shared ports">
            <thead>
              <tr>
                <th>Port</th>
                <th>Shared with</th>
                <th>Protocol</th>
                <th>Open</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {agentShares.map((share) => (
                <tr key={share.port} data-port={share.port}>
                  <td>{share.port}</td>
                  <td>{LEVEL_LABEL[share.share_level]}</td>
                  <td>{share.protocol.toUpperCase()}</td>
                  <td>
                    <OpenPort appsHost={appsHost.data} target={{ ...target, port: share.port, protocol: share.protocol }} />
                  </td>
                  <td>
                    <button
                      type="button"
                      className="danger"
                      aria-label={`Revoke sharing of port ${share.port}`}
                      disabled={change.isPending}
                      onClick={() => submit(revoke(share))}
                    >
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
    </details>
  );
}

/** The agent lists a port once per address family: show it once. */
function uniquePorts(ports: ListeningPort[]): ListeningPort[] {
  const byPort = new Map<number, ListeningPort>();
  for (const port of ports) if (!byPort.get(port.port)?.process_name) byPort.set(port.port, port);
  return [...byPort.values()].sort((a, b) => a.port - b.port);
}

function revoke(share: WorkspacePortShare): PortShareChange {
  return { agent_name: share.agent_name, port: share.port, share_level: "owner", protocol: share.protocol };
}

function OpenPort({ appsHost, target }: { appsHost: ApplicationsHost | undefined; target: PortTarget }) {
  // The dashboard is served on the access URL, whose scheme port URLs take.
  const href = appsHost ? portUrl(window.location.origin, appsHost.host, target) : undefined;
  if (!href) {
    const reason = appsHost ? NO_WILDCARD_FOR_PORTS : "Finding out how the server serves ports…";
    return (
      <span className="muted" aria-disabled="true" title={reason}>
        {appsHost ? "No wildcard host" : "…"}
      </span>
    );
  }
  return (
    <a href={href} target="_blank" rel="noopener noreferrer" aria-label={`Open port ${target.port}`}>
      Open
    </a>
  );
}

/** The levels up to the template's maximum; a share above a since-lowered maximum keeps its own level listed. */
function LevelSelect(props: { port: number; value: PortShareLevel; maxLevel: PortShareLevel | undefined; disabled: boolean; onChange: (level: PortShareLevel) => void }) {
  const allowed = LEVELS.slice(0, LEVELS.indexOf(props.maxLevel ?? "owner") + 1);
  const levels = LEVELS.filter((level) => allowed.includes(level) || level === props.value);
  const onlyOwner = props.maxLevel === "owner" && props.value === "owner";
  return (
    <select
      aria-label={`Share port ${props.port}`}
      value={props.value}
      disabled={props.disabled || onlyOwner}
      title={onlyOwner ? "The template does not allow sharing ports (max_port_share_level: owner)." : undefined}
      onChange={(event) => props.onChange(event.target.value as PortShareLevel)}
    >
      {levels.map((level) => (
        <option key={level} value={level}>
          {LEVEL_LABEL[level]}
          {allowed.includes(level) ? "" : " (above the template's maximum)"}
        </option>
      ))}
    </select>
  );
}
