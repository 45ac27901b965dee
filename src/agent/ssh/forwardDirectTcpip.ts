import { connect } from "node:net";
import type { AcceptConnection, RejectConnection, TcpipRequestInfo } from "ssh2";
import type { CleanupScope } from "./CleanupScope.js";
import { relayChannel } from "./relayChannel.js";
import type { SshLog } from "./SshLog.js";

/**
 * Serves a `direct-tcpip` channel (`ssh -L`, `ssh -W`, VS Code's port
 * forwards): dials the target from inside the workspace and only then
 * accepts the channel, so that a port nobody listens on fails the client's
 * open ("connect failed") instead of opening and closing at once.
 */
export function forwardDirectTcpip(accept: AcceptConnection, reject: RejectConnection, info: TcpipRequestInfo, scope: CleanupScope, log: SshLog): void {
  const socket = connect({ host: info.destIP, port: info.destPort, allowHalfOpen: true });
  const unregister = scope.add(() => socket.destroy());
  socket.once("close", unregister);
  const onDialError = (err: Error) => {
    log.debug({ err, host: info.destIP, port: info.destPort }, "ssh direct-tcpip dial failed");
    reject();
  };
  socket.once("error", onDialError);
  socket.once("connect", () => {
    socket.off("error", onDialError);
    const channel = accept();
    relayChannel(channel, socket, (err) => log.debug({ err, port: info.destPort }, "ssh direct-tcpip relay error"));
  });
}
