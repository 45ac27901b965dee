import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { holdEarlyMessages } from "./holdEarlyMessages.js";

let wss: WebSocketServer | undefined;
afterEach(() => wss?.close());

describe("holdEarlyMessages", () => {
  it("hands messages that arrived before the route listened to its first listener, in order, then the live ones", async () => {
    wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    await new Promise<void>((resolve) => wss!.once("listening", resolve));
    const received = new Promise<string[]>((resolve) => {
      wss!.once("connection", (socket) => {
        holdEarlyMessages(socket);
        // The client pings after its first messages (TCP keeps the order), so
        // by the ping they have arrived with no listener but the hold.
        socket.once("ping", () => {
          const got: string[] = [];
          socket.on("message", (data: Buffer, isBinary: boolean) => {
            got.push(`${isBinary ? "b" : "t"}:${data.toString()}`);
            if (got.length === 4) resolve(got);
          });
        });
      });
    });
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    await new Promise<void>((resolve) => client.once("open", resolve));
    client.send(Buffer.from("one"));
    client.send("two");
    client.send(Buffer.from("three"));
    client.ping();
    client.send(Buffer.from("four"));
    expect(await received).toEqual(["b:one", "t:two", "b:three", "b:four"]);
    client.close();
  });
});
