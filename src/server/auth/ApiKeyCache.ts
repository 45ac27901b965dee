import type { Clock } from "../clock.js";
import type { ApiKeyWithUser } from "./apiKeyQueries.js";

export type ApiKeyCacheOptions = {
  /** How long a key read from the database is trusted without reading it again. */
  ttlMs: number;
  /** The most keys kept; the oldest go first. */
  maxEntries: number;
};

/**
 * Without the cache every authenticated request costs a database round trip,
 * and on two shared cores that round trip, not the request, sets the API's
 * throughput (bench/README.md). Ten seconds keeps a busy client's keys warm;
 * 10,000 keys is a few megabytes.
 */
export const DEFAULT_API_KEY_CACHE: ApiKeyCacheOptions = { ttlMs: 10_000, maxEntries: 10_000 };

/**
 * Keys (sessions and API tokens) with their users, by key id, as the
 * authenticator last read them. Every change that could make a cached key
 * wrong (a deleted key, a suspended user, changed roles) drops it here, on
 * every replica (AuthInvalidations); the TTL only bounds what a missed
 * invalidation could cost. The secret's hash is kept and checked on every
 * use, and so is the expiry, so a cached key never outlives its session.
 *
 * Concurrent loads of one key share one read. An invalidation while a read
 * is in flight discards that read's result: it may predate the change.
 */
export class ApiKeyCache {
  private readonly entries = new Map<string, { key: ApiKeyWithUser; loadedAt: number }>();
  private readonly loading = new Map<string, Promise<ApiKeyWithUser | undefined>>();
  /** Bumped by every invalidation, so that a read begun before it is not kept. */
  private generation = 0;

  constructor(
    private readonly clock: Clock,
    private readonly opts: ApiKeyCacheOptions = DEFAULT_API_KEY_CACHE,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The key if it was read within the TTL. */
  get(id: string): ApiKeyWithUser | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    const age = this.clock.now().getTime() - entry.loadedAt;
    // A negative age is a clock that went back: trust nothing read "in the future".
    if (age >= this.opts.ttlMs || age < 0) {
      this.entries.delete(id);
      return undefined;
    }
    return entry.key;
  }

  /** Reads the key through `read` (one read at a time per key) and keeps it unless invalidated meanwhile. */
  load(id: string, read: () => Promise<ApiKeyWithUser | undefined>): Promise<ApiKeyWithUser | undefined> {
    const pending = this.loading.get(id);
    if (pending) return pending;
    const generation = this.generation;
    const loadedAt = this.clock.now().getTime();
    const promise = read()
      .then((key) => {
        if (key && generation === this.generation) this.store(id, key, loadedAt);
        return key;
      })
      .finally(() => {
        if (this.loading.get(id) === promise) this.loading.delete(id);
      });
    this.loading.set(id, promise);
    return promise;
  }

  dropKey(id: string): void {
    this.invalidate();
    this.entries.delete(id);
  }

  dropUser(userId: string): void {
    this.invalidate();
    for (const [id, entry] of this.entries) if (entry.key.user.id === userId) this.entries.delete(id);
  }

  clear(): void {
    this.invalidate();
    this.entries.clear();
  }

  /** Reads in flight may have seen what was just changed: nobody joins them, and their results are not kept. */
  private invalidate(): void {
    this.generation++;
    this.loading.clear();
  }

  private store(id: string, key: ApiKeyWithUser, loadedAt: number): void {
    this.entries.delete(id);
    if (this.entries.size >= this.opts.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(id, { key, loadedAt });
  }
}
