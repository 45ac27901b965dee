import { Option, type Command } from "commander";
import { openAgentRelay, type Relay } from "../agentConnection.js";
import { CommandContext, type CliIo } from "../context.js";
import { CliError } from "../errors.js";
import { parseLocalForwardSpec, parseRemoteForwardSpec, type LocalForwardSpec, type RemoteForwardSpec } from "../forwardSpec.js";
import { parseDuration } from "../parseDuration.js";
import { waitForAgent } from "../waitForAgent.js";

type SshOptions = {
  stdio?: boolean;
  wait: "yes" | "no";
  waitTimeout: string;
  forwardAgent?: boolean;
  localForward: LocalForwardSpec[];
  remoteForward: RemoteForwardSpec[];
};

export const SSH_TARGET_ARGUMENT = "the workspace: NAME or OWNER/NAME, with .AGENT when it has several agents";

export function sshCommand(program: Command, io: CliIo): void {
  program
    .command("ssh")
    .summary("Open a shell in a workspace, or run a command there.")
    .description(
      "Log in to a workspace's agent over SSH (through the server; no port is opened in the workspace).\n" +
        "Without a command: an interactive shell. With a command after --: runs it, passing stdin, stdout, stderr and its exit code through.",
    )
    .argument("<workspace>", SSH_TARGET_ARGUMENT)
    .argument("[command...]", "command to run instead of a shell (put it after --)")
    .option("--stdio", "pipe the raw SSH stream over stdin/stdout, for OpenSSH's ProxyCommand (see `den config-ssh`)")
    .addOption(new Option("--wait <when>", "wait for the agent to connect and for start scripts that block login").choices(["yes", "no"]).default("yes"))
    .option("--wait-timeout <duration>", "how long to wait for the agent", "5m")
    .option("-A, --forward-agent", "forward your SSH agent (SSH_AUTH_SOCK) into the session")
    .option("-L, --local-forward <spec>", "[BIND:]LPORT:HOST:RPORT: connections to LPORT here reach HOST:RPORT as seen from the workspace (repeatable)", collect(parseLocalForwardSpec), [])
    .option("-R, --remote-forward <spec>", "RPORT:HOST:LPORT: connections to RPORT in the workspace reach HOST:LPORT as seen from here (repeatable)", collect(parseRemoteForwardSpec), [])
    .addHelpText(
      "after",
      "\nExamples:\n  $ den ssh dev\n  $ den ssh dev -- make test\n  $ den ssh alice/dev.main -L 8080:localhost:80\n  $ ssh -o ProxyCommand='den ssh --stdio dev' den.dev",
    )
    .action(async (target: string, command: string[], opts: SshOptions, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const client = ctx.client();
      let timeoutMs: number;
      try {
        timeoutMs = parseDuration(opts.waitTimeout) * 1000;
      } catch (err) {
        throw new CliError(`--wait-timeout: ${(err as Error).message}`);
      }
      const { workspace, agent } = await waitForAgent(client, target, { wait: opts.wait === "yes", timeoutMs, progress: io.stderr });
      if (opts.stdio) {
        if (command.length > 0) throw new CliError("--stdio takes no command: it carries the SSH stream itself");
        return void (await pipeStdio(io, await openAgentRelay(client, agent.id, "ssh")));
      }
      const agentSocket = opts.forwardAgent ? io.env.SSH_AUTH_SOCK : undefined;
      if (opts.forwardAgent && !agentSocket) throw new CliError("-A: SSH_AUTH_SOCK is not set, so there is no SSH agent to forward");
      // ssh2 is large: loaded only by the commands that speak SSH themselves.
      const { connectSsh, runSshSession } = await import("../sshSession.js");
      const conn = await connectSsh(await openAgentRelay(client, agent.id, "ssh"), workspace.owner_name, agentSocket);
      const code = await runSshSession(conn, {
        io,
        command: command.length === 0 ? undefined : joinCommand(command),
        localForwards: opts.localForward,
        remoteForwards: opts.remoteForward,
        note: (line) => io.stderr.write(`den: ${line}\n`),
      });
      process.exitCode = code;
    });
}

/**
 * One argument is a shell command line as typed (`den ssh ws -- 'make && ls'`),
 * as with OpenSSH; several are quoted one by one, so that
 * `den ssh ws -- sh -c 'exit 3'` runs exactly those three words.
 */
export function joinCommand(args: string[]): string {
  if (args.length === 1) return args[0]!;
  return args.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}

/**
 * ProxyCommand mode: bytes from stdin go to the relay and back to stdout.
 * Each direction ends on its own; the process is done when the relay has
 * closed (both directions ended, or the server or agent went away).
 */
async function pipeStdio(io: CliIo, relay: Relay): Promise<void> {
  const stdin = io.stdin as NodeJS.ReadableStream & { destroy?: () => void };
  const { stream } = relay;
  stdin.pipe(stream);
  stream.pipe(io.stdout);
  stream.on("error", () => undefined);
  const failure = await relay.ended;
  stdin.unpipe(stream);
  // stdin may still be open (OpenSSH keeps it until we exit): let go of it.
  stdin.destroy?.();
  if (failure) throw failure;
}

function collect<T>(parse: (text: string) => T): (text: string, previous: T[]) => T[] {
  return (text, previous) => [...previous, parse(text)];
}
