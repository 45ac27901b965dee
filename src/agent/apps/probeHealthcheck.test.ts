import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type RequestListener, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { hasCommand, requirePrerequisite } from "../../../test/support/prerequisites.js";
import { probeHealthcheck } from "./probeHealthcheck.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as AddressInfo).port;
}

function serve(handler: RequestListener): Promise<number> {
  return listen(createServer(handler));
}

/** A port nothing listens on: one that was just free. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("probeHealthcheck", () => {
  it("is healthy on 2xx and 3xx (without following the redirect), with a GET to the URL's path", async () => {
    const seen: string[] = [];
    const port = await serve((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url === "/moved") res.writeHead(302, { location: "/nowhere" }).end();
      else res.writeHead(req.url === "/empty" ? 204 : 200).end("a body the probe does not need");
    });
    expect(await probeHealthcheck(`http://127.0.0.1:${port}/healthz?deep=1`, 5000)).toEqual({ healthy: true });
    expect(await probeHealthcheck(`http://localhost:${port}/empty`, 5000)).toEqual({ healthy: true });
    expect(await probeHealthcheck(`http://127.0.0.1:${port}/moved`, 5000)).toEqual({ healthy: true });
    expect(seen).toEqual(["GET /healthz?deep=1", "GET /empty", "GET /moved"]);
  });

  it("is unhealthy on 4xx and 5xx, naming the status", async () => {
    const port = await serve((req, res) => res.writeHead(req.url === "/missing" ? 404 : 503).end());
    expect(await probeHealthcheck(`http://127.0.0.1:${port}/missing`, 5000)).toEqual({ healthy: false, reason: "answered 404" });
    expect(await probeHealthcheck(`http://127.0.0.1:${port}/`, 5000)).toEqual({ healthy: false, reason: "answered 503" });
  });

  it("is unhealthy when nothing listens", async () => {
    const result = await probeHealthcheck(`http://127.0.0.1:${await closedPort()}/`, 5000);
    expect(result).toMatchObject({ healthy: false, reason: expect.stringContaining("ECONNREFUSED") });
  });

  it("gives up on an app that does not answer after the timeout", async () => {
    const port = await serve(() => {
      // Never answers.
    });
    expect(await probeHealthcheck(`http://127.0.0.1:${port}/`, 200)).toEqual({ healthy: false, reason: "no answer within 200 ms" });
  });

  it("ends a check in flight when aborted, closing its connection", async () => {
    let closed!: () => void;
    const connectionClosed = new Promise<void>((resolve) => (closed = resolve));
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    const port = await serve((req) => {
      req.socket.once("close", closed);
      arrived();
    });
    const abort = new AbortController();
    const probe = probeHealthcheck(`http://127.0.0.1:${port}/`, 30_000, abort.signal);
    await requestArrived;
    abort.abort();
    expect(await probe).toMatchObject({ healthy: false });
    await connectionClosed;
  });

  it("refuses URLs it cannot check, saying why", async () => {
    expect(await probeHealthcheck("not a url", 1000)).toEqual({ healthy: false, reason: 'not a valid URL: "not a url"' });
    expect(await probeHealthcheck("ftp://127.0.0.1/", 1000)).toEqual({ healthy: false, reason: "unsupported scheme ftp: (use http or https)" });
  });

  describe.runIf(requirePrerequisite("openssl", hasCommand("openssl"), "install openssl"))("over HTTPS", () => {
    it("accepts an app's self-signed certificate", async () => {
      const dir = mkdtempSync(join(tmpdir(), "den-healthcheck-tls-"));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "1", "-subj", "/CN=den-test-app"], { stdio: "ignore" });
      const server = createHttpsServer({ key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) }, (req, res) => {
        res.writeHead(req.url === "/ok" ? 200 : 500).end();
      });
      const port = await listen(server);
      expect(await probeHealthcheck(`https://127.0.0.1:${port}/ok`, 5000)).toEqual({ healthy: true });
      expect(await probeHealthcheck(`https://127.0.0.1:${port}/broken`, 5000)).toEqual({ healthy: false, reason: "answered 500" });
    });
  });
});
