import type { WebSocket } from "ws";

type MessageListener = (this: WebSocket, data: Buffer, isBinary: boolean) => void;

/**
 * Keeps the messages a WebSocket client sends while its route is still
 * authenticating and setting up (ws emits them with no listener, and they
 * would be lost: a port forward's first bytes, an SSH banner), and hands
 * them to the first `message` listener the route attaches, in order, before
 * that listener sees any later message. Routes listen with `on`, not `once`.
 */
export function holdEarlyMessages(socket: WebSocket): void {
  const held: Array<[Buffer, boolean]> = [];
  const hold = (data: Buffer, isBinary: boolean) => void held.push([data, isBinary]);
  const onNewListener = (event: string | symbol, listener: unknown) => {
    if (event !== "message" || listener === hold) return;
    socket.off("newListener", onNewListener);
    socket.off("message", hold);
    // 'newListener' comes just before the listener is added: whatever it is
    // given now comes before any message it will get as a listener.
    for (const [data, isBinary] of held.splice(0)) (listener as MessageListener).call(socket, data, isBinary);
  };
  socket.on("message", hold);
  socket.on("newListener", onNewListener);
}
