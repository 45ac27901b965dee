import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../../../test/support/testServer.js";
import { readBuildInfo } from "../buildInfo.js";
import { systemClock } from "../clock.js";
import { buildApp } from "./app.js";
import { defineRoute } from "./route.js";

describe("http app", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it("answers /healthz with OK", async () => {
    const res = await server.app.inject({ method: "GET", url: "/healthz" });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe("OK");
  });

  it("answers buildinfo with the version", async () => {
    const res = await server.app.inject({ method: "GET", url: "/api/v2/buildinfo" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+\.\d+/), commit: expect.any(String) });
  });

  it("answers unknown API routes with a JSON 404", async () => {
    const res = await server.app.inject({ method: "GET", url: "/api/v2/nope" });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ message: expect.stringContaining("/api/v2/nope") });
  });

  it("has the default organization after migrating", async () => {
    const orgs = await server.database.db.selectFrom("organizations").selectAll().execute();
    expect(orgs).toHaveLength(1);
    expect(orgs[0]).toMatchObject({ name: "default", is_default: true });
  });
});

describe("closing a listening app", () => {
  /** Fails the test instead of letting it hang when `closing` never ends; far above what a close takes. */
  const finishes = (closing: Promise<unknown>) =>
    Promise.race([closing.then(() => "finished"), new Promise((resolve) => setTimeout(resolve, 20_000, "still waiting after 20 s").unref())]);

  /** A client connection the server has accepted, on which nothing is sent. */
  const openSilentConnection = async (server: { once(event: "connection", listener: () => void): unknown }, port: number) => {
    const accepted = new Promise<void>((resolve) => server.once("connection", () => resolve()));
    const socket = connect(port, "127.0.0.1");
    const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.on("error", () => {});
    await accepted;
    return { socket, ended };
  };

  it("ends a connection that never sent a request instead of waiting for it", async () => {
    const server = await createTestServer();
    let silent: { socket: Socket; ended: Promise<void> } | undefined;
    try {
      const url = await server.app.listen({ host: "127.0.0.1", port: 0 });
      silent = await openSilentConnection(server.app.server, Number(new URL(url).port));
      expect(await finishes(server.stop())).toBe("finished");
      await silent.ended;
    } finally {
      silent?.socket.destroy();
    }
  });

  it("still answers a request in flight, then ends the connections left", async () => {
    let enter!: () => void;
    const entered = new Promise<void>((resolve) => (enter = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const slow = defineRoute({
      method: "GET",
      url: "/slow",
      summary: "Answers once the test lets it",
      tags: [],
      auth: "none",
      handler: async () => {
        enter();
        await released;
        return { answered: true };
      },
    });
    const app = await buildApp({ log: pino({ level: "silent" }), clock: systemClock, authenticate: async () => null, routes: [slow], buildInfo: readBuildInfo(), apiRateLimit: 0 });
    let silent: { socket: Socket; ended: Promise<void> } | undefined;
    try {
      const port = Number(new URL(await app.listen({ host: "127.0.0.1", port: 0 })).port);
      const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port, path: "/api/v2/slow" }, (res) => {
          let body = "";
          res.on("data", (chunk: Buffer) => (body += chunk.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("error", reject);
        req.end();
      });
      await entered;
      silent = await openSilentConnection(app.server, port);
      const closing = app.close();
      release();
      expect(await answer).toEqual({ status: 200, body: JSON.stringify({ answered: true }) });
      expect(await finishes(closing)).toBe("finished");
      await silent.ended;
    } finally {
      silent?.socket.destroy();
      await app.close();
    }
  });
});
