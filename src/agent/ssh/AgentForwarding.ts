import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Channel, Connection } from "ssh2";
import type { CleanupScope } from "./CleanupScope.js";
import { relayChannel } from "./relayChannel.js";
import type { SshLog } from "./SshLog.js";

/** ssh2's own channel window and packet size (lib/Channel.js), used for the channels it opens. */
const CHANNEL_WINDOW = 2 * 1024 * 1024;
const CHANNEL_PACKET_SIZE = 32 * 1024;

type OpenCallback = ((err: Error | undefined, channel: Channel) => void) & { type?: string };

/**
 * The parts of ssh2's server-side connection needed to open an
 * `auth-agent@openssh.com` channel. ssh2 1.17 implements the packet
 * (`Protocol.openssh_authAgent`) but offers no public method on the server
 * side, so this mirrors its own `openChannel()` (lib/server.js); the
 * confirmation then arrives through ssh2's normal channel handling.
 */
type ConnectionInternals = {
  _chanMgr?: { add(callback: OpenCallback): number };
  _protocol?: { openssh_authAgent?(localChan: number, window: number, packetSize: number): void };
};

/** Whether this ssh2 can open agent channels; if not, `ssh -A` is refused rather than half-working. */
export function canForwardAgent(client: Connection): boolean {
  const internals = client as unknown as ConnectionInternals;
  return typeof internals._chanMgr?.add === "function" && typeof internals._protocol?.openssh_authAgent === "function";
}

function openAuthAgentChannel(client: Connection, callback: OpenCallback): void {
  const internals = client as unknown as Required<ConnectionInternals>;
  callback.type = "auth-agent@openssh.com";
  const localChan = internals._chanMgr.add(callback);
  if (localChan === -1) {
    callback(new Error("no free SSH channels"), undefined as unknown as Channel);
    return;
  }
  internals._protocol.openssh_authAgent?.(localChan, CHANNEL_WINDOW, CHANNEL_PACKET_SIZE);
}

/**
 * `ssh -A` for one connection: a unix socket in a private temp directory
 * (mode 0700, so only the workspace user reaches it) whose path sessions get
 * as SSH_AUTH_SOCK; each connection to it becomes an agent channel back to
 * the client, where OpenSSH relays it to the developer's own ssh-agent.
 */
export class AgentForwarding {
  readonly socketPath: string;
  readonly #dir: string;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #log: SshLog;

  private constructor(dir: string, server: Server, log: SshLog) {
    this.#dir = dir;
    this.socketPath = join(dir, "agent.sock");
    this.#server = server;
    this.#log = log;
  }

  static async start(client: Connection, scope: CleanupScope, log: SshLog): Promise<AgentForwarding> {
    const dir = await mkdtemp(join(tmpdir(), "den-ssh-agent-"));
    if (scope.closed) {
      await rm(dir, { recursive: true, force: true });
      throw new Error("the SSH connection closed while agent forwarding started");
    }
    const server = createServer({ allowHalfOpen: true });
    const forwarding = new AgentForwarding(dir, server, log);
    scope.add(() => forwarding.close());
    server.on("connection", (socket) => forwarding.#relay(client, socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(forwarding.socketPath, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", (err) => log.warn({ err }, "ssh agent forwarding listener error"));
    return forwarding;
  }

  close(): void {
    this.#server.close();
    for (const socket of this.#sockets) socket.destroy();
    rm(this.#dir, { recursive: true, force: true }).catch((err: unknown) => this.#log.warn({ err, dir: this.#dir }, "ssh agent socket dir not removed"));
  }

  #relay(client: Connection, socket: Socket): void {
    this.#sockets.add(socket);
    socket.once("close", () => this.#sockets.delete(socket));
    socket.on("error", (err) => this.#log.debug({ err }, "ssh agent socket error"));
    openAuthAgentChannel(client, (err, channel) => {
      if (err) {
        this.#log.debug({ err }, "ssh client refused an agent channel");
        socket.destroy();
        return;
      }
      if (socket.destroyed) {
        channel.close();
        return;
      }
      relayChannel(channel, socket, (relayErr) => this.#log.debug({ err: relayErr }, "ssh agent relay error"));
    });
  }
}
