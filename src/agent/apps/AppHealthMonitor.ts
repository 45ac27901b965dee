import { setTimeout as delay } from "node:timers/promises";
import type { Logger } from "pino";
import type { z } from "zod";
import type { AgentAppSpec, AppHealth } from "../../sdk/schemas/agentProtocol.js";
import { AppHealthState } from "./AppHealthState.js";
import { probeHealthcheck } from "./probeHealthcheck.js";

/** Every app of the manifest by slug, with its health: the `apps` of an `appHealth` call. */
export type AppHealthReport = Record<string, z.infer<typeof AppHealth>>;

type Healthcheck = NonNullable<AgentAppSpec["healthcheck"]>;

/** A check times out after its interval, and never later than this. */
const MAX_CHECK_TIMEOUT_MS = 10_000;

/** One app's running checks. */
type Watch = { healthcheck: string; health: AppHealthState; stop: AbortController };

/**
 * Polls each app's health check from inside the workspace, one check at a
 * time per app, every `interval` seconds, and reports the health of every
 * app of the manifest (apps without a check are `disabled`) whenever one
 * changes. It also reports on every manifest: the server sends one on each
 * connection, so a server that restarted or lost a report learns the
 * current state at once.
 */
export class AppHealthMonitor {
  private watches = new Map<string, Watch>();
  private disabled: string[] = [];
  private stopped = false;

  constructor(private readonly deps: { log: Logger; report: (apps: AppHealthReport) => void }) {}

  /**
   * Checks the apps of a new manifest: an app whose health check is the
   * same as before keeps its loop and state, so a reconnection does not
   * send a healthy app back to `initializing`; changed, new and removed
   * apps start again or stop.
   */
  setApps(apps: AgentAppSpec[]): void {
    if (this.stopped) return;
    const next = new Map<string, Watch>();
    const disabled: string[] = [];
    for (const app of apps) {
      if (next.has(app.slug) || disabled.includes(app.slug)) continue;
      if (!app.healthcheck) {
        disabled.push(app.slug);
        continue;
      }
      const healthcheck = JSON.stringify(app.healthcheck);
      const running = this.watches.get(app.slug);
      next.set(app.slug, running?.healthcheck === healthcheck ? running : this.watch(app.slug, app.healthcheck, healthcheck));
    }
    for (const [slug, watch] of this.watches) if (next.get(slug) !== watch) watch.stop.abort();
    this.watches = next;
    this.disabled = disabled;
    this.report();
  }

  stop(): void {
    this.stopped = true;
    for (const watch of this.watches.values()) watch.stop.abort();
    this.watches.clear();
  }

  private watch(slug: string, healthcheck: Healthcheck, key: string): Watch {
    const watch: Watch = { healthcheck: key, health: new AppHealthState(healthcheck.threshold), stop: new AbortController() };
    this.loop(slug, healthcheck, watch).catch((err: unknown) => this.deps.log.error({ err, app: slug }, "app health checks stopped"));
    return watch;
  }

  private async loop(slug: string, healthcheck: Healthcheck, watch: Watch): Promise<void> {
    const { signal } = watch.stop;
    const intervalMs = healthcheck.interval * 1000;
    const timeoutMs = Math.min(intervalMs, MAX_CHECK_TIMEOUT_MS);
    while (!signal.aborted) {
      const started = Date.now();
      const result = await probeHealthcheck(healthcheck.url, timeoutMs, signal);
      if (signal.aborted) return;
      if (!result.healthy) this.deps.log.debug({ app: slug, url: healthcheck.url, reason: result.reason }, "app health check failed");
      if (watch.health.record(result.healthy)) {
        this.deps.log.info({ app: slug, health: watch.health.state, reason: result.healthy ? undefined : result.reason }, "app health changed");
        this.report();
      }
      try {
        // The interval runs from the start of a check, so a slow answer does not stretch it.
        await delay(Math.max(0, started + intervalMs - Date.now()), undefined, { signal });
      } catch {
        return;
      }
    }
  }

  private report(): void {
    if (this.stopped) return;
    const apps: AppHealthReport = {};
    for (const slug of this.disabled) apps[slug] = "disabled";
    for (const [slug, watch] of this.watches) apps[slug] = watch.health.state;
    // An agent without apps has nothing to say, and most agents have none.
    if (Object.keys(apps).length > 0) this.deps.report(apps);
  }
}
