import type { Logger } from "pino";
import type { AgentScript } from "../../sdk/schemas/agentProtocol.js";
import { parseCron, type CronSchedule } from "./cron.js";

/**
 * Wakes at the start of every minute and runs the cron scripts whose
 * schedule matches it. A timer per minute (rather than a long sleep to the
 * next match) keeps it right across clock changes and manifest updates.
 */
export class CronScheduler {
  private entries: Array<{ script: AgentScript; schedule: CronSchedule }> = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly run: (script: AgentScript) => void,
    private readonly onInvalid: (script: AgentScript, message: string) => void,
    private readonly log: Logger,
  ) {}

  /** Replaces the schedule with the cron scripts of a (new) manifest. */
  setScripts(scripts: AgentScript[]): void {
    this.entries = [];
    for (const script of scripts.filter((s) => s.run_on === "cron")) {
      try {
        this.entries.push({ script, schedule: parseCron(script.cron ?? "") });
      } catch (err) {
        this.onInvalid(script, (err as Error).message);
      }
    }
    if (this.entries.length > 0 && !this.timer && !this.stopped) this.arm();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    const now = Date.now();
    const nextMinute = (Math.floor(now / 60_000) + 1) * 60_000;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const minute = new Date(nextMinute);
      for (const { script, schedule } of this.entries) {
        if (!schedule.matches(minute)) continue;
        this.log.debug({ script: script.name, cron: schedule.expression }, "cron script due");
        this.run(script);
      }
      if (this.entries.length > 0 && !this.stopped) this.arm();
    }, nextMinute - now);
    this.timer.unref();
  }
}
