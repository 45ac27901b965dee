/** The states of an app with a health check (apps without one are `disabled`). */
export type CheckedAppHealth = "initializing" | "healthy" | "unhealthy";

/**
 * The health of one app, from the results of its health checks in order:
 * `initializing` until the first success (→ healthy) or `threshold` failures
 * in a row (→ unhealthy); after that a success makes it healthy and
 * `threshold` failures in a row make it unhealthy. A single failed check of a
 * healthy app is not enough, so that one slow answer does not flap the
 * dashboard and the proxy's error pages.
 */
export class AppHealthState {
  private current: CheckedAppHealth = "initializing";
  private failures = 0;

  constructor(private readonly threshold: number) {}

  get state(): CheckedAppHealth {
    return this.current;
  }

  /** Records one check's result; answers whether the state changed. */
  record(success: boolean): boolean {
    const before = this.current;
    if (success) {
      this.failures = 0;
      this.current = "healthy";
    } else if (++this.failures >= this.threshold) {
      this.current = "unhealthy";
    }
    return this.current !== before;
  }
}
