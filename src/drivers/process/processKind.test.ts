import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BuildContext, Driver, ResourceRequest, ResourceState } from "../driver.js";
import { createDriverRegistry } from "../registry.js";

const execFileAsync = promisify(execFile);
const WORKSPACE_ID = "6f1c2a34-0d1e-4b7a-9c55-3e2f0a1b2c3d";

let dataDir: string;
let driver: Driver;
// Every state any test recorded, destroyed after each test so that no process outlives the run.
let recorded: ResourceState[];

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "den-process-driver-"));
  driver = createDriverRegistry({ dataDir }).get("process");
  recorded = [];
});

afterEach(async () => {
  for (const state of recorded) await driver.destroy(buildContext().ctx, state);
  rmSync(dataDir, { recursive: true, force: true });
});

function buildContext(opts: { signal?: AbortSignal; onLog?: (text: string) => void } = {}) {
  const logs: string[] = [];
  const states: ResourceState[] = [];
  const ctx: BuildContext = {
    workspace: { id: WORKSPACE_ID, name: "dev", ownerId: "u1", ownerName: "alice", ownerEmail: "alice@example.com" },
    buildId: "b1",
    transition: "start",
    log: (level, text) => {
      logs.push(`${level}: ${text}`);
      opts.onLog?.(text);
    },
    signal: opts.signal ?? new AbortController().signal,
    recordState: async (state) => {
      states.push(state);
      recorded.push(state);
    },
  };
  return { ctx, logs, states };
}

function processRequest(settings: Record<string, unknown>): ResourceRequest {
  return { name: "box", kind: "process", lifetime: "ephemeral", settings };
}

/** Read independently of the driver's code: a pid runs unless /proc has no entry or shows a zombie. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\S+ \(.*\) [ZXx] /s.test(stat);
  } catch {
    return false;
  }
}

async function waitUntil(what: string, condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("process kind: create", () => {
  it("starts the command, records its state before returning, and streams its first lines to the build log", async () => {
    const { ctx, logs, states } = buildContext();
    const order: string[] = [];
    ctx.recordState = async (state) => {
      order.push(`recorded, running=${isRunning(state.outputs.pid as number)}`);
      states.push(state);
      recorded.push(state);
    };
    const state = await driver.create(ctx, processRequest({ command: ["sh", "-c", "echo hello-from-start; echo to-stderr > /dev/stderr; exec sleep 1000"] }));
    order.push("returned");

    expect(order).toEqual(["recorded, running=true", "returned"]);
    expect(states).toEqual([state]);
    expect(state).toMatchObject({ name: "box", driver: "process", kind: "process", lifetime: "ephemeral" });
    const pid = state.outputs.pid as number;
    expect(isRunning(pid)).toBe(true);
    expect(logs).toContain("info: hello-from-start");
    // Through a real pipe: on a socket pair (Node's own child pipes) this redirection fails with ENXIO.
    expect(logs).toContain("info: to-stderr");
    const logPath = join(dataDir, "workspaces", WORKSPACE_ID, ".logs", "box.log");
    expect(state.data.logPath).toBe(logPath);
    expect(readFileSync(logPath, "utf8")).toContain("hello-from-start\n");
    expect(await driver.exists(state)).toBe(true);
  });

  it("gives the command a minimal environment plus its env, and runs it in dir", async () => {
    const { ctx, logs } = buildContext();
    const home = join(dataDir, "workspaces", WORKSPACE_ID);
    const workdir = mkdtempSync(join(dataDir, "work-"));
    // The server's environment must not reach workspaces (DEN_* holds secrets).
    process.env.DEN_TEST_SECRET = "leaked";
    try {
      await driver.create(
        ctx,
        processRequest({
          command: ["sh", "-c", 'echo "home=$HOME custom=$CUSTOM secret=${DEN_TEST_SECRET:-unset} path=$PATH"; echo "cwd=$(pwd)"; exec sleep 1000'],
          env: { CUSTOM: "yes" },
          dir: workdir,
        }),
      );
    } finally {
      delete process.env.DEN_TEST_SECRET;
    }
    expect(logs).toContain(`info: home=${home} custom=yes secret=unset path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`);
    expect(logs).toContain(`info: cwd=${workdir}`);
  });

  it("fails with the exit code and the tail of the output when the command exits at once, leaving nothing running", async () => {
    const { ctx, states } = buildContext();
    const bgPidFile = join(dataDir, "bg.pid");
    const failing = driver.create(ctx, processRequest({ command: ["sh", "-c", `sleep 1000 & echo $! > ${bgPidFile}; echo boom-out; echo boom-err >&2; exit 3`] }));
    await expect(failing).rejects.toThrow(/exited with code 3[\s\S]*boom-out\nboom-err/);
    // The state was recorded, and what it names is gone, the child it left behind too.
    expect(states).toHaveLength(1);
    expect(isRunning(states[0]!.outputs.pid as number)).toBe(false);
    expect(isRunning(Number(readFileSync(bgPidFile, "utf8")))).toBe(false);
    expect(await driver.exists(states[0]!)).toBe(false);
  });

  it("fails when the command exits with 0 during the start window", async () => {
    const { ctx } = buildContext();
    await expect(driver.create(ctx, processRequest({ command: ["true"] }))).rejects.toThrow(/exited with code 0[\s\S]*must keep running/);
  });

  it("names the field when the command cannot run or the settings are wrong", async () => {
    const { ctx, states } = buildContext();
    await expect(driver.create(ctx, processRequest({ command: ["/nonexistent/den-test-program"] }))).rejects.toThrow(/command\.0: cannot run "\/nonexistent\/den-test-program"/);
    await expect(driver.create(ctx, processRequest({ command: ["sleep", "1000"], dir: join(dataDir, "missing") }))).rejects.toThrow(/dir: .*missing is not an existing directory/);
    await expect(driver.create(ctx, processRequest({ command: ["sleep", "1000"], grace_seconds: 301 }))).rejects.toThrow(/grace_seconds: must be from 0 to 300/);
    await expect(driver.create(ctx, processRequest({ command: [] }))).rejects.toThrow(/resource box: command: must not be empty/);
    expect(states).toEqual([]);
  });

  it("kills what it spawned and throws an AbortError when the build is canceled during the start", async () => {
    const controller = new AbortController();
    const { ctx, states } = buildContext({ signal: controller.signal, onLog: (text) => text === "starting" && controller.abort() });
    const creating = driver.create(ctx, processRequest({ command: ["sh", "-c", "echo starting; exec sleep 1000"] }));
    await expect(creating).rejects.toMatchObject({ name: "AbortError" });
    expect(states).toHaveLength(1);
    expect(isRunning(states[0]!.outputs.pid as number)).toBe(false);
    expect(await driver.exists(states[0]!)).toBe(false);
  });

  it("starts nothing when the build is already canceled", async () => {
    const controller = new AbortController();
    controller.abort();
    const { ctx, states } = buildContext({ signal: controller.signal });
    await expect(driver.create(ctx, processRequest({ command: ["sleep", "1000"] }))).rejects.toMatchObject({ name: "AbortError" });
    expect(states).toEqual([]);
  });
});

describe("process kind: destroy and exists", () => {
  it("stops the whole process group, a child the command forked too", async () => {
    const { ctx, logs } = buildContext();
    const state = await driver.create(ctx, processRequest({ command: ["sh", "-c", "sleep 1000 & echo child=$!; wait"] }));
    const child = Number(logs.find((l) => l.startsWith("info: child="))?.slice("info: child=".length));
    expect(isRunning(child)).toBe(true);

    const stop = buildContext();
    await driver.destroy(stop.ctx, state);
    expect(isRunning(state.outputs.pid as number)).toBe(false);
    expect(isRunning(child)).toBe(false);
    expect(stop.logs.some((l) => l.startsWith("warn: Killing"))).toBe(false);
    expect(await driver.exists(state)).toBe(false);
    // Idempotent: destroying what is gone is success.
    await driver.destroy(stop.ctx, state);
  });

  it("still sees, and then stops, children left running in the group after the command itself died", async () => {
    const { ctx, logs } = buildContext();
    const state = await driver.create(ctx, processRequest({ command: ["sh", "-c", "sleep 1000 & echo child=$!; wait"] }));
    const child = Number(logs.find((l) => l.startsWith("info: child="))?.slice("info: child=".length));
    const leader = state.outputs.pid as number;
    process.kill(leader, "SIGKILL");
    await waitUntil("the command has died", () => !isRunning(leader));
    expect(isRunning(child)).toBe(true);
    expect(await driver.exists(state)).toBe(true);
    await driver.destroy(buildContext().ctx, state);
    expect(isRunning(child)).toBe(false);
    expect(await driver.exists(state)).toBe(false);
  });

  it("lets the process handle SIGTERM, and keeps the output it writes while stopping", async () => {
    const { ctx } = buildContext();
    const state = await driver.create(ctx, processRequest({ command: ["sh", "-c", "trap 'echo got-sigterm; exit 0' TERM; echo up; sleep 1000 & wait"] }));
    await driver.destroy(buildContext().ctx, state);
    const logPath = state.data.logPath as string;
    // The log writer is a separate process; it writes the last output soon after the group ends.
    await waitUntil("the log has got-sigterm", () => readFileSync(logPath, "utf8").includes("got-sigterm\n"));
  });

  it("kills a process that ignores SIGTERM after its grace period", async () => {
    const { ctx } = buildContext();
    const state = await driver.create(ctx, processRequest({ command: ["sh", "-c", 'trap "" TERM; echo stubborn; while :; do sleep 1; done'], grace_seconds: 1 }));
    expect(state.data.graceSeconds).toBe(1);
    const stop = buildContext();
    await driver.destroy(stop.ctx, state);
    expect(isRunning(state.outputs.pid as number)).toBe(false);
    expect(stop.logs.some((l) => l.startsWith("warn: Killing process group") && l.includes("SIGKILL"))).toBe(true);
    expect(await driver.exists(state)).toBe(false);
  });

  it("neither sees nor signals a process whose start time does not match the record (a reused pid)", async () => {
    const { ctx } = buildContext();
    const state = await driver.create(ctx, processRequest({ command: ["sleep", "1000"] }));
    const impostor: ResourceState = { ...state, data: { ...state.data, startTime: "1" } };
    expect(await driver.exists(impostor)).toBe(false);
    await driver.destroy(buildContext().ctx, impostor);
    expect(isRunning(state.outputs.pid as number)).toBe(true);
    expect(await driver.exists(state)).toBe(true);
  });

  it("finds the process again from a new driver instance (a server restart) and destroys it", async () => {
    const { ctx } = buildContext();
    const state = await driver.create(ctx, processRequest({ command: ["sleep", "1000"] }));
    const restarted = createDriverRegistry({ dataDir }).get("process");
    const stored = JSON.parse(JSON.stringify(state)) as ResourceState;
    expect(await restarted.exists(stored)).toBe(true);
    await restarted.destroy(buildContext().ctx, stored);
    expect(isRunning(state.outputs.pid as number)).toBe(false);
    expect(await driver.exists(state)).toBe(false);
  });

  it("removes the workspace's logs when the workspace is deleted", async () => {
    const { ctx } = buildContext();
    const state = await driver.create(ctx, processRequest({ command: ["sleep", "1000"] }));
    const del = buildContext();
    del.ctx.transition = "delete";
    await driver.destroy(del.ctx, state);
    expect(existsSync(join(dataDir, "workspaces", WORKSPACE_ID))).toBe(false);
  });
});

describe("process kind: when the server that started it exits", () => {
  it("keeps running and logging, and a later driver finds and destroys it", async () => {
    // The creating "server" is a separate node process running the built driver (dist/, built by the test setup).
    const registryUrl = new URL("../../../dist/drivers/registry.js", import.meta.url).href;
    // It prints the state as it records it, so that the test can clean up even if the create fails.
    const script = `
      const { createDriverRegistry } = await import(process.argv[1]);
      const driver = createDriverRegistry({ dataDir: process.argv[2] }).get("process");
      const ctx = {
        workspace: { id: "${WORKSPACE_ID}", name: "dev", ownerId: "u1", ownerName: "alice", ownerEmail: "a@example.com" },
        buildId: "b1", transition: "start", log: () => {}, signal: new AbortController().signal,
        recordState: async (state) => { process.stdout.write(JSON.stringify(state) + "\\n"); },
      };
      await driver.create(ctx, { name: "ticker", kind: "process", lifetime: "ephemeral",
        settings: { command: ["sh", "-c", "i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.05; done"] } });
      process.exit(0);`;
    const creator = execFileAsync(process.execPath, ["--input-type=module", "-e", script, registryUrl, dataDir]);
    const stdout = await creator.then(
      (r) => r.stdout,
      (err: { stdout?: string }) => {
        for (const line of (err.stdout ?? "").split("\n").filter(Boolean)) recorded.push(JSON.parse(line) as ResourceState);
        throw err;
      },
    );
    const state = JSON.parse(stdout.trim()) as ResourceState;
    recorded.push(state);
    const logPath = state.data.logPath as string;
    const sizeWhenCreatorExited = statSync(logPath).size;

    // Its output does not go through the server, so it keeps reaching the log.
    await waitUntil("the log grows", () => statSync(logPath).size > sizeWhenCreatorExited);
    expect(await driver.exists(state)).toBe(true);
    await driver.destroy(buildContext().ctx, state);
    expect(isRunning(state.outputs.pid as number)).toBe(false);
  });
});
