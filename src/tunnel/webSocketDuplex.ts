import { Duplex } from "node:stream";
import type { WebSocket } from "ws";

/** The text frame that ends one direction of a half-closable WebSocket stream. */
export const EOF_FRAME = "eof";

export type WebSocketDuplexOptions = {
  /**
   * Carry half-close: ending our side sends an "eof" text frame, an "eof"
   * from the peer ends our readable side, and the WebSocket closes once both
   * directions have ended. For client streams (ssh, port forwards). The
   * agent's HTTP/2 tunnel does not use it (see below).
   */
  halfClose?: boolean;
};

/**
 * A Duplex over a WebSocket's binary messages.
 *
 * Unlike ws's createWebSocketStream, a closed WebSocket destroys the stream
 * without signalling end-of-stream first: Node's HTTP/2 over a JS stream hits
 * an internal assertion (ERR_INTERNAL_ASSERTION in JSStreamSocket.doWrite)
 * when it is asked to write a GOAWAY after the stream began to shut down, and
 * an abrupt destroy is the only order in which it writes nothing more.
 */
export function webSocketDuplex(ws: WebSocket, opts: WebSocketDuplexOptions = {}): Duplex {
  let readEnded = false;
  let writeEnded = false;
  const closeIfDone = () => {
    if (readEnded && writeEnded && ws.readyState === ws.OPEN) ws.close(1000);
  };
  const duplex = new Duplex({
    allowHalfOpen: opts.halfClose === true,
    read() {
      ws.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      if (ws.readyState !== ws.OPEN) return cb(new Error("the WebSocket is closed"));
      ws.send(chunk, { binary: true }, cb);
    },
    writev(chunks, cb) {
      if (ws.readyState !== ws.OPEN) return cb(new Error("the WebSocket is closed"));
      ws.send(Buffer.concat(chunks.map((c) => c.chunk as Buffer)), { binary: true }, cb);
    },
    final(cb) {
      writeEnded = true;
      if (!opts.halfClose) {
        ws.close(1000);
        return cb();
      }
      if (ws.readyState !== ws.OPEN) return cb();
      ws.send(EOF_FRAME, { binary: false }, (err) => {
        closeIfDone();
        cb(err ?? undefined);
      });
    },
    destroy(err, cb) {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) {
        if (err) ws.terminate();
        else ws.close(1000);
      }
      cb(err);
    },
  });
  ws.binaryType = "nodebuffer";
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    if (!isBinary) {
      if (opts.halfClose && data.toString() === EOF_FRAME && !readEnded) {
        readEnded = true;
        duplex.push(null);
        // A push that hit the high-water mark paused the socket, and an ended
        // stream never reads again: resume so that the close frame is seen.
        ws.resume();
        closeIfDone();
      }
      return;
    }
    if (!duplex.push(data)) ws.pause();
  });
  ws.on("close", () => {
    if (opts.halfClose && !readEnded) {
      // The peer went away without ending its side: that is an error, not EOF.
      duplex.destroy(new Error("the WebSocket closed before the stream ended"));
    } else duplex.destroy();
  });
  ws.on("error", (err) => duplex.destroy(err));
  return duplex;
}
