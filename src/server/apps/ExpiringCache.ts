import type { Clock } from "../clock.js";

/**
 * A small time-limited cache for the app proxy's lookups, so that a burst of
 * requests to one app costs one database round trip. Concurrent loads of
 * one key share a promise. Failed loads are not kept. When full, it starts
 * over: entries live seconds, so losing them only costs a reload.
 */
export class ExpiringCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; expires: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.clock.now().getTime();
    const found = this.entries.get(key);
    if (found && found.expires > now) return found.value;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const value = load();
    const entry = { value, expires: now + this.ttlMs };
    this.entries.set(key, entry);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
