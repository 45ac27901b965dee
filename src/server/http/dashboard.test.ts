import Fastify, { type FastifyInstance } from "fastify";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TestServer } from "../../../test/support/testServer.js";
import { dashboard } from "./dashboard.js";

describe("dashboard serving", () => {
  let dir: string;
  let app: FastifyInstance;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "den-site-"));
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>Den</title>");
    writeFileSync(join(dir, "assets", "index-abc123.js"), "console.log(1)");
    // A file beside the site folder: no URL may reach it.
    writeFileSync(join(dir, "..", "den-outside-secret.txt"), "TOPSECRET");
    app = Fastify();
    app.get("/api/v2/thing", async () => ({ ok: true }));
    app.get("/healthz", async () => "OK");
    dashboard({ dir })(app);
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(dir, "..", "den-outside-secret.txt"), { force: true });
  });
  const get = (url: string, accept = "text/html,application/xhtml+xml") => app.inject({ method: "GET", url, headers: { accept } });

  it("serves hashed assets with a one-year immutable cache", async () => {
    const res = await get("/assets/index-abc123.js", "*/*");
    expect(res.statusCode).toBe(200);
    expect(res.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(res.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(res.body).toBe("console.log(1)");
  });

  it("answers index.html, never cached, for deep links that accept HTML", async () => {
    for (const url of ["/", "/workspaces", "/@alice/dev", "/@alice/dev.main/terminal?x=1"]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(res.headers["cache-control"]).toBe("no-cache");
      expect(res.body).toContain("<title>Den</title>");
    }
  });

  it("leaves /api and /healthz alone and 404s missing assets and non-HTML requests", async () => {
    expect((await get("/api/v2/thing")).json()).toEqual({ ok: true });
    expect((await get("/healthz")).body).toBe("OK");
    const missingApi = await get("/api/v2/nothing");
    expect(missingApi.statusCode).toBe(404);
    expect(missingApi.json()).toMatchObject({ code: "NOT_FOUND" });
    expect((await get("/assets/gone-123.js")).statusCode).toBe(404);
    expect((await get("/workspaces", "application/json")).statusCode).toBe(404);
  });

  it("never serves a file outside the site folder", async () => {
    for (const url of ["/../den-outside-secret.txt", "/%2e%2e/den-outside-secret.txt", "/assets/..%2f..%2fden-outside-secret.txt", "/%E0%A4%A"]) {
      const res = await get(url, "application/json");
      expect(res.body, url).not.toContain("TOPSECRET");
      // Fastify itself answers 400 to a malformed escape.
      expect([400, 404], url).toContain(res.statusCode);
    }
  });

  it("explains how to build it when site/dist is missing", async () => {
    const bare = Fastify();
    dashboard({ dir: join(dir, "missing") })(bare);
    const res = await bare.inject({ method: "GET", url: "/workspaces", headers: { accept: "text/html" } });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain("npm run build");
    await bare.close();
  });
});

describe("dashboard in the real server", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await createTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("keeps the API's JSON 404 and /healthz", async () => {
    const missing = await server.app.inject({ method: "GET", url: "/api/v2/no-such-route", headers: { accept: "text/html" } });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: "NOT_FOUND" });
    const health = await server.app.inject({ method: "GET", url: "/healthz" });
    expect(health.body).toBe("OK");
    const page = await server.app.inject({ method: "GET", url: "/workspaces", headers: { accept: "text/html" } });
    expect([200, 503]).toContain(page.statusCode);
  });
});
