// A small closed-loop load generator: `connections` loops, each sending the
// next request when the previous one is answered, over keep-alive connections.
// bench/api.ts runs it as a child process (`node --import tsx bench/runLoad.ts
// <json options>`) so that the servers it measures never share its event loop;
// it prints one JSON line with the result. With `intervalMs` each loop is
// paced (bench/scale.ts: a few clients at a steady rate, not a flood).
import { execFile } from "node:child_process";
import { Agent, request } from "node:http";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";

export type LoadOptions = {
  url: string;
  headers?: Record<string, string>;
  connections: number;
  warmupSeconds: number;
  seconds: number;
  /** Each connection starts a request at most this often (a paced client); without it, as soon as the last one is answered. */
  intervalMs?: number;
};

export type LoadResult = { requests: number; errors: number; seconds: number; requestsPerSecond: number; p50Ms: number; p95Ms: number; p99Ms: number };

/** Runs runLoad in a process of its own (node --import tsx), so that it shares an event loop with none of the servers it measures. */
export async function runLoadProcess(opts: LoadOptions): Promise<LoadResult> {
  const root = join(import.meta.dirname, "..");
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", join(root, "bench", "runLoad.ts"), JSON.stringify(opts)], { cwd: root });
  return JSON.parse(stdout) as LoadResult;
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.connections });
  const target = new URL(opts.url);
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const req = request(target, { agent, headers: opts.headers }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", reject);
      req.end();
    });

  const latencies: number[] = [];
  let errors = 0;
  let measuring = false;
  const warmupEnd = performance.now() + opts.warmupSeconds * 1000;
  const end = warmupEnd + opts.seconds * 1000;
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const loop = async () => {
    // Paced clients start at random points of their interval, not in step.
    if (opts.intervalMs) await pause(Math.random() * opts.intervalMs);
    for (let now = performance.now(); now < end; now = performance.now()) {
      if (!measuring && now >= warmupEnd) measuring = true;
      const counted = measuring;
      const started = performance.now();
      const status = await once().catch(() => 0);
      const took = performance.now() - started;
      if (opts.intervalMs && took < opts.intervalMs) await pause(opts.intervalMs - took);
      if (!counted) continue;
      if (status < 200 || status >= 300) errors++;
      else latencies.push(took);
    }
  };
  await Promise.all(Array.from({ length: opts.connections }, loop));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return {
    requests: latencies.length,
    errors,
    seconds: opts.seconds,
    requestsPerSecond: latencies.length / opts.seconds,
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    p99Ms: at(0.99),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runLoad(JSON.parse(process.argv[2] ?? "{}") as LoadOptions);
  process.stdout.write(JSON.stringify(result) + "\n");
}
