import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";

/** The fields of /proc/<pid>/stat the process driver relies on (proc(5)). */
export type ProcStat = {
  pid: number;
  /** R, S, D, Z (zombie: exited, not yet reaped), X (dead)… */
  state: string;
  pgid: number;
  /** Field 22: clock ticks after boot at which the process started; with the pid it names one process. */
  startTime: string;
};

/** Parses the text of /proc/<pid>/stat; the command name (field 2) may hold spaces and parentheses. */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf(" (");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) throw new Error(`unexpected /proc stat line: ${text.slice(0, 80)}`);
  // After ") " come fields 3, 4, 5, …: state is field 3, so field N is at N - 3.
  const rest = text.slice(close + 2).trim().split(" ");
  const state = rest[0];
  const pgid = Number(rest[5 - 3]);
  const startTime = rest[22 - 3];
  if (!state || !Number.isInteger(pgid) || !startTime) throw new Error(`unexpected /proc stat line: ${text.slice(0, 80)}`);
  return { pid: Number(text.slice(0, open)), state, pgid, startTime };
}

/**
 * Synchronous on purpose: called right after spawn(), before the event loop
 * can reap a child that exits at once, so its stat is still readable.
 */
export function readProcStatSync(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch (err) {
    if (isGone(err)) return undefined;
    throw err;
  }
}

export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, "utf8"));
  } catch (err) {
    if (isGone(err)) return undefined;
    throw err;
  }
}

/** A zombie has exited; it only waits for its parent (which may never reap it, e.g. a non-init PID 1) to collect it. */
export function isRunning(stat: ProcStat): boolean {
  return stat.state !== "Z" && stat.state !== "X" && stat.state !== "x";
}

/**
 * Whether any member of process group `pgid` runs (zombies do not count).
 * There is no event for the end of a process that is not our child, so
 * callers poll this.
 */
export async function isGroupRunning(pgid: number): Promise<boolean> {
  // Fast path: no member at all, not even a zombie.
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
    if ((err as NodeJS.ErrnoException).code !== "EPERM") throw err;
  }
  // Common case while waiting for a group to end: its leader still runs, no need to scan.
  const leader = await readProcStat(pgid);
  if (leader && leader.pgid === pgid && isRunning(leader)) return true;
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readProcStat(Number(name));
    if (stat && stat.pgid === pgid && isRunning(stat)) return true;
  }
  return false;
}

/** Identifies the current boot: start times restart from zero after a reboot. */
export function readBootId(): string {
  return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
}

function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  // ESRCH: the process vanished between opening and reading its stat.
  return code === "ENOENT" || code === "ESRCH";
}
