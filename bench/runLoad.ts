// A small closed-loop load generator: `connections` loops, each sending the
// next request when the previous one is answered, over keep-alive connections.
// bench/api.ts runs it as a child process (`node --import tsx bench/runLoad.ts
// <json options>`) so that the servers it measures never share its event loop;
// it prints one JSON line with the result.
import { Agent, request } from "node:http";
import { pathToFileURL } from "node:url";

export type LoadOptions = {
  url: string;
  headers?: Record<string, string>;
  connections: number;
  warmupSeconds: number;
  seconds: number;
};

export type LoadResult = { requests: number; errors: number; seconds: number; requestsPerSecond: number; p50Ms: number; p99Ms: number };

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
  const loop = async () => {
    for (let now = performance.now(); now < end; now = performance.now()) {
      if (!measuring && now >= warmupEnd) measuring = true;
      const counted = measuring;
      const started = performance.now();
      const status = await once().catch(() => 0);
      if (!counted) continue;
      if (status < 200 || status >= 300) errors++;
      else latencies.push(performance.now() - started);
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
    p99Ms: at(0.99),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runLoad(JSON.parse(process.argv[2] ?? "{}") as LoadOptions);
  process.stdout.write(JSON.stringify(result) + "\n");
}
