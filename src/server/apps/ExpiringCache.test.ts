import { describe, expect, it } from "vitest";
import { ExpiringCache } from "./ExpiringCache.js";

function fakeClock() {
  let ms = 0;
  return { now: () => new Date(ms), advance: (by: number) => (ms += by) };
}

describe("ExpiringCache", () => {
  it("loads once per key until the entry expires", async () => {
    const clock = fakeClock();
    const cache = new ExpiringCache<number>(clock, 1000);
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get("k", load)).toBe(1);
    expect(await cache.get("k", load)).toBe(1);
    clock.advance(1000);
    expect(await cache.get("k", load)).toBe(2);
  });

  it("shares one load between concurrent callers", async () => {
    const cache = new ExpiringCache<number>(fakeClock(), 1000);
    let loads = 0;
    const load = () => new Promise<number>((resolve) => setImmediate(() => resolve(++loads)));
    expect(await Promise.all([cache.get("k", load), cache.get("k", load)])).toEqual([1, 1]);
  });

  it("forgets failed loads and deleted keys", async () => {
    const cache = new ExpiringCache<number>(fakeClock(), 1000);
    await expect(cache.get("k", () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    expect(await cache.get("k", async () => 7)).toBe(7);
    cache.delete("k");
    expect(await cache.get("k", async () => 8)).toBe(8);
  });

  it("starts over when full", async () => {
    const cache = new ExpiringCache<number>(fakeClock(), 1000, 2);
    await cache.get("a", async () => 1);
    await cache.get("b", async () => 2);
    await cache.get("c", async () => 3);
    expect(await cache.get("a", async () => 10)).toBe(10);
  });
});
