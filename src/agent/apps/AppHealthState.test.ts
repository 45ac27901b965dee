import { describe, expect, it } from "vitest";
import { AppHealthState } from "./AppHealthState.js";

/** Feeds results (true = success) and answers the state after each, with whether it changed. */
function run(threshold: number, results: boolean[]): Array<[string, boolean]> {
  const health = new AppHealthState(threshold);
  return results.map((success) => {
    const changed = health.record(success);
    return [health.state, changed];
  });
}

describe("AppHealthState", () => {
  it("starts initializing and becomes healthy on the first success", () => {
    expect(new AppHealthState(3).state).toBe("initializing");
    expect(run(3, [false, false, true])).toEqual([
      ["initializing", false],
      ["initializing", false],
      ["healthy", true],
    ]);
  });

  it("becomes unhealthy from initializing only after threshold failures in a row", () => {
    expect(run(3, [false, false, false, false])).toEqual([
      ["initializing", false],
      ["initializing", false],
      ["unhealthy", true],
      ["unhealthy", false],
    ]);
  });

  it("keeps a healthy app healthy until threshold failures in a row; a success in between starts the count again", () => {
    expect(run(2, [true, false, true, false, false, true])).toEqual([
      ["healthy", true],
      ["healthy", false],
      ["healthy", false],
      ["healthy", false],
      ["unhealthy", true],
      ["healthy", true],
    ]);
  });

  it("with threshold 1, follows every result", () => {
    expect(run(1, [false, true, false, true]).map(([state]) => state)).toEqual(["unhealthy", "healthy", "unhealthy", "healthy"]);
  });
});
