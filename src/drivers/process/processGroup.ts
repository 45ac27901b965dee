import { setTimeout as delay } from "node:timers/promises";
import type { BuildLogLevel } from "../driver.js";
import { isGroupRunning, isRunning, readBootId, readProcStat } from "./procStat.js";

/** What the driver records to find a process group again, also from another server process. */
export type GroupRecord = {
  /** The command's pid, which is also its process group id (it was started in a new session). */
  pid: number;
  pgid: number;
  /** /proc/<pid>/stat field 22 when it was started: guards against a reused pid. */
  startTime: string;
  /** Start times count from boot, so they only compare within one boot. */
  bootId: string;
};

/**
 * running: the recorded group still has running members;
 * gone: nothing of it runs any more;
 * reused: it is gone, and its pid now belongs to another process.
 */
export type GroupStatus = "running" | "gone" | "reused";

/**
 * Whether the recorded group still runs. The kernel does not hand out a pid
 * while a process group of that number exists, so once the leader (pid ==
 * pgid) has exited, members found in the group are still ours; a leader with
 * another start time means the group died and the pid was reused.
 */
export async function findRecordedGroup(rec: GroupRecord): Promise<GroupStatus> {
  if (rec.bootId !== readBootId()) return "gone";
  const leader = await readProcStat(rec.pid);
  if (leader && leader.startTime !== rec.startTime) return "reused";
  if (leader && isRunning(leader)) return "running";
  return (await isGroupRunning(rec.pgid)) ? "running" : "gone";
}

export type StopOptions = {
  graceMs: number;
  log(level: BuildLogLevel, text: string): void;
  /** Aborting cuts the grace period short: the group is killed at once. */
  signal?: AbortSignal;
};

// A process in uninterruptible sleep (D state) dies only when its I/O returns.
const KILL_WAIT_MS = 10_000;

/** gone and reused: nothing was signalled; terminated: it exited after SIGTERM; killed: it needed SIGKILL. */
export type StopResult = "gone" | "reused" | "terminated" | "killed";

/**
 * Stops the recorded group: SIGTERM to the whole group, up to graceMs for
 * every member to exit, then SIGKILL. Never signals a group that is not the
 * recorded one. Resolves once no member runs.
 */
export async function stopProcessGroup(rec: GroupRecord, opts: StopOptions): Promise<StopResult> {
  const status = await findRecordedGroup(rec);
  if (status !== "running") return status;
  opts.log("info", `Sending SIGTERM to process group ${rec.pgid}; SIGKILL follows after ${opts.graceMs / 1000} s`);
  signalGroup(rec.pgid, "SIGTERM");
  if (await waitGroupGone(rec.pgid, opts.graceMs, opts.signal)) return "terminated";
  const why = opts.signal?.aborted ? "the build was canceled" : `it was still running ${opts.graceMs / 1000} s after SIGTERM`;
  opts.log("warn", `Killing process group ${rec.pgid} with SIGKILL: ${why}`);
  await killProcessGroup(rec.pgid);
  return "killed";
}

/** SIGKILL to a group this driver started in this process (so known to be ours), then waits until it is gone. */
export async function killProcessGroup(pgid: number): Promise<void> {
  signalGroup(pgid, "SIGKILL");
  if (!(await waitGroupGone(pgid, KILL_WAIT_MS))) throw new Error(`process group ${pgid} still runs ${KILL_WAIT_MS / 1000} s after SIGKILL`);
}

function signalGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch (err) {
    // ESRCH: every member exited meanwhile, which is what we want.
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw new Error(`send ${sig} to process group ${pgid}`, { cause: err });
  }
}

/** Polls (there is no event for processes that are not our children) until no member runs; false at the deadline or on abort. */
async function waitGroupGone(pgid: number, ms: number, signal?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + ms;
  let interval = 10;
  for (;;) {
    if (!(await isGroupRunning(pgid))) return true;
    const left = deadline - Date.now();
    if (left <= 0 || signal?.aborted) return false;
    try {
      await delay(Math.min(interval, left), undefined, { signal });
    } catch {
      return false; // aborted
    }
    interval = Math.min(interval * 2, 200);
  }
}
