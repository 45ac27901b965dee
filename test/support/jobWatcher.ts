import { pino } from "pino";
import { isJobDone, type JobStatus } from "../../src/sdk/schemas/provisionerJobs.js";
import { jobEvents } from "../../src/server/provisioners/jobEvents.js";
import { PubSub } from "../../src/server/pubsub/pubsub.js";
import type { TestServer } from "./testServer.js";

/** A job should end well within this; the limit only turns a hang into a clear failure. */
const JOB_LIMIT_MS = 60_000;

/**
 * Waits for provisioner jobs to end by listening to their events (LISTEN/NOTIFY
 * on the test's database), the way another replica would; no polling.
 */
export class JobWatcher {
  private readonly pubsub: PubSub;

  private constructor(private readonly server: TestServer) {
    this.pubsub = new PubSub(server.database.url, server.database.pool, pino({ level: "silent" }));
  }

  static async start(server: TestServer): Promise<JobWatcher> {
    const watcher = new JobWatcher(server);
    await watcher.pubsub.start();
    return watcher;
  }

  async status(jobId: string): Promise<{ status: JobStatus; error: string | null }> {
    const res = await this.server.database.pool.query<{ status: JobStatus; error: string | null }>("SELECT status, error FROM provisioner_jobs WHERE id = $1", [jobId]);
    const row = res.rows[0];
    if (!row) throw new Error(`no job ${jobId}`);
    return row;
  }

  /** Resolves with the job's final status once it has ended. */
  waitForJob(jobId: string): Promise<{ status: JobStatus; error: string | null }> {
    return this.waitFor(jobId, (s) => isJobDone(s), "to end");
  }

  /** Resolves once the job has the status `want` (or any status `want` accepts). */
  async waitFor(jobId: string, want: JobStatus | ((s: JobStatus) => boolean), what = `to be ${String(want)}`): Promise<{ status: JobStatus; error: string | null }> {
    const accept = typeof want === "function" ? want : (s: JobStatus) => s === want;
    let wake: () => void = () => undefined;
    const unsubscribe = await this.pubsub.subscribe(jobEvents.job(jobId), () => wake());
    const deadline = Date.now() + JOB_LIMIT_MS;
    try {
      for (;;) {
        // Subscribed before looking, so an event in between is not lost.
        const woken = new Promise<void>((resolve) => (wake = resolve));
        const current = await this.status(jobId);
        if (accept(current.status)) return current;
        if (isJobDone(current.status)) throw new Error(`job ${jobId} ended ${current.status} (${current.error ?? "no error"}) while waiting for it ${what}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`job ${jobId} is still ${current.status} after ${JOB_LIMIT_MS} ms, waiting for it ${what}`);
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([woken, new Promise<void>((resolve) => (timer = setTimeout(resolve, left)))]);
        clearTimeout(timer);
      }
    } finally {
      await unsubscribe();
    }
  }

  /**
   * Resolves once the job has written a log line containing `text`, woken by
   * the job's log events.
   */
  async waitForLog(jobId: string, text: string): Promise<void> {
    let wake: () => void = () => undefined;
    const unsubscribe = await this.pubsub.subscribe(jobEvents.logs(jobId), () => wake());
    const deadline = Date.now() + JOB_LIMIT_MS;
    try {
      for (;;) {
        const woken = new Promise<void>((resolve) => (wake = resolve));
        const res = await this.server.database.pool.query("SELECT 1 FROM provisioner_job_logs WHERE job_id = $1 AND strpos(output, $2) > 0 LIMIT 1", [jobId, text]);
        if (res.rowCount) return;
        const { status } = await this.status(jobId);
        if (isJobDone(status)) throw new Error(`job ${jobId} ended ${status} without logging ${JSON.stringify(text)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`job ${jobId} did not log ${JSON.stringify(text)} within ${JOB_LIMIT_MS} ms`);
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([woken, new Promise<void>((resolve) => (timer = setTimeout(resolve, left)))]);
        clearTimeout(timer);
      }
    } finally {
      await unsubscribe();
    }
  }

  /** The watcher's own pub/sub, for calls that publish (failStaleJobs). */
  get events(): PubSub {
    return this.pubsub;
  }

  async close(): Promise<void> {
    await this.pubsub.close();
  }
}
