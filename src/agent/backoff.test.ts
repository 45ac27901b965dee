import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoff.js";

describe("backoffDelay", () => {
  const settings = { baseMs: 250, maxMs: 30_000 };

  it("doubles the ceiling on every attempt up to the maximum", () => {
    const top = (attempt: number) => backoffDelay(attempt, settings, () => 0.999999);
    expect(top(0)).toBe(249);
    expect(top(1)).toBe(499);
    expect(top(3)).toBe(1999);
    expect(top(7)).toBe(29_999);
    expect(top(1000)).toBe(29_999);
  });

  it("picks anywhere between zero and the ceiling (full jitter)", () => {
    expect(backoffDelay(4, settings, () => 0)).toBe(0);
    expect(backoffDelay(4, settings, () => 0.5)).toBe(2000);
  });
});
