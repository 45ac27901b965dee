import type { AgentLaunch } from "../driver.js";
import type { ContainerSettings } from "./dockerSettings.js";

/** Docker's (uname's) machine names → the arch query of the init script. */
const ARCH: Record<string, string> = { x86_64: "amd64", amd64: "amd64", aarch64: "arm64", arm64: "arm64" };

/**
 * How a container runs its agent: the agent is the container's main process
 * (under Docker's init), started by the server's init script, which the
 * entrypoint downloads from the access URL with curl or wget; the init script
 * then downloads the agent tarball (its own Node.js included) into
 * /tmp/den-agent and execs it. So the image needs only a glibc userland with
 * sh, tar, gzip and curl or wget — no Node, nothing of Den's.
 *
 * The template's own entrypoint/command, when given, runs beside the agent
 * (in the background, without the agent's token); the container lives as
 * long as the agent, and `docker stop` sends SIGTERM to the agent, which runs
 * the stop scripts before it exits.
 *
 * One agent per container: a second would need a second main process.
 */
export function agentEntrypoint(settings: ContainerSettings, agents: AgentLaunch[], agentUrl: string, machine: string): { entrypoint: string[]; cmd: string[]; env: Record<string, string> } {
  if (agents.length > 1) throw new Error(`agents ${agents.map((a) => a.name).join(", ")} are declared in one docker container; a container runs one agent`);
  const agent = agents[0]!;
  const arch = ARCH[machine];
  const url = `${agentUrl.replace(/\/+$/, "")}/api/v2/workspaceagents/init-script?os=linux${arch ? `&arch=${arch}` : ""}`;
  const script = [
    `u=${shellQuote(url)}`,
    'if command -v curl >/dev/null 2>&1; then s=$(curl -fsSL --retry 10 --retry-delay 1 --retry-connrefused "$u") || { echo "den: cannot download the agent init script from $u: is the server\'s access URL reachable from this container?" >&2; exit 1; }',
    'elif command -v wget >/dev/null 2>&1; then s=$(wget -q -t 10 -O - "$u") || { echo "den: cannot download the agent init script from $u: is the server\'s access URL reachable from this container?" >&2; exit 1; }',
    'else echo "den: this image has neither curl nor wget, which the agent needs to download itself; install one of them in the image" >&2; exit 1; fi',
    '[ "$#" -gt 0 ] && (unset DEN_AGENT_TOKEN; exec "$@") &',
    'exec sh -c "$s"',
  ].join("\n");
  const own = [...(settings.entrypoint ?? []), ...(settings.command ?? [])];
  return {
    entrypoint: ["/bin/sh", "-c", script, "den-init"],
    cmd: own,
    env: { DEN_AGENT_URL: agentUrl, DEN_AGENT_TOKEN: agent.token },
  };
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
