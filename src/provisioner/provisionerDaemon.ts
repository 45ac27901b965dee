import type { Logger } from "pino";
import type { DriverRegistry } from "../drivers/registry.js";
import { executeBuild } from "./executeBuild.js";
import { importTemplate } from "./importTemplate.js";
import { JobLogger } from "./jobLogger.js";
import type { AcquiredJob, JobSource } from "./jobSource.js";

export type ProvisionerDaemonOptions = {
  id: string;
  source: JobSource;
  drivers: DriverRegistry;
  log: Logger;
  heartbeatMs?: number;
};

/**
 * Takes jobs from a JobSource one at a time and runs them: template imports and
 * workspace builds. Heartbeats while a job runs; a cancel request aborts the
 * job's signal, and the drivers stop what they are doing.
 */
export class ProvisionerDaemon {
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private current: AbortController | undefined;

  constructor(private readonly opts: ProvisionerDaemonOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  /**
   * Stops taking jobs. A running job gets `graceMs` to finish; then it is
   * aborted, and its recorded state lets the next build repair the workspace.
   */
  async stop(graceMs = 5000): Promise<void> {
    this.stopping.abort();
    const timer = setTimeout(() => this.current?.abort(new Error("the provisioner is shutting down")), graceMs);
    await this.loop;
    clearTimeout(timer);
  }

  private async run(): Promise<void> {
    const log = this.opts.log.child({ daemon: this.opts.id });
    while (!this.stopping.signal.aborted) {
      let job: AcquiredJob | null;
      try {
        job = await this.opts.source.acquire(this.opts.id, this.stopping.signal);
      } catch (err) {
        if (this.stopping.signal.aborted) break;
        log.warn({ err }, "cannot acquire a job; retrying");
        await delay(1000, this.stopping.signal);
        continue;
      }
      if (!job) continue;
      await this.runJob(job, log.child({ jobId: job.id, jobType: job.type }));
    }
  }

  private async runJob(job: AcquiredJob, log: Logger): Promise<void> {
    const { source } = this.opts;
    const abort = new AbortController();
    this.current = abort;
    const logger = new JobLogger(source, job.id, (err) => log.warn({ err }, "cannot send job logs"));
    const heartbeat = setInterval(() => {
      source
        .heartbeat(job.id)
        .then(({ canceled }) => {
          if (canceled && !abort.signal.aborted) {
            logger.log("warn", "Canceled by request.");
            abort.abort(new CanceledError());
          }
        })
        .catch((err: unknown) => log.warn({ err }, "heartbeat failed"));
    }, this.opts.heartbeatMs ?? 2000);
    log.info("job started");
    try {
      if (job.type === "template_version_import") {
        const result = await importTemplate(job, { drivers: this.opts.drivers, logger, signal: abort.signal });
        await logger.flush();
        if (result.ok) await source.completeImport(job.id, result.value);
        else await source.failJob(job.id, result.error);
      } else {
        const outcome = await executeBuild(job, { drivers: this.opts.drivers, logger, signal: abort.signal, source });
        await logger.flush();
        if (outcome.ok) await source.completeBuild(job.id, outcome.state);
        else await source.failJob(job.id, outcome.error, { canceled: abort.signal.reason instanceof CanceledError, state: outcome.state });
      }
      log.info("job finished");
    } catch (err) {
      // A bug or a lost connection to the source: report it as the job's failure.
      log.error({ err }, "job crashed");
      logger.log("error", `Internal error: ${(err as Error).message}`);
      await logger.flush();
      await source.failJob(job.id, `internal error in the provisioner: ${(err as Error).message}`).catch((e: unknown) => log.error({ err: e }, "cannot fail the job"));
    } finally {
      clearInterval(heartbeat);
      this.current = undefined;
    }
  }
}

export class CanceledError extends Error {
  override name = "CanceledError";
  constructor() {
    super("the build was canceled");
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });
}
