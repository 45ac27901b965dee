import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import ssh2, { type Connection } from "ssh2";
import { AgentForwarding, canForwardAgent } from "./AgentForwarding.js";
import { CleanupScope } from "./CleanupScope.js";
import { forwardDirectTcpip } from "./forwardDirectTcpip.js";
import { handleSession, type SessionContext, type SessionType } from "./handleSession.js";
import { RemoteForwards } from "./RemoteForwards.js";
import { silentSshLog, type SshLog } from "./SshLog.js";

const { Server, utils } = ssh2;

export type SshServeOptions = {
  /** The workspace's host key: OpenSSH or PEM private key text (see generateHostKey). */
  hostKey: string;
  /** Session variables: DEN=true, DEN_WORKSPACE_NAME, … (merged over the agent's environment). */
  env: Record<string, string>;
  /** Where sessions start and where relative SFTP paths point. */
  directory: string;
  /** Overrides the login shell of the agent's user. */
  shell?: string;
  /** Called when a session starts its program; the returned function when it ends. */
  onSession?: (type: SessionType) => () => void;
  log?: SshLog;
};

/** A new ed25519 host key in OpenSSH private key format, for the server to keep per workspace. */
export function generateHostKey(): string {
  return utils.generateKeyPairSync("ed25519").private;
}

/**
 * Serves one SSH connection over `stream` (an `/ssh` tunnel stream): the SSH
 * protocol runs end to end between the developer's OpenSSH and this agent,
 * and the server only relays bytes.
 *
 * Authentication accepts anything, `none` included: the server has already
 * authenticated the developer and checked that they may reach this
 * workspace before it opened the stream. Every session runs as the agent's
 * own OS user, whatever user name the client sends.
 */
export function serveSshConnection(stream: Duplex, opts: SshServeOptions): void {
  const log = opts.log ?? silentSshLog;
  // A Server per connection: its options are per workspace and building one
  // takes under a millisecond, while a shared one would have to map each
  // ssh2 connection back to its options through ssh2's private fields.
  let server: InstanceType<typeof Server>;
  try {
    server = new Server({ hostKeys: [opts.hostKey] });
  } catch (err) {
    stream.destroy();
    throw new Error("load the SSH host key", { cause: err });
  }
  server.on("connection", (client) => serveClient(client, opts, log));
  // ssh2 types injectSocket for net.Socket, but reads and writes it as any Duplex.
  server.injectSocket(stream as Socket);
}

function serveClient(client: Connection, opts: SshServeOptions, log: SshLog): void {
  const scope = new CleanupScope();
  let agent: Promise<AgentForwarding> | undefined;
  const agentSupported = canForwardAgent(client);
  const context: SessionContext = {
    scope,
    log,
    env: opts.env,
    // Sessions inherit the agent's environment the way a login inherits
    // sshd's; buildSessionEnv drops the agent's own credentials.
    inheritedEnv: { ...process.env },
    directory: opts.directory,
    shell: opts.shell,
    onSession: opts.onSession,
    agentForwarding() {
      if (!agentSupported) return undefined;
      if (agent === undefined) {
        agent = AgentForwarding.start(client, scope, log);
        // Sessions await it and handle a failure; this only keeps an unawaited rejection quiet.
        agent.catch(() => undefined);
      }
      return agent;
    },
  };
  const remoteForwards = new RemoteForwards(client, scope, log);

  client.on("authentication", (auth) => auth.accept());
  client.on("session", (accept) => handleSession(accept(), context));
  client.on("tcpip", (accept, reject, info) => forwardDirectTcpip(accept, reject, info, scope, log));
  client.on("request", (accept, reject, name, info) => {
    if (name === "tcpip-forward" && "bindPort" in info) {
      remoteForwards.listen(
        info,
        (port) => accept?.(port),
        () => reject?.(),
      );
    } else if (name === "cancel-tcpip-forward" && "bindPort" in info) {
      if (remoteForwards.cancel(info)) accept?.();
      else reject?.();
    } else {
      // Unix-socket forwarding (streamlocal) is not offered.
      reject?.();
    }
  });
  client.on("error", (err: Error) => log.debug({ err }, "ssh connection error"));
  client.on("close", () => scope.close((err) => log.warn({ err }, "ssh connection cleanup failed")));
}
