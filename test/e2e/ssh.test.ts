import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocket } from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Workspace } from "../../src/sdk/schemas/workspaces.js";
import { agentPid, AgentWorkspaceEnv } from "../support/agentWorkspace.js";
import { TerminalSession } from "../support/cli.js";

/** A child should never take this long; the limit only keeps a hung one from outliving the test. */
const RUN_LIMIT_MS = 60_000;

let t: AgentWorkspaceEnv;
let ws: Workspace;
let home: string;
let sshConfig: string;
let scratch: string;

beforeAll(async () => {
  t = await AgentWorkspaceEnv.start();
  ws = await t.createReady("dev");
  home = String(ws.latest_build.resources.find((r) => r.name === "home")?.outputs.path);
  sshConfig = await t.sshConfig();
  scratch = mkdtempSync(join(tmpdir(), "den-ssh-test-"));
});

afterAll(async () => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  await t?.stop();
});

type Run = { code: number | null; stdout: string; stderr: string };

/** Runs a program (ssh, scp, …) with the sandbox's HOME; stdin gets `input` and is then closed. */
function run(file: string, args: string[], input = "", env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(file, args, { env: t.cli.env(env), timeout: RUN_LIMIT_MS });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  // A program that exits without reading its input (ssh … true) closes the pipe: not an error here.
  child.stdin.on("error", () => undefined);
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const ssh = (...args: string[]) => run("ssh", ["-F", sshConfig, ...args]);

function sha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(path).on("data", (c) => hash.update(c)).on("end", () => resolve(hash.digest("hex"))).on("error", reject);
  });
}

function randomFile(name: string, mib: number): string {
  const path = join(scratch, name);
  writeFileSync(path, randomBytes(mib * 1024 * 1024));
  return path;
}

/** A loopback server that answers every connection with the sha256 of what it received, then closes. */
async function hashingServer(): Promise<Server> {
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    const hash = createHash("sha256");
    socket.on("data", (c) => hash.update(c));
    socket.on("end", () => socket.end(hash.digest("hex")));
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

/** Sends `data` to host:port, ends its side, and answers what came back. */
function exchange(port: number, data: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    let answer = "";
    socket.on("data", (c: Buffer) => (answer += c.toString()));
    socket.on("end", () => {
      socket.end();
      resolve(answer);
    });
    socket.on("error", reject);
    socket.on("connect", () => socket.end(data));
  });
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

describe("OpenSSH through den config-ssh", () => {
  it("writes a Host den.<ws> entry, keeps the rest of the file, and is idempotent", async () => {
    const text = readFileSync(sshConfig, "utf8");
    expect(text.startsWith("# mine\n")).toBe(true);
    expect(text).toContain("Host den.dev\n");
    const again = await t.den(["config-ssh", "--ssh-config-file", sshConfig, "--yes"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("is up to date");
    expect(readFileSync(sshConfig, "utf8")).toBe(text);
  });

  it("shows the change with --dry-run, asks on a terminal, and drops deleted workspaces", async () => {
    const path = join(scratch, "config-prompt");
    writeFileSync(path, "Host other\n  User me\n");
    const temp = await t.api.createAndSettle(t.alice.token, { name: "temp", template_id: t.templateIds.reach });
    const dry = await t.den(["config-ssh", "--ssh-config-file", path, "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain("+ Host den.temp\n");
    expect(readFileSync(path, "utf8")).toBe("Host other\n  User me\n");
    expect(await t.den(["config-ssh", "--ssh-config-file", path])).toMatchObject({ code: 1, stderr: expect.stringContaining("pass --yes") });

    const term = new TerminalSession(t.cli.argv(["config-ssh", "--ssh-config-file", path]), t.cli.env());
    try {
      await term.expect(`Update ${path}? [y/N]`);
      term.type("y");
      expect(await term.exit()).toBe(0);
    } finally {
      term.kill();
    }
    const written = readFileSync(path, "utf8");
    expect(written.startsWith("Host other\n  User me\n\n# ------------START-DEN-----------\n")).toBe(true);
    expect(written).toContain("Host den.temp\n");

    await t.api.settle(t.alice.token, await t.api.build(t.alice.token, temp.id, { transition: "delete" }));
    expect(await t.den(["config-ssh", "--ssh-config-file", path, "--yes"])).toMatchObject({ code: 0 });
    const after = readFileSync(path, "utf8");
    expect(after).not.toContain("den.temp");
    expect(after).toContain("Host den.dev\n");
    expect(after.startsWith("Host other\n  User me\n\n")).toBe(true);
  });

  it("runs a command: ssh den.dev echo ok", async () => {
    expect(await ssh("den.dev", "echo", "ok")).toMatchObject({ code: 0, stdout: "ok\n" });
  });

  it("passes the exit code and stderr through", async () => {
    expect(await ssh("den.dev", "echo oops >&2; exit 5")).toMatchObject({ code: 5, stderr: "oops\n" });
  });

  it("gives a remote terminal (ssh -tt): a shell with a PTY", async () => {
    const res = await ssh("-tt", "den.dev", "tty; echo den-$((6*7)); exit 4");
    expect(res.code, res.stderr).toBe(4);
    expect(res.stdout).toMatch(/^\/dev\/pts\/\d+\r?\n/);
    expect(res.stdout).toContain("den-42");
  });

  it("copies 50 MiB both ways with scp, checksums equal", async () => {
    const local = randomFile("up.bin", 50);
    const up = await run("scp", ["-F", sshConfig, local, `den.dev:${home}/up.bin`]);
    expect(up.code, up.stderr).toBe(0);
    expect(await sha256(join(home, "up.bin"))).toBe(await sha256(local));
    const back = join(scratch, "down.bin");
    const down = await run("scp", ["-F", sshConfig, `den.dev:${home}/up.bin`, back]);
    expect(down.code, down.stderr).toBe(0);
    expect(await sha256(back)).toBe(await sha256(local));
  });

  it("runs an sftp batch", async () => {
    const local = randomFile("sftp.bin", 1);
    const batch = join(scratch, "batch");
    writeFileSync(batch, [`mkdir ${home}/sftpdir`, `put ${local} ${home}/sftpdir/a.bin`, `ls ${home}/sftpdir`, `get ${home}/sftpdir/a.bin ${scratch}/b.bin`, `rm ${home}/sftpdir/a.bin`, `rmdir ${home}/sftpdir`].join("\n") + "\n");
    const res = await run("sftp", ["-F", sshConfig, "-b", batch, "den.dev"]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain("a.bin");
    expect(await sha256(join(scratch, "b.bin"))).toBe(await sha256(local));
  });

  it("syncs a tree with rsync -e ssh", async () => {
    const src = join(scratch, "tree");
    mkdirSync(join(src, "sub"), { recursive: true });
    writeFileSync(join(src, "a.txt"), "alpha\n");
    writeFileSync(join(src, "sub", "b.txt"), "beta\n");
    const res = await run("rsync", ["-a", "-e", `ssh -F ${sshConfig}`, `${src}/`, `den.dev:${home}/tree/`]);
    expect(res.code, res.stderr).toBe(0);
    expect(readFileSync(join(home, "tree", "sub", "b.txt"), "utf8")).toBe("beta\n");
    expect(readFileSync(join(home, "tree", "a.txt"), "utf8")).toBe("alpha\n");
  });

  it("moves data through ssh -L", async () => {
    const target = await hashingServer();
    const local = await freePort();
    const child = spawn("ssh", ["-F", sshConfig, "-o", "ExitOnForwardFailure=yes", "-L", `${local}:127.0.0.1:${portOf(target)}`, "den.dev", "echo ready; sleep 60"], { env: t.cli.env(), timeout: RUN_LIMIT_MS });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (c: Buffer) => c.toString().includes("ready") && resolve());
        child.on("close", (code) => reject(new Error(`ssh -L exited with ${code}`)));
      });
      const data = randomBytes(4 * 1024 * 1024);
      expect(await exchange(local, data)).toBe(createHash("sha256").update(data).digest("hex"));
    } finally {
      child.kill();
      target.close();
    }
  });

  it("moves data through ssh -R", async () => {
    const target = await hashingServer();
    const remote = await freePort();
    const child = spawn("ssh", ["-F", sshConfig, "-o", "ExitOnForwardFailure=yes", "-N", "-R", `${remote}:127.0.0.1:${portOf(target)}`, "den.dev"], { env: t.cli.env(), timeout: RUN_LIMIT_MS });
    try {
      const data = randomBytes(4 * 1024 * 1024);
      // No event says when the workspace listens: try with a deadline.
      const deadline = Date.now() + 20_000;
      let answer = "";
      for (;;) {
        answer = await exchange(remote, data).catch(() => "");
        if (answer || Date.now() > deadline || child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(answer).toBe(createHash("sha256").update(data).digest("hex"));
    } finally {
      child.kill();
      target.close();
    }
  });
});

describe("den ssh", () => {
  it("opens an interactive shell on a terminal, and passes its exit code", async () => {
    const term = new TerminalSession(t.cli.argv(["ssh", "dev"]), t.cli.env({ TERM: "xterm" }));
    try {
      term.type("echo den-$((6*7))");
      await term.expect("den-42");
      term.type("exit 6");
      expect(await term.exit()).toBe(6);
    } finally {
      term.kill();
    }
  });

  it("runs a command with its exit code, stdin and stderr passed through", async () => {
    expect(await t.den(["ssh", "dev", "--", "sh", "-c", "exit 3"])).toMatchObject({ code: 3 });
    expect(await t.den(["ssh", "dev", "--", "echo", "ok"])).toMatchObject({ code: 0, stdout: "ok\n" });
    expect(await t.den(["ssh", "dev", "--", "tr a-z A-Z; echo err >&2"], { input: "hello\n" })).toMatchObject({ code: 0, stdout: "HELLO\n", stderr: "err\n" });
  });

  it("waits for a workspace that is still starting, then runs the command", async () => {
    const fresh = await t.api.create(t.alice.token, { name: "fresh", template_id: t.templateIds.reach });
    expect(["pending", "starting"]).toContain(fresh.status);
    // The start script writes setup.txt and blocks login: the file is there when the command runs.
    const res = await t.den(["ssh", "fresh", "--", "cat", "setup.txt"]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain("set up\n");
  });

  it("forwards the local SSH agent with -A", async () => {
    const sock = join(scratch, "agent.sock");
    const agent = spawn("ssh-agent", ["-D", "-a", sock], { stdio: "ignore" });
    try {
      // ssh-agent -D says nothing when it listens: wait for its socket with a deadline.
      const deadline = Date.now() + 10_000;
      while (!existsSync(sock) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const key = join(scratch, "id_test");
      expect((await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "den-forwarded-key", "-f", key])).code).toBe(0);
      const env = { SSH_AUTH_SOCK: sock };
      expect((await t.cli.run(["ssh", "dev", "--", "true"], { env })).code).toBe(0);
      expect((await run("ssh-add", [key], "", env)).code).toBe(0);
      const listed = await t.den(["ssh", "-A", "dev", "--", "ssh-add -l"], { env });
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toContain("den-forwarded-key");
      const without = await t.den(["ssh", "dev", "--", "ssh-add -l"], { env });
      expect(without.stdout).not.toContain("den-forwarded-key");
    } finally {
      agent.kill();
    }
  });

  it("prints the VS Code link of a workspace's folder", async () => {
    expect(await t.den(["open", "vscode", "dev", "--no-open"])).toMatchObject({ code: 0, stdout: `vscode://vscode-remote/ssh-remote+den.dev${home}\n` });
    expect(await t.den(["open", "vscode", "dev", "--no-open", "--dir", "/srv/my app"])).toMatchObject({ code: 0, stdout: "vscode://vscode-remote/ssh-remote+den.dev/srv/my%20app\n" });
  });

  it("answers one line for an unknown workspace, agent or bad flag", async () => {
    for (const args of [["ssh", "nope"], ["ssh", "dev.other"], ["ssh", "dev", "-L", "80"], ["port-forward", "dev", "--udp", "x:53"]]) {
      const res = await t.den(args);
      expect(res.code, args.join(" ")).toBe(1);
      expect(res.stderr.trim().split("\n"), res.stderr).toHaveLength(1);
    }
  });

  it("does not let another user in: the same 404 as a missing agent", async () => {
    const res = await t.cli.run(["--token", t.bob.token, "ssh", "alice/dev", "--", "true"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^den: alice has no workspace \(that you may see\) named "dev"/);
    const agentId = ws.agents[0]!.id;
    const closed = await new Promise<{ code: number; reason: string }>((resolve, reject) => {
      const socket = new WebSocket(`${t.env.url.replace("http", "ws")}/api/v2/workspaceagents/${agentId}/ssh`, { headers: { "Den-Session-Token": t.bob.token } });
      socket.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
      socket.on("error", reject);
    });
    expect(closed.code).toBe(4404);
  });
});

describe("the agent's lifecycle as den ssh sees it", () => {
  it("logs in with a warning after a start script failed (start_error)", async () => {
    const broken = await t.createReady("broken", "failing");
    expect(broken.agents[0]).toMatchObject({ status: "connected", lifecycle_state: "start_error" });
    const res = await t.den(["ssh", "broken", "--", "echo", "in"]);
    expect(res).toMatchObject({ code: 0, stdout: "in\n" });
    expect(res.stderr).toMatch(/^warning: the start scripts of agent main failed \(start_error\)/);
  });

  it("shows a killed agent as disconnected, and den ssh --wait=no says so in one line", async () => {
    const victim = await t.createReady("victim");
    process.kill(agentPid(victim), "SIGKILL");
    await t.waitForAgent(victim.id, (a) => a.status === "disconnected");
    const res = await t.den(["ssh", "victim", "--wait=no", "--", "true"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe("den: agent main of alice/victim is disconnected\n");
  });

  it("works again after the server restarts and the agent reconnects", async () => {
    const before = (await t.api.get(t.alice.token, ws.id)).agents[0]!;
    await t.restartServer();
    await t.waitForAgent(ws.id, (a) => a.status === "connected" && a.last_connected_at !== before.last_connected_at);
    expect(await t.den(["ssh", "dev", "--", "echo", "back"])).toMatchObject({ code: 0, stdout: "back\n" });
    expect(await ssh("den.dev", "echo", "ok")).toMatchObject({ code: 0, stdout: "ok\n" });
  });
});
