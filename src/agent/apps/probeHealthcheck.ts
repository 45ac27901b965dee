import { request as httpRequest } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";

export type ProbeResult = { healthy: true } | { healthy: false; reason: string };

/**
 * One health check: GET `url` from inside the workspace; an answer of 2xx or
 * 3xx within `timeoutMs` is healthy. The body is not read. HTTPS
 * certificates are not verified: apps inside a workspace commonly serve
 * self-signed ones, and the request never leaves the workspace. Never
 * rejects; an abort through `signal` resolves as a failure.
 */
export function probeHealthcheck(url: string, timeoutMs: number, signal?: AbortSignal): Promise<ProbeResult> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve({ healthy: false, reason: `not a valid URL: ${JSON.stringify(url)}` });
  }
  const send = target.protocol === "https:" ? httpsRequest : target.protocol === "http:" ? httpRequest : undefined;
  if (!send) return Promise.resolve({ healthy: false, reason: `unsupported scheme ${target.protocol} (use http or https)` });
  return new Promise((resolve) => {
    // No keep-alive pool: a check every few seconds gains nothing from one, and a pooled socket would outlive the monitor.
    const options: RequestOptions = { method: "GET", agent: false, rejectUnauthorized: false, headers: { "user-agent": "den-agent-healthcheck" }, signal };
    const req = send(target, options, (res) => {
      const status = res.statusCode ?? 0;
      clearTimeout(timer);
      res.destroy();
      resolve(status >= 200 && status < 400 ? { healthy: true } : { healthy: false, reason: `answered ${status}` });
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on("error", (err) => {
      clearTimeout(timer);
      resolve({ healthy: false, reason: err.message });
    });
    req.end();
  });
}
