import type { Clock } from "../clock.js";

/**
 * Fixed one-minute windows per key, in this process's memory. Limits are per
 * replica by design (as Coder's are): a shared limiter would put a database
 * round trip on every request.
 */
export class RateLimiter {
  private windows = new Map<string, { start: number; count: number }>();
  private lastSweep = 0;

  constructor(
    private readonly perMinute: number,
    private readonly clock: Clock,
  ) {}

  /** Counts one hit; answers 0 when allowed, else the seconds until the window ends. */
  hit(key: string): number {
    if (this.perMinute <= 0) return 0;
    const now = this.clock.now().getTime();
    this.sweep(now);
    let w = this.windows.get(key);
    if (!w || now - w.start >= 60_000) {
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    if (w.count <= this.perMinute) return 0;
    return Math.max(1, Math.ceil((w.start + 60_000 - now) / 1000));
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [key, w] of this.windows) if (now - w.start >= 60_000) this.windows.delete(key);
  }
}
