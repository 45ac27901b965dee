import ssh2, { type ClientChannel } from "ssh2";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { hasCommand, requirePrerequisite } from "../../../test/support/prerequisites.js";
import { generateHostKey } from "./serveSshConnection.js";
import { eventually, startTestSshHost, TEST_HOST, waitForOutput, type TestSshHost } from "./startTestSshHost.js";

const hasSsh = requirePrerequisite("ssh (openssh-client)", hasCommand("ssh"), "apt-get install openssh-client");

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** An ssh2 client, for what OpenSSH cannot be told to do without a terminal: window changes and signals. */
function connectSsh2(port: number): Promise<ssh2.Client> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client.once("ready", () => {
      client.on("error", () => undefined);
      resolve(client);
    });
    client.once("error", reject);
    client.connect({ host: "127.0.0.1", port, username: "anyone" });
  });
}

function channelOutput(channel: ClientChannel, pattern: RegExp): Promise<string> {
  let seen = "";
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      seen += chunk.toString("utf8");
      if (!pattern.test(seen)) return;
      channel.off("data", onData);
      resolve(seen);
    };
    channel.on("data", onData);
  });
}

describe("generateHostKey", () => {
  it("makes a new ed25519 key in OpenSSH format each time", () => {
    const a = generateHostKey();
    expect(a).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    expect(ssh2.utils.parseKey(a)).toMatchObject({ type: "ssh-ed25519" });
    expect(generateHostKey()).not.toBe(a);
  });
});

describe.runIf(hasSsh)("serveSshConnection with OpenSSH", () => {
  let host: TestSshHost;
  let ssh2Client: ssh2.Client | undefined;
  beforeAll(async () => {
    host = await startTestSshHost();
  });
  afterEach(() => {
    ssh2Client?.end();
    ssh2Client = undefined;
  });
  afterAll(() => host.close());

  it("runs a command and passes its output, errors and exit status through", async () => {
    expect(await host.ssh([TEST_HOST, "echo ok"])).toMatchObject({ code: 0, stdout: "ok\n" });
    expect(await host.ssh([TEST_HOST, "exit 7"])).toMatchObject({ code: 7 });
    expect(await host.ssh([TEST_HOST, "echo oops >&2; false"])).toMatchObject({ code: 1, stdout: "", stderr: "oops\n" });
  });

  it("gives stdin to the command and ends it on the client's EOF", async () => {
    const run = await host.ssh([TEST_HOST, "wc -c"], { input: "x".repeat(100_000) });
    expect(run).toMatchObject({ code: 0, stdout: "100000\n" });
  });

  it("starts in the workspace directory with the session env, SendEnv/SetEnv over it, and no agent credentials", async () => {
    process.env.DEN_AGENT_TOKEN = "agent-secret";
    try {
      const run = await host.ssh(["-o", "SetEnv=FROM_SETENV=set DEN_WORKSPACE_NAME=overridden", "-o", "SendEnv=FROM_SENDENV", TEST_HOST, 'pwd; echo "$DEN|$FROM_SETENV|$FROM_SENDENV|$DEN_WORKSPACE_NAME|${DEN_AGENT_TOKEN-unset}|${SSH_AUTH_SOCK-unset}"'], {
        env: { FROM_SENDENV: "sent", SSH_AUTH_SOCK: "/nonexistent/agent.sock" },
      });
      expect(run).toMatchObject({ code: 0, stdout: `${host.home}\ntrue|set|sent|overridden|unset|unset\n` });
    } finally {
      delete process.env.DEN_AGENT_TOKEN;
    }
  });

  it("runs an interactive login shell on a PTY driven by stdin", async () => {
    const run = await host.ssh(["-tt", TEST_HOST], { input: "echo den-$((6*7)) $TERM; tty; exit\n", env: { TERM: "xterm-256color" } });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("den-42 xterm-256color");
    expect(run.stdout).toMatch(/\/dev\/pts\/\d+/);
  });

  it("runs a login shell without a PTY when the client asks for none", async () => {
    const run = await host.ssh(["-T", TEST_HOST], { input: "shopt -q login_shell && echo login-shell; tty || true\n" });
    expect(run).toMatchObject({ code: 0, stdout: "login-shell\nnot a tty\n" });
  });

  it("reports VS Code Remote-SSH sessions as vscode and others as ssh, and their end", async () => {
    const before = host.sessionTypes.length;
    await host.ssh([TEST_HOST, "echo ~/.vscode-server/bin >/dev/null"]);
    await host.ssh([TEST_HOST, "true"]);
    expect(host.sessionTypes.slice(before)).toEqual(["vscode", "ssh"]);
    await eventually(() => host.openSessions() === 0, "every session reported its end");
  });

  it("resizes the PTY on window-change", async () => {
    ssh2Client = await connectSsh2(host.port);
    const shell = await new Promise<ClientChannel>((resolve, reject) =>
      ssh2Client?.shell({ term: "xterm", rows: 24, cols: 80 }, (err, channel) => (err ? reject(err) : resolve(channel))),
    );
    shell.write("stty size\n");
    await channelOutput(shell, /\b24 80\r\n/);
    shell.setWindow(50, 132, 0, 0);
    const after = channelOutput(shell, /\b50 132\r\n/);
    shell.write("stty size\n");
    await after;
    const closed = new Promise((resolve) => shell.once("close", resolve));
    shell.end("exit\n");
    await closed;
  });

  it("forwards signal requests and reports exit-signal", async () => {
    ssh2Client = await connectSsh2(host.port);
    const exec = (command: string) =>
      new Promise<ClientChannel>((resolve, reject) => ssh2Client?.exec(command, (err, channel) => (err ? reject(err) : resolve(channel))));
    const exitOf = (channel: ClientChannel) =>
      new Promise<unknown[]>((resolve) => {
        channel.on("exit", (...args: unknown[]) => resolve(args));
        channel.resume();
      });

    const sleeper = await exec("echo started; exec sleep 30");
    const started = channelOutput(sleeper, /started/);
    const sleeperExit = exitOf(sleeper);
    await started;
    sleeper.signal("TERM");
    // ssh2 sends the name without "SIG" as RFC 4254 wants, and its client adds it back.
    expect((await sleeperExit).slice(0, 2)).toEqual([null, "SIGTERM"]);

    const killed = await exec("kill -KILL $$");
    expect((await exitOf(killed)).slice(0, 2)).toEqual([null, "SIGKILL"]);
  });

  it.each([
    ["with a PTY", ["-tt"]],
    ["without a PTY", ["-T"]],
  ])("hangs up the session's processes %s when the connection drops", async (_name, flags) => {
    const client = host.spawn("ssh", ["-F", host.configPath, ...flags, TEST_HOST, "echo pid=$$; exec sleep 1000"]);
    const [, pid] = await waitForOutput(client, "stdout", /pid=(\d+)/);
    expect(processExists(Number(pid))).toBe(true);
    client.kill("SIGKILL");
    await eventually(() => !processExists(Number(pid)), `sleep (pid ${pid}) was hung up`);
  });

  it("refuses subsystems other than sftp", async () => {
    const run = await host.ssh(["-s", TEST_HOST, "no-such-subsystem"]);
    expect(run.code).not.toBe(0);
  });
});

describe.runIf(hasSsh)("serveSshConnection when the workspace directory is missing", () => {
  let host: TestSshHost;
  beforeAll(async () => {
    host = await startTestSshHost({ directory: "/nonexistent/den-workspace" });
  });
  afterAll(() => host.close());

  it("starts in the user's home with a warning instead of failing the session", async () => {
    const run = await host.ssh([TEST_HOST, "pwd"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^den: could not use \/nonexistent\/den-workspace as the working directory; starting in (\S+)\n$/);
    expect(run.stdout).toBe(`${run.stderr.match(/starting in (\S+)/)?.[1]}\n`);
  });
});
