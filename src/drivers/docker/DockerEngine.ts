import { readFileSync } from "node:fs";
import { request, type RequestOptions } from "node:http";
import { request as tlsRequest } from "node:https";
import { join } from "node:path";
import { DialStdioAgent, DockerSshError, type SshTarget } from "./DialStdioAgent.js";

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

export type EngineOptions = {
  /** Docker's DOCKER_CERT_PATH: a folder with ca.pem, cert.pem and key.pem; tcp:// then goes over mutual TLS. */
  certPath?: string;
  /** An ssh_config file for ssh:// hosts (ssh -F). */
  sshConfig?: string;
};

export type EngineRequestOptions = {
  query?: Record<string, string | number | boolean>;
  /** A JSON body. */
  body?: unknown;
  /** A body that is not JSON, such as the tar of a build context. */
  raw?: { contentType: string; data: Buffer };
  /** Idle time after which the request fails with EngineTimeoutError. Default 60 s. */
  timeoutMs?: number;
  /** Called with each line of the answer as it arrives (streamed answers: build output). */
  onLine?: (line: string) => void;
  /** Aborts the request (the engine stops a build whose connection closes). */
  signal?: AbortSignal;
};

/** What the answer's text keeps of a streamed answer: its end, where the error is. */
const STREAMED_TEXT_LIMIT = 1024 * 1024;

/**
 * A small client of the Docker Engine API over HTTP, on a unix socket, TCP or
 * SSH (DOCKER_HOST unix://, tcp:// or ssh://[user@]host[:port]). With
 * `certPath` (Docker's DOCKER_CERT_PATH: a folder with ca.pem, cert.pem and
 * key.pem), TCP goes over mutual TLS as `docker --tlsverify` does. SSH runs
 * `docker system dial-stdio` on the remote host for each connection, as the
 * docker CLI does (DialStdioAgent.ts).
 */
export class DockerEngine {
  private readonly target: RequestOptions;
  private readonly send: typeof request;
  private readonly agent: DialStdioAgent | undefined;

  constructor(
    readonly host: string = `unix://${DEFAULT_SOCKET}`,
    opts: EngineOptions = {},
  ) {
    const parsed = parseDockerHost(host || `unix://${DEFAULT_SOCKET}`);
    this.send = request;
    if ("ssh" in parsed) {
      this.agent = new DialStdioAgent(parsed.ssh, { configFile: opts.sshConfig || undefined });
      this.target = { agent: this.agent };
    } else if (opts.certPath && parsed.socketPath === undefined) {
      this.target = { ...parsed, ...readTlsFiles(opts.certPath) };
      this.send = tlsRequest;
    } else {
      this.target = parsed;
    }
  }

  /** Closes kept connections (for ssh://, their ssh processes). */
  close(): void {
    this.agent?.destroy();
  }

  /** Sends one request; JSON bodies both ways. Throws EngineUnreachableError when the engine cannot be reached. */
  request(method: string, path: string, opts: EngineRequestOptions = {}): Promise<EngineResponse> {
    const qs = opts.query ? "?" + new URLSearchParams(Object.entries(opts.query).map(([k, v]) => [k, String(v)])).toString() : "";
    const payload = opts.raw ?? (opts.body === undefined ? undefined : { contentType: "application/json", data: Buffer.from(JSON.stringify(opts.body)) });
    return new Promise((resolve, reject) => {
      const req = this.send(
        {
          ...this.target,
          method,
          path: `/${API_VERSION}${path}${qs}`,
          signal: opts.signal,
          // Over TLS the certificate is checked against the Host header's name, so TCP sends the real one.
          headers: { host: this.target.host ?? "docker", ...(payload ? { "content-type": payload.contentType, "content-length": payload.data.length } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let kept = 0;
          let partial = "";
          res.on("data", (c: Buffer) => {
            chunks.push(c);
            kept += c.length;
            if (opts.onLine) {
              const lines = (partial + c.toString("utf8")).split("\n");
              partial = lines.pop()!;
              for (const line of lines) opts.onLine(line);
              while (kept > STREAMED_TEXT_LIMIT && chunks.length > 1) kept -= chunks.shift()!.length;
            }
          });
          res.on("error", reject);
          res.on("end", () => {
            if (opts.onLine && partial) opts.onLine(partial);
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
        if (err === timeout || err.name === "AbortError") reject(err);
        else reject(new EngineUnreachableError(this.unreachableMessage(err), { cause: err }));
      });
      req.end(payload?.data);
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
    if (this.agent) {
      // ssh's own line may end with a full stop; the sentence goes on.
      const how = (err instanceof DockerSshError ? err.message : `the connection over ssh failed: ${err.message}`).replace(/\.$/, "");
      return `cannot reach the Docker engine at ${this.host}: ${how}. Check that \`ssh ${this.agent.sshArgs().join(" ")}\` works for the server's user (keys, known_hosts, or --docker-ssh-config) and that docker is installed on that host.`;
    }
    const how =
      err.code === "ENOENT" ? "the socket does not exist"
      : err.code === "EACCES" ? "permission denied on the socket (add the server's user to the docker group)"
      : err.code === "ECONNREFUSED" ? "connection refused"
      : err.message;
    return `cannot reach the Docker engine at ${this.host}: ${how}. Is dockerd running? Point the server at it with --docker-host or DOCKER_HOST (unix:///var/run/docker.sock, tcp://host:2375 or ssh://user@host).`;
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

/** Where a DOCKER_HOST points: a unix socket, a TCP address, or an ssh destination. */
export function parseDockerHost(host: string): { socketPath: string } | { host: string; port: number; socketPath?: undefined } | { ssh: SshTarget } {
  if (host.startsWith("unix://")) return { socketPath: host.slice("unix://".length) || DEFAULT_SOCKET };
  if (host.startsWith("tcp://")) {
    const url = new URL(host.replace(/^tcp:/, "http:"));
    return { host: url.hostname, port: Number(url.port || 2375) };
  }
  if (host.startsWith("ssh://")) return { ssh: parseSshHost(host) };
  throw new Error(`DOCKER_HOST ${JSON.stringify(host)}: must be unix:///path/to/docker.sock, tcp://host:port or ssh://[user@]host[:port]`);
}

function parseSshHost(host: string): SshTarget {
  const bad = (why: string) => new Error(`DOCKER_HOST ${JSON.stringify(host)}: ${why}; an ssh host is ssh://[user@]host[:port]`);
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    throw bad("not a valid URL");
  }
  if (url.password) throw bad("a password in the URL is not supported (ssh logs in with a key)");
  if ((url.pathname !== "" && url.pathname !== "/") || url.search || url.hash) throw bad("nothing may follow the host and port");
  const name = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (!name) throw bad("the host is missing");
  // A host or user that starts with "-" would be read by ssh as an option.
  if (name.startsWith("-") || url.username.startsWith("-")) throw bad("the user and host may not start with -");
  return { host: name, ...(url.username ? { user: decodeURIComponent(url.username) } : {}), ...(url.port ? { port: Number(url.port) } : {}) };
}
