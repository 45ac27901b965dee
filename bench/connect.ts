// `npm run bench:connect [-- --size-mib N --runs N]`: how fast one gets into a
// process-driver workspace, each figure against a baseline measured in the same
// run: `ssh den.ws true` vs `ssh` to a local OpenSSH sshd, port-forward
// throughput vs a direct loopback copy, scp via Den vs via the sshd, PTY
// keystroke echo, agent RSS. Prints figures; asserts nothing.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { WebSocket } from "ws";
import { startDenServer, type DenServerProcess } from "../test/support/startDenServer.js";
import { call, percentile, pushTemplate, sleep, timed, type Api } from "./benchApi.js";

const root = join(import.meta.dirname, "..");
const DEN = join(root, "bin", "den");
const SSHD = "/usr/sbin/sshd";
const MIB = 1024 * 1024;
const { values: flags } = parseArgs({ options: { "size-mib": { type: "string", default: "1024" }, runs: { type: "string", default: "20" } } });
const SIZE_MIB = Number(flags["size-mib"]);
const RUNS = Number(flags.runs);
const print = (line: string) => process.stdout.write(line + "\n");

const TEMPLATE = `name: bench-connect
resources:
  home: {driver: process, kind: directory, lifetime: persistent}
  box:
    driver: process
    kind: process
    lifetime: ephemeral
    command: ["sleep", "infinity"]
    env: {HOME: "\${{ resources.home.path }}"}
agents:
  main:
    resource: box
    dir: "\${{ resources.home.path }}"
`;

type Ws = { id: string; status: string; agents: Array<{ id: string; status: string; lifecycle_state: string }>; latest_build: { resources: Array<{ name: string; outputs: Record<string, unknown> }> } };



/** The sshd baseline needs the server package; install it only when it is missing. */
function preflight(): void {
  if (existsSync(SSHD)) return;
  if (process.getuid?.() !== 0) throw new Error(`${SSHD} is missing: run as root \`apt-get install -y --no-install-recommends openssh-server\``);
  print("bench:connect: installing openssh-server for the sshd baseline (apt-get)…");
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "openssh-server"], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** A local OpenSSH sshd on loopback, keys in `dir`; answers the ssh_config lines that reach it. */
async function startSshd(dir: string): Promise<{ child: ChildProcess; config: string }> {
  mkdirSync("/run/sshd", { recursive: true });
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "host_key")]);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "client_key")]);
  writeFileSync(join(dir, "authorized_keys"), readFileSync(join(dir, "client_key.pub")));
  const port = await freePort();
  const sftp = ["/usr/lib/openssh/sftp-server", "/usr/libexec/sftp-server"].find(existsSync) ?? "internal-sftp";
  writeFileSync(
    join(dir, "sshd_config"),
    [`Port ${port}`, "ListenAddress 127.0.0.1", `HostKey ${join(dir, "host_key")}`, `AuthorizedKeysFile ${join(dir, "authorized_keys")}`, "StrictModes no", "UsePAM no", "PasswordAuthentication no", `PidFile ${join(dir, "sshd.pid")}`, `Subsystem sftp ${sftp}`].join("\n") + "\n",
  );
  const child = spawn(SSHD, ["-D", "-e", "-f", join(dir, "sshd_config")], { stdio: ["ignore", "ignore", "pipe"] });
  // sshd prints nothing when ready: poll the port with a deadline.
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error("sshd did not start");
    await sleep(20);
  }
  const config = ["Host baseline", "  HostName 127.0.0.1", `  Port ${port}`, `  User ${userInfo().username}`, `  IdentityFile ${join(dir, "client_key")}`, "  StrictHostKeyChecking no", "  UserKnownHostsFile /dev/null", "  LogLevel ERROR", ""].join("\n");
  return { child, config };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

function run(file: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ["ignore", "ignore", "inherit"] });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(code) : reject(new Error(`${file} ${args.join(" ")} exited with ${code}`))));
  });
}


/** A server that swallows what it gets and says how many bytes when the sender ends. */
async function sink(): Promise<Server> {
  const server = createServer({ allowHalfOpen: true }, (s) => {
    let n = 0;
    s.on("data", (c: Buffer) => (n += c.length));
    s.on("end", () => s.end(String(n)));
    s.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

/** Sends `mib` MiB to port and answers MB/s (10^6 bytes) until the receiver confirmed them all. */
function throughput(port: number, mib: number): Promise<number> {
  const chunk = Buffer.alloc(MIB, 7);
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const s = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    let answer = "";
    s.on("data", (c: Buffer) => (answer += c.toString()));
    s.on("end", () => {
      s.end();
      if (Number(answer) !== mib * MIB) return reject(new Error(`the receiver got ${answer} bytes of ${mib * MIB}`));
      resolve((mib * MIB) / 1e6 / ((performance.now() - t) / 1000));
    });
    s.on("error", reject);
    let left = mib;
    const pump = () => {
      while (left > 0) {
        left--;
        if (!s.write(chunk)) return void s.once("drain", pump);
      }
      s.end();
    };
    s.on("connect", pump);
  });
}

/** Keystroke echo through the PTY WebSocket: `cat` on a terminal echoes each key. */
async function ptyEcho(api: Api, agentId: string, keys: number): Promise<number[]> {
  const url = `${api.url.replace("http", "ws")}/api/v2/workspaceagents/${agentId}/pty?reconnect=${randomUUID()}&width=80&height=24&command=cat`;
  const ws = new WebSocket(url, { headers: { "Den-Session-Token": api.token }, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => ws.once("open", () => resolve()).once("error", reject));
  let output = "";
  let wake: (() => void) | undefined;
  ws.on("message", (d: Buffer) => {
    output += d.toString();
    wake?.();
  });
  const waitFor = (text: string) => new Promise<void>((resolve) => {
    const check = () => output.includes(text) && (output = "", (wake = undefined), resolve());
    wake = check;
    check();
  });
  ws.send(JSON.stringify({ data: "ready\r" }));
  await waitFor("ready");
  const times: number[] = [];
  for (let i = 0; i < keys; i++) {
    const key = String.fromCharCode(97 + (i % 26));
    const t = performance.now();
    ws.send(JSON.stringify({ data: key }));
    await waitFor(key);
    times.push(performance.now() - t);
  }
  ws.send(JSON.stringify({ data: "\x04\x04" }));
  ws.close();
  return times;
}

function agentPid(ws: Ws): number {
  const box = Number(ws.latest_build.resources.find((r) => r.name === "box")?.outputs.pid);
  const group = (pid: number) => readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ")[2];
  const want = group(box);
  for (const name of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      if (group(Number(name)) !== want) continue;
      const argv = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0");
      if (argv.includes("agent")) return Number(name);
    } catch {
      // The process ended while we looked.
    }
  }
  throw new Error("no agent process found");
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

async function main(): Promise<void> {
  preflight();
  execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], { stdio: "inherit" });
  const dir = mkdtempSync(join(tmpdir(), "den-bench-connect-"));
  let server: DenServerProcess | undefined;
  let sshd: ChildProcess | undefined;
  const children: ChildProcess[] = [];
  let cleanup: (() => Promise<void>) | undefined;
  try {
    server = await startDenServer(["--data-dir", join(dir, "data"), "--http-address", "127.0.0.1:0", "--prometheus-address", "", "--log-level", "warn", "--api-rate-limit", "0", "--login-rate-limit", "0"]);
    const account = { username: "bench", email: "bench@example.com", password: "bench-password-1" };
    const anon: Api = { url: server.url, token: "" };
    await call(anon, "POST", "/users/first", account);
    const { session_token } = await call<{ session_token: string }>(anon, "POST", "/users/login", { email: account.email, password: account.password });
    const api: Api = { url: server.url, token: session_token };
    const configDir = join(dir, "den-config");
    mkdirSync(configDir, { recursive: true });
    writeFileSync(join(configDir, "url"), server.url + "\n");
    writeFileSync(join(configDir, "session"), session_token + "\n");

    const templateId = await pushTemplate(api, "bench-connect", TEMPLATE, dir);
    let ws = await call<Ws>(api, "POST", "/users/me/workspaces", { name: "ws", template_id: templateId });
    while (!((ws = await call<Ws>(api, "GET", `/workspaces/${ws.id}`)).agents[0]?.lifecycle_state === "ready")) await sleep(50);
    const agent = ws.agents[0]!;
    const wsId = ws.id;
    cleanup = async () => {
      await call(api, "POST", `/workspaces/${wsId}/builds`, { transition: "delete" });
      while ((await fetch(`${api.url}/api/v2/workspaces/${wsId}`, { headers: { "Den-Session-Token": api.token } })).status !== 404) await sleep(50);
    };
    const home = String(ws.latest_build.resources.find((r) => r.name === "home")?.outputs.path);

    // Idle: connected and ready, no session opened yet.
    const pid = agentPid(ws);
    await sleep(2000);
    const idle = rssMb(pid);

    const sshConfig = join(dir, "ssh_config");
    execFileSync(process.execPath, [DEN, "--global-config", configDir, "config-ssh", "--ssh-config-file", sshConfig, "--yes"], { stdio: "ignore" });
    const baseline = await startSshd(dir);
    sshd = baseline.child;
    writeFileSync(sshConfig, readFileSync(sshConfig, "utf8") + "\n" + baseline.config);
    const ssh = (host: string, ...args: string[]) => run("ssh", ["-F", sshConfig, host, ...args]);

    // 1. ssh host true, alternating so that both see the same machine load.
    const viaDen: number[] = [];
    const viaSshd: number[] = [];
    await ssh("den.ws", "true");
    await ssh("baseline", "true");
    for (let i = 0; i < RUNS; i++) {
      viaDen.push(await timed(() => ssh("den.ws", "true")));
      viaSshd.push(await timed(() => ssh("baseline", "true")));
    }
    print(`ssh den.ws true: p50 ${percentile(viaDen, 50).toFixed(0)} ms, p95 ${percentile(viaDen, 95).toFixed(0)} ms | local sshd: p50 ${percentile(viaSshd, 50).toFixed(0)} ms, p95 ${percentile(viaSshd, 95).toFixed(0)} ms | ratio p50 ${(percentile(viaDen, 50) / percentile(viaSshd, 50)).toFixed(2)}x (target <= 1.2x)`);

    // 2. port-forward throughput vs a direct loopback copy.
    const target = await sink();
    const targetPort = (target.address() as AddressInfo).port;
    const local = await freePort();
    const fwd = spawn(process.execPath, [DEN, "--global-config", configDir, "port-forward", "ws", "--tcp", `${local}:${targetPort}`], { stdio: ["ignore", "pipe", "inherit"] });
    children.push(fwd);
    await new Promise<void>((resolve) => fwd.stdout!.once("data", () => resolve()));
    const direct = await throughput(targetPort, SIZE_MIB);
    const forwarded = await throughput(local, SIZE_MIB);
    print(`port-forward ${SIZE_MIB} MiB: ${forwarded.toFixed(0)} MB/s | direct loopback: ${direct.toFixed(0)} MB/s | ratio ${(forwarded / direct).toFixed(2)}x (target >= 0.5x)`);
    fwd.kill("SIGINT");
    target.close();

    // 3. scp of SIZE_MIB via Den vs via the local sshd.
    const big = join(dir, "big.bin");
    execFileSync("dd", ["if=/dev/urandom", `of=${big}`, "bs=1M", `count=${SIZE_MIB}`, "status=none"]);
    const scpDen = await timed(() => run("scp", ["-F", sshConfig, big, `den.ws:${home}/big.bin`]));
    const scpSshd = await timed(() => run("scp", ["-F", sshConfig, big, `baseline:${join(dir, "big-copy.bin")}`]));
    const mbps = (ms: number) => (SIZE_MIB * MIB) / 1e6 / (ms / 1000);
    print(`scp ${SIZE_MIB} MiB up: via Den ${mbps(scpDen).toFixed(0)} MB/s (${(scpDen / 1000).toFixed(1)} s) | via sshd ${mbps(scpSshd).toFixed(0)} MB/s (${(scpSshd / 1000).toFixed(1)} s) | ratio ${(scpSshd / scpDen).toFixed(2)}x (target >= 0.5x)`);
    rmSync(join(home, "big.bin"), { force: true });
    rmSync(big, { force: true });

    // 4. PTY keystroke echo through the server's PTY WebSocket.
    const echo = await ptyEcho(api, agent.id, 300);
    print(`PTY keystroke echo (300 keys): p50 ${percentile(echo, 50).toFixed(2)} ms, p99 ${percentile(echo, 99).toFixed(2)} ms (target p99 < 10 ms)`);

    // 5. agent RSS idle and with 10 SSH sessions open.
    const sessions = Array.from({ length: 10 }, () => spawn("ssh", ["-F", sshConfig, "den.ws", "echo up; sleep 600"], { stdio: ["ignore", "pipe", "inherit"] }));
    children.push(...sessions);
    await Promise.all(sessions.map((s) => new Promise<void>((resolve) => s.stdout!.once("data", () => resolve()))));
    const busy = rssMb(pid);
    print(`agent RSS: idle ${idle.toFixed(1)} MB (before any session), with 10 SSH sessions open (after the runs above) ${busy.toFixed(1)} MB (target idle <= 60 MB)`);
  } finally {
    for (const c of children) c.kill("SIGKILL");
    sshd?.kill();
    // Leave no workspace process behind: delete it through the provisioner.
    await cleanup?.().catch((err: unknown) => print(`cleanup: ${(err as Error).message}`));
    await server?.stop("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
