import { createSocket } from "node:dgram";
import { DatagramDecoder, encodeDatagram } from "../../tunnel/datagramFraming.js";
import type { IncomingStream } from "../../tunnel/serveTunnel.js";

/** A UDP flow without traffic for this long ends, as NAT tables forget idle flows. */
const IDLE_MS = 5 * 60_000;

/**
 * A UDP port forward (/udp?port=N): one flow from one client socket. Datagrams
 * arrive framed on the stream and go to 127.0.0.1:N from a socket of their
 * own; the answers go back the same way.
 */
export function forwardUdp(incoming: IncomingStream, onOpen: () => () => void): void {
  const text = incoming.query.get("port") ?? "";
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
    incoming.refuse(400, `port: must be a whole number from 1 to 65535, got ${JSON.stringify(text)}`);
    return;
  }
  const socket = createSocket("udp4");
  socket.once("error", (err) => incoming.refuse(502, `cannot send to UDP port ${port} inside the workspace: ${err.message}`));
  socket.connect(port, "127.0.0.1", () => {
    socket.removeAllListeners("error");
    if (incoming.stream.destroyed) return socket.close();
    const stream = incoming.accept();
    const close = onOpen();
    let idle = setTimeout(() => stream.end(), IDLE_MS);
    const touch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => stream.end(), IDLE_MS);
    };
    const decoder = new DatagramDecoder((datagram) => {
      touch();
      // A port with nothing listening answers ICMP "unreachable": the send fails, the flow goes on.
      socket.send(datagram, () => undefined);
    });
    stream.on("data", (chunk: Buffer) => decoder.push(chunk));
    socket.on("message", (msg) => {
      touch();
      stream.write(encodeDatagram(msg));
    });
    socket.on("error", () => undefined);
    stream.on("close", () => {
      clearTimeout(idle);
      close();
      socket.close();
    });
    stream.on("end", () => stream.end());
  });
}
