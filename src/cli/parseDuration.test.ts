import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "./parseDuration.js";

describe("parseDuration", () => {
  it.each([
    ["90s", 90],
    ["5m", 300],
    ["12h", 43_200],
    ["30d", 2_592_000],
    ["2w", 1_209_600],
    ["1h30m", 5400],
    [" 1d ", 86_400],
  ])("parses %j as %d seconds", (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(["3x", "", "d", "30", "1.5h", "-1h", "1h 30m", "30D", "1e3s"])("rejects %j with a message that shows the accepted form", (text) => {
    expect(() => parseDuration(text)).toThrow(/is not a duration: use a number and a unit \(s, m, h, d or w\), e.g. 30d/);
  });

  it("rejects a duration too long to count", () => {
    expect(() => parseDuration("99999999999999999999d")).toThrow(/too long/);
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [59, "59s"],
    [5400, "1h30m"],
    [2_592_000, "30d"],
    [90_061, "1d1h1m1s"],
  ])("formats %d seconds as %j", (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it("round-trips what it formats", () => {
    for (const s of [1, 61, 3599, 86_401, 31_536_000]) expect(parseDuration(formatDuration(s))).toBe(s);
  });
});
