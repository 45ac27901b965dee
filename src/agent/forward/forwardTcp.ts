import { constants as http2 } from "node:http2";
import { connect } from "node:net";
import type { IncomingStream } from "../../tunnel/serveTunnel.js";

/**
 * A port forward (/tcp?port=N): dials 127.0.0.1:N inside the workspace and
 * pipes both ways. Each direction ends on its own (half-close), so a client
 * that sends everything and then waits for the answer works. A stream that
 * is reset (client gone) destroys the socket, and the other way round.
 */
export function forwardTcp(incoming: IncomingStream, onOpen: () => () => void): void {
  const text = incoming.query.get("port") ?? "";
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
    incoming.refuse(400, `port: must be a whole number from 1 to 65535, got ${JSON.stringify(text)}`);
    return;
  }
  const socket = connect({ host: "127.0.0.1", port });
  socket.once("error", () => incoming.refuse(502, `nothing is listening on port ${port} inside the workspace`));
  // The server may give up on the stream while the dial is still going.
  incoming.stream.once("close", () => {
    if (socket.connecting) socket.destroy();
  });
  socket.once("connect", () => {
    socket.removeAllListeners("error");
    if (incoming.stream.destroyed) return void socket.destroy();
    const stream = incoming.accept();
    const close = onOpen();
    socket.setNoDelay(true);
    socket.pipe(stream);
    stream.pipe(socket);
    socket.on("error", () => stream.close(http2.NGHTTP2_CANCEL));
    stream.on("close", () => {
      close();
      if (stream.rstCode !== http2.NGHTTP2_NO_ERROR) socket.destroy();
    });
    socket.on("close", close);
  });
}
