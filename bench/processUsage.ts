// What a process has used so far, from /proc (Linux only).
import { readdirSync, readFileSync } from "node:fs";

/** /proc/<pid>/stat counts CPU time in USER_HZ ticks, 100 a second on Linux. */
const TICKS_PER_SECOND = 100;

export type ProcessUsage = {
  /** User + system CPU seconds so far. */
  cpuSeconds: number;
  /** Resident set now (VmRSS). */
  rssBytes: number;
  /** The largest resident set so far (VmHWM). */
  peakRssBytes: number;
};

export function processUsage(pid: number): ProcessUsage {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
  return { cpuSeconds: (Number(fields[14 - 3]) + Number(fields[15 - 3])) / TICKS_PER_SECOND, rssBytes: kib("VmRSS"), peakRssBytes: kib("VmHWM") };
}

/** Proportional set size (shared pages divided among the processes that map them), from smaps_rollup. */
export function pssBytes(pid: number): number {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  return Number(/^Pss:\s+(\d+) kB/m.exec(text)?.[1] ?? 0) * 1024;
}

/** The children, grandchildren, … of `pid` that exist now. */
export function descendantPids(pid: number): number[] {
  const children: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  for (const task of tasks) {
    try {
      children.push(...readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").split(" ").filter(Boolean).map(Number));
    } catch {
      // The thread ended meanwhile.
    }
  }
  return children.flatMap((child) => [child, ...descendantPids(child)]);
}

/** processUsage summed over several processes; those that ended meanwhile count as nothing. */
export function totalUsage(pids: number[]): ProcessUsage {
  const total: ProcessUsage = { cpuSeconds: 0, rssBytes: 0, peakRssBytes: 0 };
  for (const pid of pids) {
    try {
      const u = processUsage(pid);
      total.cpuSeconds += u.cpuSeconds;
      total.rssBytes += u.rssBytes;
      total.peakRssBytes += u.peakRssBytes;
    } catch {
      // Gone.
    }
  }
  return total;
}

/** CPU seconds of each of `pids` that still exists. */
export function cpuSecondsByPid(pids: number[]): Map<number, number> {
  const seconds = new Map<number, number>();
  for (const pid of pids) {
    try {
      seconds.set(pid, processUsage(pid).cpuSeconds);
    } catch {
      // Gone.
    }
  }
  return seconds;
}
