import { spawn, type ChildProcess } from "node:child_process";
import { closeSync } from "node:fs";
import { appendFile, mkdir, stat } from "node:fs/promises";
import { DriverAbortError, type AgentLaunch, type BuildContext, type ResourceRequest, type ResourceState } from "../driver.js";
import { LogFollower } from "./LogFollower.js";
import { startLogWriter } from "./logWriter.js";
import { readBootId, readProcStatSync } from "./procStat.js";
import { findRecordedGroup, killProcessGroup, stopProcessGroup, type GroupRecord } from "./processGroup.js";
import { checkProcessSettings, DEFAULT_GRACE_SECONDS, type ProcessSettings } from "./processSettings.js";
import { removeWorkspaceLeftovers, workspacePaths } from "./workspacePaths.js";

export type ProcessKindOptions = {
  dataDir: string;
  /** How long output is streamed to the build log, and an exit counts as a failed start. */
  startWindowMs: number;
  /** Cap of a process's log files together (<resource>.log and <resource>.log.1). */
  logCapBytes: number;
  /** The node binary that runs the log writer. */
  nodePath: string;
  /** PATH given to commands, unless their env sets one. */
  path: string;
  /** How to start `den agent` on this host, and the URL agents dial; without it, agents are not launched. */
  agent?: AgentLauncher;
};

export type AgentLauncher = { command: string[]; url: () => string };

/** The driver-private part of a process's state. */
export type ProcessData = GroupRecord & { logPath: string; graceSeconds: number };

type Exit = { code: number | null; signal: NodeJS.Signals | null } | { error: Error };

/**
 * Starts the command detached, as the leader of a new session and process
 * group, with its output going to a capped log file through a log writer
 * that is not the server: so the process outlives a restart of the server,
 * and the whole group can be signalled. The state is recorded as soon as the
 * process exists; then its output is streamed to the build log for the start
 * window, and an exit within that window fails the create.
 */
export async function createProcess(ctx: BuildContext, req: ResourceRequest, opts: ProcessKindOptions): Promise<ResourceState> {
  const checked = checkProcessSettings(req.settings, "evaluated");
  if (!checked.settings) throw new Error(`resource ${req.name}: ${checked.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
  const settings = checked.settings;
  if (ctx.signal.aborted) throw new DriverAbortError(`creating process ${req.name} was canceled`, { cause: ctx.signal.reason });
  const paths = workspacePaths(opts.dataDir, ctx.workspace.id);
  await mkdir(paths.logsDir, { recursive: true });
  const dir = settings.dir ?? paths.workspaceDir;
  await assertDirectory(req.name, dir);
  const agents = req.agents ?? [];
  if (agents.length > 0 && !opts.agent) throw new Error(`resource ${req.name}: agents ${agents.map((a) => a.name).join(", ")} run here, but this provisioner cannot launch agents`);
  const launch = withAgents(settings.command, agents, opts.agent);
  if (agents.length > 0) ctx.log("info", `Launching agent(s) ${agents.map((a) => a.name).join(", ")} in ${req.name}`);

  const logPath = paths.logFile(req.name);
  await appendFile(logPath, `--- ${new Date().toISOString()} build ${ctx.buildId}: ${JSON.stringify(settings.command)} ---\n`);
  const startOffset = (await stat(logPath)).size;
  const writer = await startLogWriter({ logPath, capBytes: opts.logCapBytes, nodePath: opts.nodePath });
  let child: ChildProcess;
  try {
    child = spawn(launch.argv[0]!, launch.argv.slice(1), {
      detached: true,
      stdio: ["ignore", writer.fd, writer.fd],
      cwd: dir,
      env: { ...commandEnv(settings, paths.workspaceDir, opts.path), ...launch.env },
    });
  } catch (err) {
    throw new Error(`resource ${req.name}: command: cannot run ${JSON.stringify(settings.command[0])}: ${(err as Error).message}`, { cause: err });
  } finally {
    // From here on only the command holds the pipe, so the writer ends with it.
    closeSync(writer.fd);
  }
  const exit = new Promise<Exit>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", (error) => resolve({ error }));
  });
  const pid = child.pid;
  if (pid === undefined) {
    const result = await exit;
    const reason = "error" in result ? result.error.message : "it did not start";
    throw new Error(`resource ${req.name}: command.0: cannot run ${JSON.stringify(settings.command[0])}: ${reason}`);
  }
  child.unref();
  const procStat = readProcStatSync(pid);
  if (!procStat) throw new Error(`resource ${req.name}: process ${pid} vanished before it could be recorded`);
  const data: ProcessData = { pid, pgid: pid, startTime: procStat.startTime, bootId: readBootId(), logPath, graceSeconds: settings.graceSeconds };
  const state: ResourceState = { name: req.name, driver: "process", kind: "process", lifetime: req.lifetime, outputs: { pid }, data };
  try {
    await ctx.recordState(state);
  } catch (err) {
    await killProcessGroup(pid);
    throw new Error(`resource ${req.name}: record the state of process ${pid}`, { cause: err });
  }
  ctx.log("info", `Started ${req.name} (pid ${pid}); output of its first ${opts.startWindowMs / 1000} s follows`);

  const follower = new LogFollower(logPath, startOffset, (line) => ctx.log("info", line));
  let ended: Exit | undefined;
  try {
    ended = await watchStart(follower, exit, ctx.signal, opts.startWindowMs);
  } catch (err) {
    // E.g. the log became unreadable: a create that fails leaves nothing running.
    await killProcessGroup(pid);
    throw new Error(`resource ${req.name}: follow the output of process ${pid}`, { cause: err });
  }
  if (ctx.signal.aborted) {
    await killProcessGroup(pid);
    throw new DriverAbortError(`creating process ${req.name} was canceled; process ${pid} was killed`, { cause: ctx.signal.reason });
  }
  if (ended) {
    // Children it left behind in its group go too, and the writer gets the last output.
    await killProcessGroup(pid);
    await waitAtMost(writer.exited, 2000);
    await follower.poll();
    follower.flush();
    const tail = await follower.tail();
    throw new Error(`resource ${req.name}: the process ${describeExit(ended)} within ${opts.startWindowMs / 1000} s of starting; a process resource must keep running.${tail ? ` Its last output:\n${tail}` : " It wrote no output."}`);
  }
  follower.flush();
  ctx.log("info", `${req.name} is running (pid ${pid}); ${follower.truncated() ? "more" : "further"} output goes to ${logPath}`);
  return state;
}

/** Forwards output until the window ends; answers how the process ended if it did within the window. */
async function watchStart(follower: LogFollower, exit: Promise<Exit>, signal: AbortSignal, windowMs: number): Promise<Exit | undefined> {
  let ended: Exit | undefined;
  void exit.then((e) => (ended = e));
  let onAbort = () => {};
  const aborted = new Promise<void>((resolve) => (onAbort = resolve));
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const deadline = Date.now() + windowMs;
    for (;;) {
      await follower.poll();
      const left = deadline - Date.now();
      if (ended || signal.aborted || left <= 0) return ended;
      // The file has no event worth trusting across rotation, so it is polled; exit and abort end the wait at once.
      await waitAtMost(Promise.race([exit, aborted]), Math.min(50, left));
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** True while anything of the recorded process group runs (also children left by a leader that exited). */
export async function processExists(state: ResourceState): Promise<boolean> {
  return (await findRecordedGroup(readProcessData(state))) === "running";
}

/** SIGTERM to the group, SIGKILL after the grace period; a group that is already gone is success. */
export async function destroyProcess(ctx: BuildContext, state: ResourceState, dataDir: string): Promise<void> {
  const data = readProcessData(state);
  const result = await stopProcessGroup(data, { graceMs: data.graceSeconds * 1000, log: (level, text) => ctx.log(level, text), signal: ctx.signal });
  if (result === "reused") ctx.log("info", `${state.name} (pid ${data.pid}) had already exited; its pid now belongs to another process, which is left alone`);
  else if (result === "gone") ctx.log("info", `${state.name} (pid ${data.pid}) had already exited`);
  else ctx.log("info", `Stopped ${state.name} (pid ${data.pid})${result === "killed" ? " with SIGKILL" : ""}`);
  if (ctx.transition === "delete") await removeWorkspaceLeftovers(workspacePaths(dataDir, ctx.workspace.id));
}

/** The recorded data, checked: it comes back from the database, maybe written by an older version. */
export function readProcessData(state: ResourceState): ProcessData {
  const d = state.data;
  const int = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v > 0;
  if (!int(d.pid) || !int(d.pgid) || typeof d.startTime !== "string" || typeof d.bootId !== "string" || typeof d.logPath !== "string") {
    throw new Error(`resource ${state.name}: the recorded state is not that of a process (pid, pgid, startTime, bootId and logPath expected)`);
  }
  const graceSeconds = typeof d.graceSeconds === "number" && d.graceSeconds >= 0 ? d.graceSeconds : DEFAULT_GRACE_SECONDS;
  return { pid: d.pid as number, pgid: d.pgid as number, startTime: d.startTime, bootId: d.bootId, logPath: d.logPath, graceSeconds };
}

/**
 * Agents run in the resource's own process group, so stopping the resource
 * stops them too: a shell starts each agent in the background and then execs
 * the command. Tokens travel in variables the shell unsets before the exec,
 * so the command never sees them, and never on a command line.
 */
function withAgents(command: string[], agents: readonly AgentLaunch[], launcher: AgentLauncher | undefined): { argv: string[]; env: Record<string, string> } {
  if (agents.length === 0 || !launcher) return { argv: command, env: {} };
  const env: Record<string, string> = { __DEN_AGENT_URL: launcher.url() };
  const lines: string[] = [];
  agents.forEach((agent, i) => {
    env[`__DEN_AGENT_TOKEN_${i}`] = agent.token;
    lines.push(`DEN_AGENT_URL="$__DEN_AGENT_URL" DEN_AGENT_TOKEN="$__DEN_AGENT_TOKEN_${i}" ${launcher.command.map(shellQuote).join(" ")} &`);
  });
  lines.push(`unset __DEN_AGENT_URL ${agents.map((_, i) => `__DEN_AGENT_TOKEN_${i}`).join(" ")}`, `exec "$@"`);
  return { argv: ["/bin/sh", "-c", lines.join("\n"), "den-resource", ...command], env };
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * A minimal environment: the server's own (DEN_* secrets, database URLs) is
 * never passed on. HOME defaults to the workspace's folder.
 */
function commandEnv(settings: ProcessSettings, workspaceDir: string, path: string): Record<string, string> {
  return { PATH: path, HOME: workspaceDir, LANG: "C.UTF-8", ...settings.env };
}

async function assertDirectory(resource: string, dir: string): Promise<void> {
  let isDir = false;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  if (!isDir) throw new Error(`resource ${resource}: dir: ${dir} is not an existing directory`);
}

/** Waits for `promise`, but no longer than `ms`; the timer keeps the event loop alive meanwhile, as the children are unref'd. */
async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

function describeExit(e: Exit): string {
  if ("error" in e) return `failed (${e.error.message})`;
  if (e.signal) return `was killed by ${e.signal}`;
  return `exited with code ${e.code}`;
}
