import { describe, expect, it } from "vitest";
import { createProcessDriver } from "./processDriver.js";
import { checkProcessSettings } from "./processSettings.js";

const kind = createProcessDriver({ dataDir: "/nonexistent/den" }).kinds.process!;
const paths = (settings: Record<string, unknown>) => kind.validate(settings).map((i) => i.path);

describe("process settings at template import", () => {
  it("accepts good settings, expressions wherever a value may come from one", () => {
    expect(
      kind.validate({
        command: ["sh", "-c", "echo ${{ params.greeting }} > $HOME/greeting; exec sleep infinity"],
        env: { HOME: "${{ resources.home.path }}", GREETING: "${{ params.greeting }}" },
        dir: "${{ resources.home.path }}",
        grace_seconds: "${{ params.grace }}",
      }),
    ).toEqual([]);
    expect(kind.validate({ command: "${{ params.command }}", env: "${{ params.env }}" })).toEqual([]);
    expect(kind.validate({ command: ["sleep", "1000"], grace_seconds: 0, dir: "/srv" })).toEqual([]);
    expect(kind.defaultLifetime).toBe("ephemeral");
  });

  it("requires a non-empty list of strings as the command", () => {
    expect(kind.validate({})).toEqual([{ path: "command", message: expect.stringMatching(/^required/) }]);
    expect(kind.validate({ command: [] })).toEqual([{ path: "command", message: expect.stringMatching(/must not be empty/) }]);
    expect(kind.validate({ command: "sleep 1000" })).toEqual([{ path: "command", message: expect.stringMatching(/must be a list of strings.*"sleep 1000"/) }]);
    // Text around an expression is a string, never a list.
    expect(paths({ command: "sleep ${{ params.n }}" })).toEqual(["command"]);
    expect(kind.validate({ command: ["sleep", 100, { a: 1 }, null] })).toEqual([
      { path: "command.1", message: "must be a string, not number 100 (quote it)" },
      { path: "command.2", message: "must be a string, not a map" },
      { path: "command.3", message: "must be a string, not null" },
    ]);
    expect(paths({ command: ["", "x"] })).toEqual(["command.0"]);
  });

  it("checks the grace period's type and range", () => {
    expect(kind.validate({ command: ["x"], grace_seconds: 301 })).toEqual([{ path: "grace_seconds", message: "must be from 0 to 300 seconds, not 301" }]);
    expect(paths({ command: ["x"], grace_seconds: -1 })).toEqual(["grace_seconds"]);
    expect(paths({ command: ["x"], grace_seconds: "ten" })).toEqual(["grace_seconds"]);
    expect(paths({ command: ["x"], grace_seconds: "1${{ params.n }}" })).toEqual(["grace_seconds"]);
  });

  it("checks env names and values, and dir", () => {
    expect(paths({ command: ["x"], env: { "1BAD": "v", GOOD: "v", NUM: 3, LIST: ["a"] } })).toEqual(["env.1BAD", "env.NUM", "env.LIST"]);
    expect(paths({ command: ["x"], env: ["A=1"] })).toEqual(["env"]);
    expect(kind.validate({ command: ["x"], dir: "relative/dir" })).toEqual([{ path: "dir", message: 'must be an absolute path, not "relative/dir"' }]);
    expect(paths({ command: ["x"], dir: 7 })).toEqual(["dir"]);
  });

  it("names every unknown key", () => {
    expect(kind.validate({ command: ["x"], cmd: ["x"], environment: {} })).toEqual([
      { path: "cmd", message: 'unknown setting "cmd"; a process takes command, env, dir, grace_seconds' },
      { path: "environment", message: 'unknown setting "environment"; a process takes command, env, dir, grace_seconds' },
    ]);
  });
});

describe("process settings once evaluated", () => {
  it("takes numbers and booleans an expression gave as their text, and defaults the grace period", () => {
    expect(checkProcessSettings({ command: ["sleep", 5], env: { DEBUG: true } }, "evaluated")).toEqual({
      issues: [],
      settings: { command: ["sleep", "5"], env: { DEBUG: "true" }, graceSeconds: 10 },
    });
  });

  it("no longer takes expression strings where no string is allowed", () => {
    const check = checkProcessSettings({ command: "${{ params.command }}", grace_seconds: "${{ params.grace }}" }, "evaluated");
    expect(check.settings).toBeUndefined();
    expect(check.issues.map((i) => i.path)).toEqual(["command", "grace_seconds"]);
  });

  it("keeps a variable named __proto__ as a plain variable", () => {
    const env = JSON.parse('{"__proto__": "x", "A": "1"}') as Record<string, unknown>;
    const check = checkProcessSettings({ command: ["x"], env }, "evaluated");
    expect(Object.keys(check.settings!.env)).toEqual(["__proto__", "A"]);
    expect(Object.getPrototypeOf(check.settings!.env)).toBe(Object.prototype);
  });
});
