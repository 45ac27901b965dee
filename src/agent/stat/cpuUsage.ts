import { readFile } from "node:fs/promises";

/** CPU in use, in cores, over a short sampling interval. */
export type CpuUsage = { used: number; total: number; unit: "cores" };

/** Jiffies from the aggregate `cpu` line of /proc/stat (proc(5)). */
export type CpuTimes = { busy: number; total: number; cores: number };

/**
 * Parses /proc/stat: `cpu user nice system idle iowait irq softirq steal …`.
 * Idle time is idle + iowait; guest time is already counted in user, so only
 * the first eight fields make the total.
 */
export function parseProcStatCpu(text: string): CpuTimes {
  const lines = text.split("\n");
  const fields = lines.find((l) => l.startsWith("cpu "))?.trim().split(/\s+/).slice(1, 9).map(Number);
  if (!fields || fields.length < 4 || fields.some((n) => !Number.isFinite(n))) throw new Error("unexpected /proc/stat: no cpu line");
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const cores = lines.filter((l) => /^cpu\d+ /.test(l)).length || 1;
  return { busy: total - idle, total, cores };
}

/** Parses cgroup v2 cpu.max ("max 100000" or "<quota> <period>"): the limit in cores, or undefined. */
export function parseCpuMax(text: string): number | undefined {
  const [quota, period] = text.trim().split(/\s+/);
  if (!quota || quota === "max" || !period) return undefined;
  const cores = Number(quota) / Number(period);
  return Number.isFinite(cores) && cores > 0 ? cores : undefined;
}

/**
 * Samples twice, `intervalMs` apart. Inside a container with a CPU limit
 * (cgroup v2) the figures are the container's usage against its limit;
 * otherwise the machine's, from /proc/stat.
 */
export async function cpuUsage(intervalMs = 500, cgroupRoot = "/sys/fs/cgroup", procRoot = "/proc"): Promise<CpuUsage> {
  const limit = parseCpuMax(await readFile(`${cgroupRoot}/cpu.max`, "utf8").catch(() => ""));
  if (limit !== undefined) {
    const usage = async () => Number(/^usage_usec (\d+)/m.exec(await readFile(`${cgroupRoot}/cpu.stat`, "utf8"))?.[1]);
    const start = { usec: await usage(), at: process.hrtime.bigint() };
    await new Promise((r) => setTimeout(r, intervalMs));
    const end = { usec: await usage(), at: process.hrtime.bigint() };
    const wallUsec = Number(end.at - start.at) / 1000;
    if (Number.isFinite(start.usec) && Number.isFinite(end.usec) && wallUsec > 0) {
      return { used: Math.max(0, (end.usec - start.usec) / wallUsec), total: limit, unit: "cores" };
    }
  }
  const first = parseProcStatCpu(await readFile(`${procRoot}/stat`, "utf8"));
  await new Promise((r) => setTimeout(r, intervalMs));
  const second = parseProcStatCpu(await readFile(`${procRoot}/stat`, "utf8"));
  const elapsed = second.total - first.total;
  const busyShare = elapsed > 0 ? (second.busy - first.busy) / elapsed : 0;
  return { used: busyShare * second.cores, total: second.cores, unit: "cores" };
}
