import { Duplex } from "node:stream";
import type { WebSocket } from "ws";

/** The text frame that ends one direction of a half-closable WebSocket stream. */
export const EOF_FRAME = "eof";

/**
 * Small writes are gathered into one message until it holds this much; a
 * message that full is sent at once, and a chunk that comes after it starts
 * the next message instead of being copied onto it. So the 9-byte header of
 * an HTTP/2 frame and its payload share a message, sixteen 4 KiB writes
 * share one, and a stream of 64 KiB chunks is sent without copying.
 */
export const FULL_MESSAGE_BYTES = 64 * 1024;

/**
 * The most bytes one binary message carries: a larger write is split. The
 * reader treats messages as a byte stream, so where they are cut does not
 * matter. Far below the server's maxPayload (16 MiB), and small because a
 * receiver delivers a message only once all of it has arrived: an
 * interactive stream's frame that shares a message with bulk data waits for
 * the rest of that message, which on a slow link would be noticed.
 */
export const MAX_MESSAGE_BYTES = 128 * 1024;

/**
 * Bytes the WebSocket may hold unsent (ws's bufferedAmount: what the socket
 * has not taken yet) before a write's callback waits for the socket. Below
 * it, a write completes as soon as it is queued, so that a writer is not held
 * up by every system call; above it, the writer waits. That bounds the memory
 * a stream holds, and it keeps the HTTP/2 tunnel's queue short: what HTTP/2
 * has not yet handed over it can still send in priority order, so a
 * keystroke does not wait behind megabytes of a bulk transfer.
 */
export const WEBSOCKET_HIGH_WATER_MARK = 256 * 1024;

/**
 * Bytes received that a stream without half-close (the HTTP/2 tunnel) holds
 * for its reader before it stops reading the WebSocket. Node's HTTP/2 session
 * stops reading while one of its writes is in progress; if we then stopped
 * reading the socket too, our peer's write would wait for us while ours
 * waits for the peer, and the tunnel would stall for good. So the tunnel
 * keeps reading, and HTTP/2 flow control bounds what it receives instead: no
 * more DATA than the session's window (TUNNEL_WINDOW, 32 MiB) beyond what
 * was read, plus small control frames. The limit is a safety net against a
 * peer that ignores flow control; should it be reached, the stalled tunnel
 * is closed by its unanswered pings.
 */
export const FLOW_CONTROLLED_READ_BUFFER = 64 * 1024 * 1024;

export type WebSocketDuplexOptions = {
  /**
   * Carry half-close: ending our side sends an "eof" text frame, an "eof"
   * from the peer ends our readable side, and the WebSocket closes once both
   * directions have ended. For client streams (ssh, port forwards). The
   * agent's HTTP/2 tunnel does not use it (see below), and reads as
   * FLOW_CONTROLLED_READ_BUFFER says.
   */
  halfClose?: boolean;
};

type WriteCallback = (err?: Error | null) => void;

/**
 * A Duplex over a WebSocket's binary messages.
 *
 * Writes are coalesced: what is written in one turn of the event loop (the
 * HTTP/2 frames of many streams, or the small chunks a pipe hands over) goes
 * out as one WebSocket message, one system call instead of one per write.
 * The bytes go out in the order written; a reader must treat the messages as
 * a byte stream (this one does).
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

  // Bytes written but not yet handed to ws, sent together on the next flush.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let flushScheduled = false;
  // Messages handed to ws whose send callback has not come yet.
  let sending = 0;
  // The callback of a write that waits for the socket to take what it holds.
  let waitingWrite: WriteCallback | undefined;

  const socketBusy = () => ws.bufferedAmount + pendingBytes >= WEBSOCKET_HIGH_WATER_MARK;
  const releaseWrite = (err?: Error) => {
    const cb = waitingWrite;
    waitingWrite = undefined;
    cb?.(err);
  };
  const onSent = (err?: Error) => {
    sending--;
    if (err) {
      if (waitingWrite) releaseWrite(err);
      else duplex.destroy(err);
      return;
    }
    if (waitingWrite && (sending === 0 || !socketBusy())) releaseWrite();
  };
  const flush = () => {
    if (pendingBytes === 0) return;
    const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    if (ws.readyState !== ws.OPEN) {
      if (waitingWrite) releaseWrite(new Error("the WebSocket is closed"));
      else duplex.destroy(new Error("the WebSocket is closed"));
      return;
    }
    for (let at = 0; at < data.length; at += MAX_MESSAGE_BYTES) {
      sending++;
      ws.send(at === 0 && data.length <= MAX_MESSAGE_BYTES ? data : data.subarray(at, at + MAX_MESSAGE_BYTES), { binary: true }, onSent);
    }
  };
  const enqueue = (chunks: Buffer[], cb: WriteCallback) => {
    if (ws.readyState !== ws.OPEN) return cb(new Error("the WebSocket is closed"));
    for (const chunk of chunks) {
      if (chunk.length === 0) continue;
      pending.push(chunk);
      pendingBytes += chunk.length;
      // A message this full goes now: more would not save a system call
      // worth the copy into a larger buffer.
      if (pendingBytes >= FULL_MESSAGE_BYTES) flush();
    }
    if (pendingBytes > 0 && !flushScheduled) {
      flushScheduled = true;
      // setImmediate, not nextTick: it runs after the I/O callbacks of this
      // turn, so the chunks of several reads and the frames of several
      // HTTP/2 streams share one message.
      setImmediate(() => {
        flushScheduled = false;
        flush();
      });
    }
    if (socketBusy() && sending + (pendingBytes > 0 ? 1 : 0) > 0) waitingWrite = cb;
    else cb();
  };

  const duplex = new Duplex({
    allowHalfOpen: opts.halfClose === true,
    // A push beyond the readable high-water mark pauses the WebSocket.
    ...(opts.halfClose ? {} : { readableHighWaterMark: FLOW_CONTROLLED_READ_BUFFER }),
    read() {
      ws.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      enqueue([chunk], cb);
    },
    writev(chunks, cb) {
      enqueue(
        chunks.map((c) => c.chunk as Buffer),
        cb,
      );
    },
    final(cb) {
      writeEnded = true;
      // What was written goes out before the end: ws sends in call order.
      flush();
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
      // A plain destroy sends what was written before the close frame, as
      // when every write went to ws at once; an error drops it.
      if (!err && ws.readyState === ws.OPEN) flush();
      pending = [];
      pendingBytes = 0;
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) {
        if (err) ws.terminate();
        else ws.close(1000);
      }
      // A write waiting for messages that will never be sent fails; one
      // waiting for messages on their way hears from their send callbacks.
      if (sending === 0) releaseWrite(err ?? new Error("the stream was destroyed"));
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
