import http from "node:http";
import { constants as http2 } from "node:http2";
import type { Duplex } from "node:stream";
import { connect as tlsConnect } from "node:tls";
import type { TunnelClient } from "../../tunnel/openTunnel.js";
import { TunnelPaths } from "../../tunnel/tunnelSettings.js";

/** An idle upstream connection is closed after this; apps (Node's default is 5 s) often close theirs sooner. */
const IDLE_MS = 4000;
const MAX_FREE_SOCKETS = 64;

type Entry = { tunnel: TunnelClient; agent: TunnelAgent };

/**
 * Keep-alive HTTP agents whose connections are tunnel streams (/tcp?port=N)
 * to a port inside a workspace: one agent per workspace agent, port and
 * protocol. Reusing a connection saves the stream set-up and the dial inside
 * the workspace on every request. An agent that reconnected gets a new pool
 * (the old tunnel's streams died with it).
 */
export class TunnelHttpAgents {
  private readonly agents = new Map<string, Entry>();

  agentFor(agentId: string, tunnel: TunnelClient, port: number, https: boolean): http.Agent {
    const key = `${agentId}:${port}:${https ? "s" : ""}`;
    const found = this.agents.get(key);
    if (found && found.tunnel === tunnel) return found.agent;
    found?.agent.destroy();
    const agent = new TunnelAgent(tunnel, port, https);
    this.agents.set(key, { tunnel, agent });
    // Forget pools of tunnels that closed, so that the map only holds live agents.
    tunnel.session.once("close", () => {
      if (this.agents.get(key)?.agent === agent) this.agents.delete(key);
      agent.destroy();
    });
    return agent;
  }

  closeAll(): void {
    for (const { agent } of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}

class TunnelAgent extends http.Agent {
  constructor(
    private readonly tunnel: TunnelClient,
    private readonly port: number,
    private readonly https: boolean,
  ) {
    super({ keepAlive: true, maxFreeSockets: MAX_FREE_SOCKETS, scheduling: "lifo" });
  }

  // Node's Agent accepts a connection handed to the callback later; its types only know the synchronous form.
  override createConnection = ((_options: unknown, callback: (err: Error | null, socket?: Duplex) => void): undefined => {
    openTunnelSocket(this.tunnel, this.port, this.https).then(
      (socket) => callback(null, socket),
      (err: Error) => callback(err),
    );
    return undefined;
  }) as unknown as http.Agent["createConnection"];

  // Node's Agent uses the answer (keep the connection or not); its types say void.
  override keepSocketAlive(socket: Duplex & { setTimeout(ms: number): void }): boolean {
    // The app closed its side: the connection cannot carry another request.
    if (socket.readableEnded) return false;
    const keep = super.keepSocketAlive(socket) as unknown as boolean;
    socket.setTimeout(IDLE_MS);
    return keep;
  }

  override reuseSocket(socket: Duplex & { setTimeout(ms: number): void }, req: http.ClientRequest): void {
    super.reuseSocket(socket as never, req);
    socket.setTimeout(0);
  }
}

/**
 * A tunnel stream to the port, shaped enough like a net.Socket for Node's
 * HTTP client; wrapped in TLS for HTTPS ports (self-signed certificates are
 * the rule inside a workspace, so they are accepted). Rejects with the
 * agent's TunnelStreamError when nothing listens.
 */
export async function openTunnelSocket(tunnel: TunnelClient, port: number, https: boolean): Promise<Duplex> {
  const stream = asSocket(await tunnel.openStream(`${TunnelPaths.tcp}?port=${port}`));
  if (!https) return stream;
  return tlsConnect({ socket: stream, rejectUnauthorized: false, servername: "localhost" });
}

/**
 * Node's HTTP client and agent call these on their sockets; a tunnel stream
 * has no TCP options, so they do nothing. Destroying the stream resets it
 * with CANCEL, which makes the agent close its TCP connection to the app
 * (a reset without an error code would leave it open).
 */
function asSocket(stream: Duplex & { close?(code: number): void; closed?: boolean }): Duplex {
  const socket = stream as unknown as Record<string, unknown>;
  const self = () => stream;
  socket.setNoDelay ??= self;
  socket.setKeepAlive ??= self;
  socket.ref ??= self;
  socket.unref ??= self;
  // An idle connection the app closes is dropped from the pool at once; during a request Node's client handles the end itself.
  stream.once("end", () => {
    if (!socket._httpMessage) stream.destroy();
  });
  const destroy = stream.destroy.bind(stream);
  stream.destroy = (err?: Error) => {
    if (!stream.closed && stream.close) stream.close(http2.NGHTTP2_CANCEL);
    return destroy(err);
  };
  return stream;
}
