import type { Socket } from "node:net";
import type { Channel } from "ssh2";

const EMPTY = Buffer.alloc(0);

/**
 * Relays bytes between an SSH channel and a socket (opened with
 * `allowHalfOpen: true`) with each direction's end-of-file kept apart, so
 * that a client can send its request, shut its side, and still read the
 * whole answer.
 *
 * ssh2 closes a server channel outright when its writable side ends, which
 * would cut the client's direction short. So the socket's EOF becomes a bare
 * channel EOF, sent once the data before it has left (an empty write calls
 * back after every earlier one), and the channel is ended and closed only
 * when the socket is closed in both directions.
 */
export function relayChannel(channel: Channel, socket: Socket, onError: (err: Error) => void): void {
  channel.pipe(socket);
  socket.on("data", (chunk: Buffer) => {
    if (!channel.write(chunk)) socket.pause();
  });
  channel.on("drain", () => socket.resume());
  socket.on("end", () => {
    channel.write(EMPTY, () => channel.eof());
  });
  socket.on("error", onError);
  socket.on("close", () => channel.end());
  channel.on("error", (err: Error) => {
    onError(err);
    socket.destroy();
  });
  channel.on("close", () => socket.destroy());
}
