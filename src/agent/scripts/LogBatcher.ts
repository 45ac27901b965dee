import type { AgentLogEntry } from "../../sdk/schemas/agentProtocol.js";
import type { ServerOutbox } from "../ServerOutbox.js";

const MAX_OUTPUT = 8192;
const MAX_SOURCE = 128;
const MAX_BATCH = 1000;

/**
 * Collects script output lines and sends them to the server in batches
 * (`logs`), at most every `flushMs`, so that a script printing thousands of
 * lines makes a few calls instead of thousands.
 */
export class LogBatcher {
  private entries: AgentLogEntry[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly outbox: ServerOutbox,
    private readonly flushMs = 250,
  ) {}

  add(source: string, level: AgentLogEntry["level"], output: string): void {
    const time = new Date().toISOString();
    const src = source.slice(0, MAX_SOURCE);
    // A very long line is split rather than cut, so that nothing is lost.
    for (let i = 0; i === 0 || i < output.length; i += MAX_OUTPUT) {
      this.entries.push({ source: src, level, output: output.slice(i, i + MAX_OUTPUT), time });
    }
    if (this.entries.length >= MAX_BATCH) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.entries.length > 0) this.outbox.push("logs", { logs: this.entries.splice(0, MAX_BATCH) });
  }
}
