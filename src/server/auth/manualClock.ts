import type { Clock } from "../clock.js";

/** A clock for tests that moves only when the test says so. */
export function manualClock(start = Date.parse("2030-03-10T12:00:00Z")): { clock: Clock; advance(ms: number): void } {
  let now = start;
  return {
    clock: { now: () => new Date(now) },
    advance: (ms) => void (now += ms),
  };
}
