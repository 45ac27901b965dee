import { createServer, get, type IncomingMessage, type Server } from "node:http";
import type { Socket } from "node:net";
import { afterEach, expect, it } from "vitest";
import { HttpJobSource } from "./httpJobSource.js";

let server: Server | undefined;

afterEach(() => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

/**
 * A stopping daemon aborts its acquire long poll. fetch's pool answered that
 * by opening a new connection on which it sent nothing, kept for the
 * keep-alive time the server advertised, and the server's close waited for it.
 */
it("leaves no connection open after an aborted acquire and close()", async () => {
  const polls: IncomingMessage[] = [];
  let polled: (() => void) | undefined;
  server = createServer((req, res) => {
    if (req.url === "/probe") return void res.end();
    polls.push(req);
    // The first poll finds no job; the second waits, as the server's long poll does.
    if (polls.length === 1) res.writeHead(204).end();
    else polled?.();
  });
  // As Fastify's: a client may keep an idle connection this long.
  server.keepAliveTimeout = 72_000;
  const connections: Socket[] = [];
  server.on("connection", (socket: Socket) => connections.push(socket));
  const listening = server;
  await new Promise<void>((resolve) => listening.listen(0, "127.0.0.1", resolve));
  const { port } = listening.address() as { port: number };
  const source = new HttpJobSource(`http://127.0.0.1:${port}`, "key");

  const waiting = new Promise<void>((resolve) => (polled = resolve));
  const stop = new AbortController();
  const acquiring = source.acquire("daemon-1", stop.signal);
  await waiting;
  const pollEnded = new Promise((resolve) => polls[1]!.once("close", resolve));
  stop.abort();
  expect(await acquiring).toBeNull();
  expect(polls.map((p) => [p.url, p.headers["den-provisioner-key"]])).toEqual([
    ["/api/v2/provisionerdaemons/jobs/acquire", "key"],
    ["/api/v2/provisionerdaemons/jobs/acquire", "key"],
  ]);
  // The client reconnected (if it does) as it saw its socket close, before the server did. A request on a new
  // connection, answered after that, makes sure the server has accepted any such connection before it closes.
  await pollEnded;
  await new Promise((resolve, reject) => get({ host: "127.0.0.1", port, path: "/probe", agent: false }, (res) => res.resume().on("end", resolve)).on("error", reject));
  source.close();

  // Node's close ends idle connections, but waits for one that has not sent a request.
  const closed = new Promise<void>((resolve) => listening.close(() => resolve()));
  const outcome = await Promise.race([closed.then(() => "closed"), new Promise((resolve) => setTimeout(resolve, 20_000, "still open after 20 s").unref())]);
  expect(outcome).toBe("closed");
  // fetch added a connection that carried nothing.
  expect(connections.map((c) => (c.bytesRead > 0 ? "carried a request" : "carried nothing"))).not.toContain("carried nothing");
});
