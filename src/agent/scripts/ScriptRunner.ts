import type { Logger } from "pino";
import type { AgentScript, LifecycleState } from "../../sdk/schemas/agentProtocol.js";
import type { LoginGate } from "../LoginGate.js";
import type { LogBatcher } from "./LogBatcher.js";
import { describeScriptResult, runScript, type RunningScript, type ScriptResult } from "./runScript.js";

/** Where and with what environment a script runs (the session's). */
export type ScriptContext = { cwd: string; env: Record<string, string> };

export type LifecycleReport = { state: LifecycleState; detail?: string };

const MAX_DETAIL = 8192;

/**
 * Runs the agent's scripts and turns their outcome into lifecycle states:
 * start scripts (all at once) → ready | start_error | start_timeout, with the
 * login gate opening when the last `blocks_login` one ends; stop scripts →
 * off | shutdown_error | shutdown_timeout; cron scripts on demand. Every
 * line a script prints goes to the server's logs under the script's name.
 */
export class ScriptRunner {
  private readonly running = new Set<RunningScript>();
  private readonly cronRunning = new Set<string>();
  private stopping = false;

  constructor(
    private readonly deps: {
      log: Logger;
      logs: LogBatcher;
      gate: LoginGate;
      context: () => ScriptContext;
      lifecycle: (report: LifecycleReport) => void;
    },
  ) {}

  async runStart(scripts: AgentScript[]): Promise<void> {
    const { gate, lifecycle } = this.deps;
    const start = scripts.filter((s) => s.run_on === "start");
    lifecycle({ state: "starting" });
    const runs = start.map((script) => ({ script, result: this.run(script) }));
    const blocking = runs.filter((r) => r.script.blocks_login);
    if (blocking.length === 0) gate.open();
    else {
      gate.setWaitingFor(`start scripts that block login are running (${blocking.map((r) => r.script.name).join(", ")})`);
      void Promise.all(blocking.map((r) => r.result)).then(() => gate.open());
    }
    const results = await Promise.all(runs.map(async (r) => ({ script: r.script, result: await r.result })));
    // A shutdown that began meanwhile reports the lifecycle from here on.
    if (this.stopping) return;
    lifecycle(outcome(results, "start_error", "start_timeout", "ready"));
  }

  /** Ends running start and cron scripts, then runs the stop scripts. */
  async runStop(scripts: AgentScript[]): Promise<LifecycleReport> {
    this.stopping = true;
    this.cancel();
    const stop = scripts.filter((s) => s.run_on === "stop");
    const results = await Promise.all(stop.map(async (script) => ({ script, result: await this.run(script) })));
    return outcome(results, "shutdown_error", "shutdown_timeout", "off");
  }

  /** Runs a cron script unless its previous run is still going. */
  runCron(script: AgentScript): void {
    if (this.stopping) return;
    if (this.cronRunning.has(script.name)) {
      this.deps.logs.add(script.name, "warn", `skipped: the previous run of "${script.name}" is still running`);
      return;
    }
    this.cronRunning.add(script.name);
    void this.run(script).finally(() => this.cronRunning.delete(script.name));
  }

  /** Sends SIGTERM to every script still running (SIGKILL follows after a grace period). */
  cancel(): void {
    for (const r of this.running) r.kill();
  }

  private async run(script: AgentScript): Promise<ScriptResult> {
    const { logs, log } = this.deps;
    const { cwd, env } = this.deps.context();
    const timeoutMs = script.timeout * 1000;
    const running = runScript({
      script: script.script,
      cwd,
      env,
      timeoutMs,
      onLine: (stream, line) => logs.add(script.name, stream === "stdout" ? "info" : "warn", line),
    });
    this.running.add(running);
    log.debug({ script: script.name, runOn: script.run_on, pid: running.pid }, "script started");
    const result = await running.done;
    this.running.delete(running);
    const description = describeScriptResult(result, timeoutMs);
    const ok = result.exitCode === 0;
    log[ok ? "debug" : "warn"]({ script: script.name, runOn: script.run_on, result: description }, "script ended");
    if (!ok) logs.add(script.name, "error", `script "${script.name}" ${description}`);
    logs.flush();
    return result;
  }
}

function outcome(results: Array<{ script: AgentScript; result: ScriptResult }>, errorState: LifecycleState, timeoutState: LifecycleState, okState: LifecycleState): LifecycleReport {
  const failed = results.find((r) => !r.result.timedOut && r.result.exitCode !== 0);
  if (failed) return { state: errorState, detail: detailOf(failed.script, failed.result) };
  const timedOut = results.find((r) => r.result.timedOut);
  if (timedOut) return { state: timeoutState, detail: detailOf(timedOut.script, timedOut.result) };
  return { state: okState };
}

/** "script "x" exited with code 3", then the last lines it printed; fits LifecycleUpdate.detail. */
function detailOf(script: AgentScript, result: ScriptResult): string {
  const head = `script "${script.name}" ${describeScriptResult(result, script.timeout * 1000)}`;
  if (result.tail.length === 0) return head.slice(0, MAX_DETAIL);
  const body = result.tail.join("\n");
  const room = MAX_DETAIL - head.length - 20;
  return `${head}; last lines:\n${body.length > room ? body.slice(body.length - room) : body}`;
}
