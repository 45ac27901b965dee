import { describe, expect, it } from "vitest";
import { ApiKeyCache } from "./ApiKeyCache.js";
import type { ApiKeyWithUser } from "./apiKeyQueries.js";
import { manualClock } from "./manualClock.js";

function keyOf(id: string, userId = "u1"): ApiKeyWithUser {
  return {
    id,
    hashed_secret: Buffer.alloc(32),
    login_type: "token",
    lifetime_seconds: 3600,
    expires_at: new Date("2031-01-01T00:00:00Z"),
    last_used: null,
    user: { id: userId, username: userId, email: `${userId}@example.com`, name: "", status: "active", roles: [], created_at: new Date(0), last_seen_at: null, deleted: false },
    organizationIds: [],
  };
}

/** A read the test finishes when it wants, to stand for a database query in flight. */
function pendingRead(): { read: () => Promise<ApiKeyWithUser | undefined>; finish(key: ApiKeyWithUser): void; calls: () => number } {
  let calls = 0;
  let finish: (key: ApiKeyWithUser) => void = () => undefined;
  return {
    read: () => {
      calls++;
      return new Promise((resolve) => (finish = resolve));
    },
    finish: (key) => finish(key),
    calls: () => calls,
  };
}

describe("ApiKeyCache", () => {
  it("keeps a key for the TTL of the injected clock", async () => {
    const time = manualClock();
    const cache = new ApiKeyCache(time.clock, { ttlMs: 10_000, maxEntries: 10 });
    await cache.load("a", async () => keyOf("a"));
    time.advance(9_999);
    expect(cache.get("a")?.id).toBe("a");
    time.advance(1);
    expect(cache.get("a")).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("keeps nothing for a key that does not exist", async () => {
    const cache = new ApiKeyCache(manualClock().clock);
    expect(await cache.load("a", async () => undefined)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("holds at most maxEntries keys, dropping the oldest", async () => {
    const cache = new ApiKeyCache(manualClock().clock, { ttlMs: 10_000, maxEntries: 3 });
    for (const id of ["a", "b", "c", "d"]) await cache.load(id, async () => keyOf(id));
    expect(cache.size).toBe(3);
    expect(cache.get("a")).toBeUndefined();
    expect(["b", "c", "d"].map((id) => cache.get(id)?.id)).toEqual(["b", "c", "d"]);
  });

  it("reads a key once for concurrent requests", async () => {
    const cache = new ApiKeyCache(manualClock().clock);
    const read = pendingRead();
    const loads = [cache.load("a", read.read), cache.load("a", read.read), cache.load("a", read.read)];
    read.finish(keyOf("a"));
    expect((await Promise.all(loads)).map((k) => k?.id)).toEqual(["a", "a", "a"]);
    expect(read.calls()).toBe(1);
    expect(cache.get("a")?.id).toBe("a");
  });

  it("does not keep, nor let anyone join, a read that was in flight when an invalidation came", async () => {
    const cache = new ApiKeyCache(manualClock().clock);
    const stale = pendingRead();
    const first = cache.load("a", stale.read);
    cache.dropUser("u1");
    // A request after the invalidation reads again rather than sharing the read that may predate the change.
    const fresh = pendingRead();
    const second = cache.load("a", fresh.read);
    expect(fresh.calls()).toBe(1);
    stale.finish(keyOf("a"));
    await first;
    expect(cache.get("a")).toBeUndefined();
    fresh.finish(keyOf("a"));
    await second;
    expect(cache.get("a")?.id).toBe("a");
  });

  it("drops one key, all keys of one user, or everything", async () => {
    const cache = new ApiKeyCache(manualClock().clock);
    const fill = async () => {
      for (const [id, user] of [["a", "u1"], ["b", "u1"], ["c", "u2"]] as const) await cache.load(id, async () => keyOf(id, user));
    };
    await fill();
    cache.dropKey("a");
    expect(["a", "b", "c"].map((id) => cache.get(id)?.id)).toEqual([undefined, "b", "c"]);
    await fill();
    cache.dropUser("u1");
    expect(["a", "b", "c"].map((id) => cache.get(id)?.id)).toEqual([undefined, undefined, "c"]);
    await fill();
    cache.clear();
    expect(cache.size).toBe(0);
  });
});
