import type { JobLog, JobSource } from "./jobSource.js";

const FLUSH_MS = 100;
const MAX_BATCH = 200;
/** A line longer than this is cut; build logs are for people, not for data. */
const MAX_LINE = 4000;

/**
 * Buffers a job's log lines and sends them in batches, in order. A failed send
 * is retried with the next batch; lines are never reordered.
 */
export class JobLogger {
  private buffer: JobLog[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  stage = "";

  constructor(
    private readonly source: JobSource,
    private readonly jobId: string,
    private readonly onError: (err: unknown) => void,
  ) {}

  log(level: JobLog["level"], text: string): void {
    for (const line of text.replace(/\r\n/g, "\n").split("\n")) {
      if (line === "" && text !== "") continue;
      this.buffer.push({ level, stage: this.stage, output: line.length > MAX_LINE ? line.slice(0, MAX_LINE) + "…" : line, time: new Date().toISOString() });
    }
    if (this.buffer.length >= MAX_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Starts a new stage (shown as a heading in the build log). */
  startStage(stage: string): void {
    this.stage = stage;
    this.log("info", stage);
  }

  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    this.sending = this.sending.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.source.appendLogs(this.jobId, batch);
      } catch (err) {
        this.onError(err);
      }
    });
    return this.sending;
  }
}
