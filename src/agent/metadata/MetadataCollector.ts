import type { Logger } from "pino";
import type { AgentMetadataSpec, MetadataResult } from "../../sdk/schemas/agentProtocol.js";
import type { ServerOutbox } from "../ServerOutbox.js";
import { describeScriptResult, runScript } from "../scripts/runScript.js";
import type { ScriptContext } from "../scripts/ScriptRunner.js";

const MAX_VALUE = 4096;
const MAX_ERROR = 1024;

/**
 * Runs each metadata command every `interval` seconds (killing it after
 * `timeout`) and reports the values with `metadata`. Results are collected
 * for `flushMs` and sent together; a command whose previous run is still
 * going is not started again.
 */
export class MetadataCollector {
  private timers: NodeJS.Timeout[] = [];
  private specsJson = "[]";
  private readonly busy = new Set<string>();
  private pending = new Map<string, MetadataResult>();
  private flushTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly deps: { outbox: ServerOutbox; log: Logger; context: () => ScriptContext; flushMs?: number },
  ) {}

  /** Starts (or restarts, when they changed) the loops for a manifest's metadata. */
  setSpecs(specs: AgentMetadataSpec[]): void {
    const json = JSON.stringify(specs);
    if (json === this.specsJson || this.stopped) return;
    this.specsJson = json;
    this.clearTimers();
    for (const spec of specs) {
      void this.collect(spec);
      this.timers.push(setInterval(() => void this.collect(spec), spec.interval * 1000));
    }
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    clearTimeout(this.flushTimer);
  }

  private clearTimers(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  private async collect(spec: AgentMetadataSpec): Promise<void> {
    if (this.busy.has(spec.key)) return;
    this.busy.add(spec.key);
    try {
      const { cwd, env } = this.deps.context();
      const stdout: string[] = [];
      const stderr: string[] = [];
      let kept = 0;
      // Only the start of a flood of output can be reported.
      const keep = (lines: string[], line: string) => {
        if (kept > MAX_VALUE) return;
        lines.push(line);
        kept += line.length + 1;
      };
      const timeoutMs = spec.timeout * 1000;
      const result = await runScript({
        script: spec.script,
        cwd,
        env,
        timeoutMs,
        tailLines: 0,
        onLine: (stream, line) => keep(stream === "stdout" ? stdout : stderr, line),
      }).done;
      let error = "";
      if (result.exitCode !== 0) error = [describeScriptResult(result, timeoutMs), stderr.join("\n").trim()].filter(Boolean).join(": ");
      this.report({
        key: spec.key,
        value: stdout.join("\n").trim().slice(0, MAX_VALUE),
        error: error.slice(0, MAX_ERROR),
        collected_at: new Date().toISOString(),
      });
    } catch (err) {
      this.deps.log.warn({ err, key: spec.key }, "metadata command failed to run");
    } finally {
      this.busy.delete(spec.key);
    }
  }

  private report(result: MetadataResult): void {
    if (this.stopped) return;
    this.pending.set(result.key, result);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      const results = [...this.pending.values()];
      this.pending = new Map();
      // MetadataBatch takes at most 100 results.
      for (let i = 0; i < results.length; i += 100) this.deps.outbox.push("metadata", { results: results.slice(i, i + 100) });
    }, this.deps.flushMs ?? 1000);
  }
}
