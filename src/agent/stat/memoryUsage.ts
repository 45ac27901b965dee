import { readFile } from "node:fs/promises";

export type MemoryUsage = { used: number; total: number; unit: "bytes" };

/** Parses /proc/meminfo: used = MemTotal − MemAvailable (what `free` calls used, near enough). */
export function parseMeminfo(text: string): MemoryUsage {
  const kib = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text);
    if (!match) throw new Error(`unexpected /proc/meminfo: no ${name}`);
    return Number(match[1]) * 1024;
  };
  const total = kib("MemTotal");
  return { used: total - kib("MemAvailable"), total, unit: "bytes" };
}

/**
 * Memory in use: the container's usage against its limit when cgroup v2
 * sets one (page cache that can be dropped, inactive_file, not counted, as
 * `docker stats` does), else the machine's from /proc/meminfo.
 */
export async function memoryUsage(cgroupRoot = "/sys/fs/cgroup", procRoot = "/proc"): Promise<MemoryUsage> {
  const max = (await readFile(`${cgroupRoot}/memory.max`, "utf8").catch(() => "")).trim();
  if (/^\d+$/.test(max)) {
    const current = Number((await readFile(`${cgroupRoot}/memory.current`, "utf8")).trim());
    const stat = await readFile(`${cgroupRoot}/memory.stat`, "utf8").catch(() => "");
    const inactiveFile = Number(/^inactive_file (\d+)/m.exec(stat)?.[1] ?? 0);
    return { used: Math.max(0, current - inactiveFile), total: Number(max), unit: "bytes" };
  }
  return parseMeminfo(await readFile(`${procRoot}/meminfo`, "utf8"));
}
