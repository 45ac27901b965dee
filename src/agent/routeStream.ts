import type { Logger } from "pino";
import type { IncomingStream } from "../tunnel/serveTunnel.js";
import { TunnelPaths } from "../tunnel/tunnelSettings.js";
import { forwardTcp } from "./forward/forwardTcp.js";
import { forwardUdp } from "./forward/forwardUdp.js";
import type { LoginGate } from "./LoginGate.js";
import { listListeningPorts } from "./ports/listListeningPorts.js";
import type { PtySessions } from "./pty/PtySessions.js";
import type { SessionContext } from "./SessionContext.js";
import type { SessionStats } from "./stats/SessionStats.js";

export type StreamRouterDeps = {
  log: Logger;
  gate: LoginGate;
  /** How long an SSH or PTY stream waits for the login gate before it is refused. */
  loginWaitTimeoutMs: number;
  context: SessionContext;
  ptys: PtySessions;
  stats: SessionStats;
  onRpc: (incoming: IncomingStream) => void;
  isStopping: () => boolean;
};

/**
 * Serves the streams the server opens on the tunnel: /rpc, /ssh, /pty,
 * /tcp and /listening-ports. SSH and PTY streams are interactive logins and
 * wait for the login gate; forwards and port listings do not.
 */
export function createStreamRouter(deps: StreamRouterDeps): (incoming: IncomingStream) => void {
  const { log, gate, stats } = deps;
  let sshServer: Promise<typeof import("./ssh/serveSshConnection.js")> | undefined;

  const afterLogin = async (incoming: IncomingStream, serve: () => Promise<void>) => {
    if (deps.isStopping()) return incoming.refuse(503, "the workspace is shutting down");
    if (!gate.isOpen && !(await gate.wait(deps.loginWaitTimeoutMs))) {
      return incoming.refuse(503, `the workspace is not ready for login yet: ${gate.waitingFor}`);
    }
    if (!incoming.stream.destroyed) await serve();
  };

  const route = async (incoming: IncomingStream): Promise<void> => {
    switch (incoming.path) {
      case TunnelPaths.rpc:
        return deps.onRpc(incoming);
      case TunnelPaths.pty:
        return afterLogin(incoming, () => deps.ptys.open(incoming));
      case TunnelPaths.ssh:
        return afterLogin(incoming, async () => {
          // ssh2 is large: an agent used only through the web terminal never loads it.
          sshServer ??= import("./ssh/serveSshConnection.js");
          const { serveSshConnection } = await sshServer;
          serveSshConnection(incoming.accept(), {
            ...deps.context.ssh(),
            onSession: (type) => stats.open(type),
            log: log.child({ stream: "ssh" }),
          });
        });
      case TunnelPaths.tcp:
        return forwardTcp(incoming, () => stats.open("port-forward"));
      case TunnelPaths.udp:
        return forwardUdp(incoming, () => stats.open("port-forward"));
      case TunnelPaths.listeningPorts: {
        const ports = await listListeningPorts();
        if (!incoming.stream.destroyed) incoming.accept().end(JSON.stringify(ports));
        return;
      }
      default:
        return incoming.refuse(404, `the agent has no stream ${JSON.stringify(incoming.path)}`);
    }
  };

  return (incoming) => {
    route(incoming).catch((err: unknown) => {
      log.error({ err, path: incoming.path }, "stream failed");
      incoming.refuse(500, `the agent failed to serve ${incoming.path}: ${(err as Error).message}`);
      if (incoming.stream.headersSent) incoming.stream.destroy();
    });
  };
}
