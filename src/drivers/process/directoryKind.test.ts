import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BuildContext, Driver, ResourceState } from "../driver.js";
import { createProcessDriver } from "./processDriver.js";

const WORKSPACE_ID = "0b6a4a52-94a1-4d59-8a2e-5f0c7d1e2a3b";

let base: string;
let dataDir: string;
let driver: Driver;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), "den-directory-"));
  dataDir = join(base, "data");
  driver = createProcessDriver({ dataDir });
});

afterEach(() => {
  rmSync(base, { recursive: true, force: true });
});

function buildContext(transition: BuildContext["transition"] = "start", workspaceId = WORKSPACE_ID) {
  const states: ResourceState[] = [];
  const logs: string[] = [];
  const ctx: BuildContext = {
    workspace: { id: workspaceId, name: "dev", ownerId: "u1", ownerName: "alice", ownerEmail: "alice@example.com" },
    buildId: "b1",
    transition,
    log: (level, text) => logs.push(`${level}: ${text}`),
    signal: new AbortController().signal,
    recordState: async (state) => {
      states.push(state);
    },
  };
  return { ctx, states, logs };
}

const home = { name: "home", kind: "directory", lifetime: "persistent" as const, settings: {} };

describe("directory kind", () => {
  it("creates <dataDir>/workspaces/<id>/<name>, records it and outputs its path", async () => {
    const { ctx, states } = buildContext();
    const state = await driver.create(ctx, home);
    const path = join(dataDir, "workspaces", WORKSPACE_ID, "home");
    expect(state).toEqual({ name: "home", driver: "process", kind: "directory", lifetime: "persistent", outputs: { path }, data: { path } });
    expect(states).toEqual([state]);
    expect(existsSync(path)).toBe(true);
    expect(await driver.exists(state)).toBe(true);
  });

  it("keeps what an existing folder holds when created again", async () => {
    const state = await driver.create(buildContext().ctx, home);
    writeFileSync(join(state.outputs.path as string, "keep"), "data");
    const again = await driver.create(buildContext().ctx, home);
    expect(again).toEqual(state);
    expect(readFileSync(join(state.outputs.path as string, "keep"), "utf8")).toBe("data");
  });

  it("removes the folder and what it holds on destroy, idempotently", async () => {
    const state = await driver.create(buildContext().ctx, home);
    mkdirSync(join(state.outputs.path as string, "sub"));
    writeFileSync(join(state.outputs.path as string, "sub", "file"), "x");
    await driver.destroy(buildContext("stop").ctx, state);
    expect(existsSync(state.outputs.path as string)).toBe(false);
    expect(await driver.exists(state)).toBe(false);
    await driver.destroy(buildContext("stop").ctx, state);
  });

  it("removes the workspace's folder once a delete has removed its last resource", async () => {
    const state = await driver.create(buildContext().ctx, home);
    await driver.destroy(buildContext("delete").ctx, state);
    expect(existsSync(join(dataDir, "workspaces", WORKSPACE_ID))).toBe(false);
    expect(existsSync(join(dataDir, "workspaces"))).toBe(true);
  });

  it("refuses to remove anything outside the workspace's folder under <dataDir>/workspaces", async () => {
    const state = await driver.create(buildContext().ctx, home);
    const outside = join(base, "precious");
    mkdirSync(outside);
    const other = join(dataDir, "workspaces", "another-workspace", "home");
    mkdirSync(other, { recursive: true });
    const linkTarget = join(base, "linked");
    mkdirSync(join(linkTarget, "sub"), { recursive: true });
    symlinkSync(linkTarget, join(dataDir, "workspaces", WORKSPACE_ID, "link"));

    const forged = (path: string): ResourceState => ({ ...state, outputs: { path }, data: { path } });
    const { ctx } = buildContext("delete");
    await expect(driver.destroy(ctx, forged(outside))).rejects.toThrow(/refusing to remove .*precious: it is not inside/);
    await expect(driver.destroy(ctx, forged(join(dataDir, "workspaces", WORKSPACE_ID, "..", "..", "..", "precious")))).rejects.toThrow(/refusing to remove/);
    await expect(driver.destroy(ctx, forged(other))).rejects.toThrow(/refusing to remove/);
    await expect(driver.destroy(ctx, forged(join(dataDir, "workspaces", WORKSPACE_ID)))).rejects.toThrow(/refusing to remove/);
    // Through a symbolic link planted in the workspace's folder.
    await expect(driver.destroy(ctx, forged(join(dataDir, "workspaces", WORKSPACE_ID, "link", "sub")))).rejects.toThrow(/refusing to remove/);
    await expect(driver.destroy(ctx, forged("relative/path"))).rejects.toThrow(/refusing to remove/);
    expect(existsSync(outside)).toBe(true);
    expect(existsSync(other)).toBe(true);
    expect(existsSync(join(linkTarget, "sub"))).toBe(true);
    expect(existsSync(state.outputs.path as string)).toBe(true);
  });

  it("refuses names that are not a safe folder name, and settings it does not know", async () => {
    await expect(driver.create(buildContext().ctx, { ...home, name: "../escape" })).rejects.toThrow(/resource name "..\/escape" cannot be used as a folder name/);
    await expect(driver.create(buildContext("start", "../x").ctx, home)).rejects.toThrow(/workspace id "..\/x" cannot be used/);
    await expect(driver.create(buildContext().ctx, { ...home, settings: { size: "10G" } })).rejects.toThrow(/resource home: size: unknown setting "size"/);
    expect(driver.kinds.directory!.validate({ size: "10G" })).toEqual([{ path: "size", message: expect.stringMatching(/unknown setting "size"/) }]);
    expect(driver.kinds.directory!.validate({})).toEqual([]);
    expect(driver.kinds.directory!.defaultLifetime).toBe("persistent");
    expect(existsSync(join(base, "escape"))).toBe(false);
  });
});
