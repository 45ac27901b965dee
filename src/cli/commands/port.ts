import { InvalidArgumentError, Option, type Command } from "commander";
import type { DenClient } from "../../sdk/client/DenClient.js";
import { ApiError } from "../../sdk/errors.js";
import { portUrl } from "../../sdk/portUrl.js";
import type { ListeningPort } from "../../sdk/schemas/agentProtocol.js";
import type { PortShareProtocol, SharedPortLevel, WorkspacePortShare } from "../../sdk/schemas/portShares.js";
import type { Workspace } from "../../sdk/schemas/workspaces.js";
import { parseAgentTarget, pickAgent } from "../agentConnection.js";
import { CommandContext, type CliIo } from "../context.js";
import { CliError } from "../errors.js";
import { renderJson, renderTable, type Column } from "../output.js";
import { findWorkspace } from "../workspaceRef.js";
import { SSH_TARGET_ARGUMENT } from "./ssh.js";

type ShareOptions = { level: SharedPortLevel; protocol: PortShareProtocol };

/** One port of `den port list`: listening inside the workspace, shared, or both. */
export type PortRow = {
  agent_name: string;
  port: number;
  /** Undefined when the agent could not be asked (not connected). */
  listening: boolean | undefined;
  process_name: string;
  share_level: "owner" | SharedPortLevel;
  protocol: PortShareProtocol;
  url: string | undefined;
};

const LEVEL_HELP = "who may open it: authenticated (any logged-in user) or public (anyone, no login)";

export function portCommand(program: Command, io: CliIo): void {
  const port = program
    .command("port")
    .summary("Share the ports of a workspace, and list them.")
    .description(
      "A port listening inside a workspace is served on its own subdomain of the server's wildcard host " +
        "(`den server --wildcard-access-url`): <PORT>--<AGENT>--<WORKSPACE>--<OWNER>.<suffix>. " +
        "Only the workspace's owner may open it until it is shared; the template's max_port_share_level caps how far.",
    );

  port
    .command("share")
    .summary("Share a port of a workspace with logged-in users or everyone.")
    .description("Share a port of a workspace's agent, or change the level or protocol of a shared one. Prints the port's URL when the server serves ports on subdomains.")
    .argument("<workspace>", SSH_TARGET_ARGUMENT)
    .argument("<port>", "the port inside the workspace (1-65535)", parsePort)
    .addOption(new Option("--level <level>", LEVEL_HELP).choices(["authenticated", "public"]).default("authenticated"))
    .addOption(new Option("--protocol <protocol>", "what the port speaks: http, or https (self-signed certificates are accepted)").choices(["http", "https"]).default("http"))
    .addHelpText(
      "after",
      `
Examples:
  $ den port share dev 3000
  $ den port share dev.main 8443 --protocol https
  $ den port share alice/dev 8080 --level public`,
    )
    .action(async (target: string, portNumber: number, opts: ShareOptions, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const client = ctx.client();
      const { workspace, agentName } = await resolveTarget(client, target);
      const share = await client.portShares.share(workspace.id, { agent_name: agentName, port: portNumber, share_level: opts.level, protocol: opts.protocol });
      const url = portUrl(client.url, (await client.portShares.host()).host, { ...nameOf(workspace, agentName, portNumber), protocol: share.protocol });
      if (ctx.options.output === "json") return void ctx.print(renderJson({ ...share, url: url ?? null }));
      ctx.print(`Shared port ${portNumber} of ${describeAgent(workspace, agentName)} (${share.protocol}) with ${share.share_level === "public" ? "everyone" : "logged-in users"}.\n`);
      if (url) ctx.print(`${url}\n`);
      else io.stderr.write("The server serves no ports on subdomains (it has no --wildcard-access-url): the share takes effect once it does.\n");
    });

  port
    .command("unshare")
    .summary("Stop sharing a port: only the owner may open it again.")
    .argument("<workspace>", SSH_TARGET_ARGUMENT)
    .argument("<port>", "the shared port (1-65535)", parsePort)
    .addHelpText("after", "\nExamples:\n  $ den port unshare dev 3000\n  $ den port unshare alice/dev.main 8080")
    .action(async (target: string, portNumber: number, _opts: unknown, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const client = ctx.client();
      const { workspace, agentName } = await resolveTarget(client, target);
      try {
        await client.portShares.unshare(workspace.id, { agent_name: agentName, port: portNumber });
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) {
          throw new CliError(`port ${portNumber} of ${describeAgent(workspace, agentName)} is not shared: see \`den port list ${workspace.owner_name}/${workspace.name}\``);
        }
        throw err;
      }
      ctx.print(`Port ${portNumber} of ${describeAgent(workspace, agentName)} is no longer shared.\n`);
    });

  port
    .command("list")
    .alias("ls")
    .summary("List a workspace's listening and shared ports.")
    .description(
      "List the ports listening inside the workspace (asked of its connected agents) and the shared ones, " +
        "with who may open each (owner: only the workspace's owner), its protocol and its URL.",
    )
    .argument("<workspace>", "the workspace: NAME or OWNER/NAME, with .AGENT to show one agent's ports only")
    .addHelpText("after", "\nExamples:\n  $ den port list dev\n  $ den port list alice/dev.main -o json")
    .action(async (target: string, _opts: unknown, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const client = ctx.client();
      const ref = parseAgentTarget(target);
      const workspace = await findWorkspace(client, ref.workspace);
      const agents = ref.agent === undefined ? workspace.agents : [pickAgent(workspace, ref.agent)!];
      const [shares, host] = await Promise.all([client.portShares.list(workspace.id), client.portShares.host()]);
      const listening = new Map<string, ListeningPort[] | undefined>();
      for (const agent of agents) {
        if (agent.status !== "connected") {
          io.stderr.write(`den: agent ${agent.name} of ${workspace.owner_name}/${workspace.name} is ${agent.status}: its listening ports are not known\n`);
          continue;
        }
        listening.set(agent.name, await client.portShares.listeningPorts(agent.id));
      }
      const rows = portRows(
        shares.shares.filter((s) => ref.agent === undefined || s.agent_name === ref.agent),
        listening,
        (agent, number, protocol) => portUrl(client.url, host.host, { ...nameOf(workspace, agent, number), protocol }),
      );
      if (ctx.options.output === "json") {
        return void ctx.print(renderJson({ max_level: shares.max_level, ports: rows.map((r) => ({ ...r, listening: r.listening ?? null, url: r.url ?? null })) }));
      }
      ctx.print(`Ports of ${workspace.owner_name}/${workspace.name} may be shared up to: ${shares.max_level} (the template's max_port_share_level).\n`);
      ctx.print(rows.length === 0 ? "No port is listening or shared.\n" : renderTable(rows, portColumns()));
    });
}

/**
 * Merges the agents' listening ports with the shares, one row per agent and
 * port, sorted. A shared port that does not listen is still listed: its share
 * applies as soon as something listens on it again.
 */
export function portRows(
  shares: WorkspacePortShare[],
  listening: Map<string, ListeningPort[] | undefined>,
  urlOf: (agent: string, port: number, protocol: PortShareProtocol) => string | undefined,
): PortRow[] {
  const rows = new Map<string, PortRow>();
  const key = (agent: string, port: number) => `${agent}\0${port}`;
  for (const [agent, ports] of listening) {
    for (const p of ports ?? []) {
      if (rows.has(key(agent, p.port))) continue;
      rows.set(key(agent, p.port), { agent_name: agent, port: p.port, listening: true, process_name: p.process_name, share_level: "owner", protocol: "http", url: undefined });
    }
  }
  for (const share of shares) {
    const known = listening.has(share.agent_name);
    const row = rows.get(key(share.agent_name, share.port)) ?? { agent_name: share.agent_name, port: share.port, listening: known ? false : undefined, process_name: "" };
    rows.set(key(share.agent_name, share.port), { ...row, share_level: share.share_level, protocol: share.protocol, url: undefined });
  }
  return [...rows.values()]
    .map((row) => ({ ...row, url: urlOf(row.agent_name, row.port, row.protocol) }))
    .sort((a, b) => a.agent_name.localeCompare(b.agent_name) || a.port - b.port);
}

function portColumns(): Column<PortRow>[] {
  return [
    { header: "agent", value: (r) => r.agent_name },
    { header: "port", value: (r) => r.port },
    { header: "listening", value: (r) => (r.listening === undefined ? "unknown" : r.listening ? "yes" : "no") },
    { header: "process", value: (r) => r.process_name },
    { header: "shared with", value: (r) => r.share_level },
    { header: "protocol", value: (r) => r.protocol },
    { header: "url", value: (r) => r.url },
  ];
}

/**
 * The workspace and the agent name a share is about. A stopped workspace has
 * no agents to pick from, so a named agent is taken as given (the server
 * checks it against the template).
 */
async function resolveTarget(client: DenClient, target: string): Promise<{ workspace: Workspace; agentName: string }> {
  const ref = parseAgentTarget(target);
  const workspace = await findWorkspace(client, ref.workspace);
  if (workspace.agents.length === 0 && ref.agent !== undefined) return { workspace, agentName: ref.agent };
  const agent = pickAgent(workspace, ref.agent);
  if (!agent) throw new CliError(`workspace ${workspace.owner_name}/${workspace.name} has no agent running: name one with ${workspace.name}.AGENT`);
  return { workspace, agentName: agent.name };
}

function nameOf(workspace: Workspace, agent: string, port: number) {
  return { owner: workspace.owner_name, workspace: workspace.name, agent, port };
}

function describeAgent(workspace: Workspace, agentName: string): string {
  return `${workspace.owner_name}/${workspace.name}.${agentName}`;
}

function parsePort(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 65535) throw new InvalidArgumentError("must be a whole number from 1 to 65535");
  return Number(text);
}
