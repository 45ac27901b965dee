import { createServer, isIPv4, isIPv6, type Server, type Socket } from "node:net";
import type { Connection, TcpipBindInfo } from "ssh2";
import type { CleanupScope } from "./CleanupScope.js";
import { relayChannel } from "./relayChannel.js";
import type { SshLog } from "./SshLog.js";

/**
 * The address a remote forward listens on inside the workspace. Like sshd
 * with `GatewayPorts no`, only the loopback is offered: a forward asked for
 * on a wildcard or outside address still binds 127.0.0.1, so `ssh -R` never
 * exposes a developer's laptop port to the workspace's network.
 */
export function remoteForwardHost(requested: string): string {
  if (isIPv4(requested) && requested.startsWith("127.")) return requested;
  if (isIPv6(requested) && (requested === "::1" || requested === "0:0:0:0:0:0:0:1")) return "::1";
  return "127.0.0.1";
}

type Forward = { server: Server; sockets: Set<Socket> };

/**
 * The `tcpip-forward` listeners (`ssh -R`) of one connection. Each accepted
 * connection becomes a `forwarded-tcpip` channel to the client, which names
 * the forward by the address and port it asked for (and the port we chose
 * when it asked for 0).
 */
export class RemoteForwards {
  readonly #forwards = new Map<string, Forward>();
  readonly #client: Connection;
  readonly #log: SshLog;

  constructor(client: Connection, scope: CleanupScope, log: SshLog) {
    this.#client = client;
    this.#log = log;
    scope.add(() => this.closeAll());
  }

  /** Handles a `tcpip-forward` global request. */
  listen(info: TcpipBindInfo, accept: (port: number) => void, reject: () => void): void {
    const sockets = new Set<Socket>();
    const server = createServer({ allowHalfOpen: true }, (socket) => this.#forwardSocket(info.bindAddr, server, socket, sockets));
    server.once("error", (err) => {
      this.#log.debug({ err, bindAddr: info.bindAddr, bindPort: info.bindPort }, "ssh remote forward listen failed");
      reject();
    });
    server.listen({ host: remoteForwardHost(info.bindAddr), port: info.bindPort }, () => {
      const port = boundPort(server);
      const key = forwardKey(info.bindAddr, port);
      if (this.#forwards.has(key)) {
        server.close();
        reject();
        return;
      }
      this.#forwards.set(key, { server, sockets });
      server.on("error", (err) => this.#log.warn({ err, port }, "ssh remote forward listener error"));
      accept(port);
    });
  }

  /**
   * Handles `cancel-tcpip-forward`: stops listening; connections already
   * forwarded carry on, as with sshd.
   */
  cancel(info: TcpipBindInfo): boolean {
    const key = forwardKey(info.bindAddr, info.bindPort);
    const forward = this.#forwards.get(key);
    if (forward === undefined) return false;
    this.#forwards.delete(key);
    forward.server.close();
    return true;
  }

  closeAll(): void {
    for (const forward of this.#forwards.values()) {
      forward.server.close();
      for (const socket of forward.sockets) socket.destroy();
    }
    this.#forwards.clear();
  }

  #forwardSocket(bindAddr: string, server: Server, socket: Socket, sockets: Set<Socket>): void {
    const port = boundPort(server);
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", (err) => this.#log.debug({ err }, "ssh remote forward socket error"));
    const origin = { address: socket.remoteAddress ?? "127.0.0.1", port: socket.remotePort ?? 0 };
    this.#client.forwardOut(bindAddr, port, origin.address, origin.port, (err, channel) => {
      if (err) {
        this.#log.debug({ err, port }, "ssh client refused a forwarded connection");
        socket.destroy();
        return;
      }
      if (socket.destroyed) {
        channel.close();
        return;
      }
      relayChannel(channel, socket, (relayErr) => this.#log.debug({ err: relayErr }, "ssh remote forward relay error"));
    });
  }
}

function forwardKey(bindAddr: string, port: number): string {
  return `${bindAddr}\u0000${port}`;
}

function boundPort(server: Server): number {
  const address = server.address();
  return typeof address === "object" && address !== null ? address.port : 0;
}
