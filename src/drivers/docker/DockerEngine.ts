import { readFileSync } from "node:fs";
import { request, type RequestOptions } from "node:http";
import { request as tlsRequest } from "node:https";
import { join } from "node:path";

/** The Engine API version we speak: 1.41 is Docker 20.10, the oldest engine we meet (Debian 12's docker.io). */
const API_VERSION = "v1.41";
const DEFAULT_SOCKET = "/var/run/docker.sock";

export type EngineResponse = { status: number; body: unknown; text: string };

/** The engine could not be reached at all (no socket, refused, timed out): nothing was done. */
export class EngineUnreachableError extends Error {
  override name = "EngineUnreachableError";
}

/** The engine took longer than the request's time limit; it may still act on the request. */
export class EngineTimeoutError extends Error {
  override name = "EngineTimeoutError";
}

/** An answer of the engine that is not a success; `message` is the engine's own. */
export class EngineError extends Error {
  override name = "EngineError";
  constructor(
    readonly status: number,
    readonly engineMessage: string,
    what: string,
  ) {
    super(`${what}: the Docker engine answered ${status}: ${engineMessage}`);
  }
}

/**
 * A small client of the Docker Engine API over HTTP, on a unix socket or TCP
 * (DOCKER_HOST unix:// or tcp://). With `certPath` (Docker's DOCKER_CERT_PATH:
 * a folder with ca.pem, cert.pem and key.pem), TCP goes over mutual TLS as
 * `docker --tlsverify` does. ssh:// hosts are not supported: the constructor
 * refuses them by name.
 */
export class DockerEngine {
  private readonly target: RequestOptions;
  private readonly send: typeof request;

  constructor(
    readonly host: string = `unix://${DEFAULT_SOCKET}`,
    certPath = "",
  ) {
    this.target = parseDockerHost(host || `unix://${DEFAULT_SOCKET}`);
    this.send = request;
    if (certPath && this.target.socketPath === undefined) {
      this.target = { ...this.target, ...readTlsFiles(certPath) };
      this.send = tlsRequest;
    }
  }

  /** Sends one request; JSON bodies both ways. Throws EngineUnreachableError when the engine cannot be reached. */
  request(method: string, path: string, opts: { query?: Record<string, string | number | boolean>; body?: unknown; timeoutMs?: number } = {}): Promise<EngineResponse> {
    const qs = opts.query ? "?" + new URLSearchParams(Object.entries(opts.query).map(([k, v]) => [k, String(v)])).toString() : "";
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    return new Promise((resolve, reject) => {
      const req = this.send(
        {
          ...this.target,
          method,
          path: `/${API_VERSION}${path}${qs}`,
          // Over TLS the certificate is checked against the Host header's name, so TCP sends the real one.
          headers: { host: this.target.host ?? "docker", ...(payload ? { "content-type": "application/json", "content-length": payload.length } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", reject);
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let body: unknown = undefined;
            if ((res.headers["content-type"] ?? "").includes("json") && text) {
              try {
                body = JSON.parse(text);
              } catch {
                body = undefined;
              }
            }
            resolve({ status: res.statusCode ?? 0, body, text });
          });
        },
      );
      // Long calls (stop with a grace period) pass their own limit; nothing else should take a minute.
      const limit = opts.timeoutMs ?? 60_000;
      const timeout = new EngineTimeoutError(`the Docker engine at ${this.host} did not answer ${method} ${path} within ${limit / 1000} s`);
      req.setTimeout(limit, () => req.destroy(timeout));
      req.on("error", (err: NodeJS.ErrnoException) => {
        reject(err === timeout ? timeout : new EngineUnreachableError(this.unreachableMessage(err), { cause: err }));
      });
      req.end(payload);
    });
  }

  /** Like request(), but any status outside `ok` throws an EngineError that says what was being done. */
  async call(what: string, method: string, path: string, opts: Parameters<DockerEngine["request"]>[2] & { ok?: number[] } = {}): Promise<EngineResponse> {
    const res = await this.request(method, path, opts);
    const ok = opts.ok ?? [200, 201, 204, 304];
    if (!ok.includes(res.status)) throw new EngineError(res.status, engineMessage(res), what);
    return res;
  }

  private unreachableMessage(err: NodeJS.ErrnoException): string {
    const how =
      err.code === "ENOENT" ? "the socket does not exist"
      : err.code === "EACCES" ? "permission denied on the socket (add the server's user to the docker group)"
      : err.code === "ECONNREFUSED" ? "connection refused"
      : err.message;
    return `cannot reach the Docker engine at ${this.host}: ${how}. Is dockerd running? Point the server at it with --docker-host or DOCKER_HOST (unix:///var/run/docker.sock or tcp://host:2375).`;
  }
}

export function engineMessage(res: EngineResponse): string {
  const message = (res.body as { message?: unknown } | undefined)?.message;
  return typeof message === "string" ? message : res.text.trim().slice(0, 500) || `status ${res.status}`;
}

function readTlsFiles(dir: string): Pick<RequestOptions & { ca: Buffer; cert: Buffer; key: Buffer }, "ca" | "cert" | "key"> {
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name));
    } catch (err) {
      throw new Error(`Docker TLS: cannot read ${join(dir, name)} (the cert path must hold ca.pem, cert.pem and key.pem): ${(err as Error).message}`);
    }
  };
  return { ca: read("ca.pem"), cert: read("cert.pem"), key: read("key.pem") };
}

function parseDockerHost(host: string): RequestOptions {
  if (host.startsWith("unix://")) return { socketPath: host.slice("unix://".length) || DEFAULT_SOCKET };
  if (host.startsWith("tcp://")) {
    const url = new URL(host.replace(/^tcp:/, "http:"));
    return { host: url.hostname, port: Number(url.port || 2375) };
  }
  throw new Error(`DOCKER_HOST ${JSON.stringify(host)}: only unix:// and tcp:// engines are supported (ssh:// is not yet)`);
}
