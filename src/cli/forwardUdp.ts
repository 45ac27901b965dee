import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import type { DenClient } from "../sdk/client/DenClient.js";
import { DatagramDecoder, encodeDatagram } from "../tunnel/datagramFraming.js";
import { openAgentRelay } from "./agentConnection.js";
import { CliError } from "./errors.js";
import type { PortForwardSpec } from "./forwardSpec.js";

type Flow = { send(datagram: Buffer): void; close(): void };

/**
 * `den port-forward --udp`: a local UDP socket; each peer that sends to it
 * gets a flow of its own (one relay to the agent), like a NAT mapping, so the
 * answers find their way back. An idle flow ends after a while.
 */
export function listenUdp(client: DenClient, agentId: string, spec: PortForwardSpec, note: (line: string) => void, idleMs = 5 * 60_000): Promise<Socket> {
  const socket = createSocket(spec.bind.includes(":") ? "udp6" : "udp4");
  const flows = new Map<string, Flow>();

  const openFlow = (peer: RemoteInfo): Flow => {
    const key = `${peer.address}:${peer.port}`;
    const queued: Buffer[] = [];
    let write: ((datagram: Buffer) => void) | undefined;
    let closeRelay = () => undefined as void;
    let idle: NodeJS.Timeout | undefined;
    const flow: Flow = {
      send(datagram) {
        clearTimeout(idle);
        idle = setTimeout(() => flow.close(), idleMs);
        if (write) write(datagram);
        else queued.push(datagram);
      },
      close() {
        clearTimeout(idle);
        flows.delete(key);
        closeRelay();
      },
    };
    openAgentRelay(client, agentId, "udp", { port: spec.remotePort }).then(
      (relay) => {
        const decoder = new DatagramDecoder((datagram) => socket.send(datagram, peer.port, peer.address));
        relay.stream.on("data", (chunk: Buffer) => decoder.push(chunk));
        relay.stream.on("error", () => undefined);
        relay.stream.on("close", () => flows.get(key) === flow && flow.close());
        write = (datagram) => relay.stream.write(encodeDatagram(datagram));
        closeRelay = () => void relay.stream.destroy();
        for (const d of queued.splice(0)) write(d);
        void relay.ended.then((err) => err && note(`udp ${spec.localPort} -> ${spec.remotePort}: ${err.message}`));
      },
      (err: unknown) => {
        note(`udp ${spec.localPort} -> ${spec.remotePort}: ${(err as Error).message}`);
        flow.close();
      },
    );
    flows.set(key, flow);
    return flow;
  };

  socket.on("message", (msg, peer) => (flows.get(`${peer.address}:${peer.port}`) ?? openFlow(peer)).send(msg));
  socket.on("close", () => {
    for (const flow of [...flows.values()]) flow.close();
  });
  return new Promise((resolve, reject) => {
    socket.once("error", (err) => reject(new CliError(`--udp ${spec.bind}:${spec.localPort}: cannot listen: ${err.message}`)));
    socket.bind(spec.localPort, spec.bind, () => {
      socket.removeAllListeners("error");
      socket.on("error", () => undefined);
      resolve(socket);
    });
  });
}
