// What the benchmarks that drive a real `den server` over HTTP share: a tiny
// API client, pushing a one-file template, and percentiles.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { create as createTar } from "tar";

export type Api = { url: string; token: string };

/** One API call; JSON in and out, or a tar archive as the body with `raw`. Non-2xx throws with the answer. */
export async function call<T>(api: Api, method: string, path: string, body?: unknown, raw?: Buffer): Promise<T> {
  const res = await fetch(`${api.url}/api/v2${path}`, {
    method,
    headers: { "Den-Session-Token": api.token, ...(raw ? { "content-type": "application/x-tar" } : body ? { "content-type": "application/json" } : {}) },
    body: raw ? new Uint8Array(raw) : body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Uploads a den.yaml as a template version, waits for its import and creates template `name`; answers its id. */
export async function pushTemplate(api: Api, name: string, yaml: string, dir: string): Promise<string> {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, "den.yaml"), yaml);
  const chunks: Buffer[] = [];
  for await (const c of createTar({ cwd: folder, portable: true }, ["den.yaml"])) chunks.push(c as Buffer);
  const file = await call<{ id: string }>(api, "POST", "/files", undefined, Buffer.concat(chunks));
  const version = await call<{ id: string }>(api, "POST", "/organizations/default/templateversions", { file_id: file.id });
  for (;;) {
    const v = await call<{ job: { status: string; error: string | null } }>(api, "GET", `/templateversions/${version.id}`);
    if (v.job.status === "succeeded") break;
    if (v.job.status === "failed") throw new Error(`template import failed: ${v.job.error}`);
    await sleep(20);
  }
  const template = await call<{ id: string }>(api, "POST", "/organizations/default/templates", { name, version_id: version.id });
  return template.id;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The p-th percentile (0–100) of `values`, nearest rank. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Milliseconds `run` took. */
export async function timed(run: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await run();
  return performance.now() - t;
}
