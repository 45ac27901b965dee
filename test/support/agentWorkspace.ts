import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { CliConfig } from "../../src/cli/cliConfig.js";
import type { Workspace, WorkspaceAgent } from "../../src/sdk/schemas/workspaces.js";
import { readProcStatSync } from "../../src/drivers/process/procStat.js";
import { systemClock } from "../../src/server/clock.js";
import { createServer } from "../../src/server/createServer.js";
import { createFirstOwner, createTestUser, type TestUser } from "../../src/server/users/testUsers.js";
import { CliSandbox, startListeningTestServer, type CliRun, type ListeningTestServer, type ListeningTestServerOptions } from "./cli.js";
import { JobWatcher } from "./jobWatcher.js";
import { createTestTemplate } from "./templates.js";
import type { TestServer } from "./testServer.js";
import { killRecordedProcesses, pidOf, WorkspaceTestApi } from "./workspaces.js";

/** A home directory kept across stops, a process the agent runs in, and a start script that blocks login. */
export const AGENT_TEMPLATE = `
name: reach
resources:
  home: {driver: process, kind: directory, lifetime: persistent}
  box:
    driver: process
    kind: process
    lifetime: ephemeral
    command: ["sleep", "infinity"]
    dir: "\${{ resources.home.path }}"
    env: {HOME: "\${{ resources.home.path }}"}
agents:
  main:
    resource: box
    dir: "\${{ resources.home.path }}"
    scripts:
      - {name: setup, run_on: start, blocks_login: true, timeout: 60, script: "echo set up > \\"$HOME/setup.txt\\""}
`;

/** The same, with a start script that fails. */
export const FAILING_TEMPLATE = AGENT_TEMPLATE.replace("name: reach", "name: failing").replace('echo set up > \\"$HOME/setup.txt\\"', "echo broken >&2; exit 7");

/** An agent should connect and finish its start scripts well within this. */
const READY_LIMIT_MS = 60_000;

/**
 * A listening server whose process-driver workspaces run real agents, a
 * user (alice) logged in through a CLI sandbox's stored session, and a
 * template whose workspaces have one agent `main`.
 */
export class AgentWorkspaceEnv {
  private constructor(
    public env: ListeningTestServer,
    readonly jobs: JobWatcher,
    public api: WorkspaceTestApi,
    readonly owner: TestUser,
    readonly alice: TestUser,
    readonly bob: TestUser,
    readonly cli: CliSandbox,
    readonly templateIds: { reach: string; failing: string },
  ) {}

  static async start(opts: ListeningTestServerOptions = {}): Promise<AgentWorkspaceEnv> {
    const env = await startListeningTestServer(opts);
    env.server.setAccessUrl(env.url);
    const jobs = await JobWatcher.start(env.server);
    const api = new WorkspaceTestApi(env.server, jobs);
    const owner = await createFirstOwner(env.server.app);
    const alice = await createTestUser(env.server.app, owner, "alice");
    const bob = await createTestUser(env.server.app, owner, "bob");
    const reach = await createTestTemplate(env.server, jobs, owner.token, "reach", { "den.yaml": AGENT_TEMPLATE });
    const failing = await createTestTemplate(env.server, jobs, owner.token, "failing", { "den.yaml": FAILING_TEMPLATE });
    const cli = new CliSandbox();
    const config = new CliConfig(cli.configDir);
    config.write("url", env.url);
    config.write("session", alice.token);
    // OpenSSH wants a home with a .ssh it may write to, and no prompts.
    mkdirSync(join(cli.home, ".ssh"), { recursive: true, mode: 0o700 });
    return new AgentWorkspaceEnv(env, jobs, api, owner, alice, bob, cli, { reach: reach.id, failing: failing.id });
  }

  async stop(): Promise<void> {
    this.cli.remove();
    await killRecordedProcesses(this.env.server);
    await this.jobs.close();
    await this.env.stop();
  }

  /**
   * Stops the server (app and background work; agents lose their
   * connection) and starts a new one on the same port and database, as a
   * restarted `den server` would be.
   */
  async restartServer(): Promise<void> {
    const old = this.env.server;
    const port = Number(new URL(this.env.url).port);
    await old.close();
    await old.app.close();
    const next = await createServer({
      db: old.database.db,
      pool: old.database.pool,
      databaseUrl: old.database.url,
      log: pino({ level: process.env.DEN_TEST_LOG_LEVEL ?? "silent" }),
      clock: systemClock,
      config: old.config,
    });
    const server: TestServer = {
      ...next,
      database: old.database,
      config: old.config,
      async stop() {
        await next.close();
        await next.app.close();
        await old.database.close();
        rmSync(old.config.dataDir, { recursive: true, force: true });
      },
    };
    await next.app.listen({ host: "127.0.0.1", port });
    next.setAccessUrl(this.env.url);
    this.env = { server, url: this.env.url, stop: () => server.stop() };
    this.api = new WorkspaceTestApi(server, this.jobs);
  }

  /** `den <args>` as alice (her stored session), with no terminal. */
  den(args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
    return this.cli.run(args, opts);
  }

  /** Creates a workspace of alice's and waits until its agent is connected and its start scripts have run. */
  async createReady(name: string, template: "reach" | "failing" = "reach"): Promise<Workspace> {
    const ws = await this.api.createAndSettle(this.alice.token, { name, template_id: this.templateIds[template] });
    if (ws.status !== "running") throw new Error(`workspace ${name} is ${ws.status}: ${ws.latest_build.job.error}`);
    return this.waitForAgent(ws.id, (a) => a.status === "connected" && !["created", "starting"].includes(a.lifecycle_state));
  }

  /** Polls the workspace (no event reaches a test for agent changes) until its agent matches, with a deadline. */
  async waitForAgent(workspaceId: string, done: (agent: WorkspaceAgent) => boolean): Promise<Workspace> {
    const deadline = Date.now() + READY_LIMIT_MS;
    for (;;) {
      const ws = await this.api.get(this.alice.token, workspaceId);
      const agent = ws.agents[0];
      if (agent && done(agent)) return ws;
      if (Date.now() > deadline) throw new Error(`agent of ${ws.name} did not get there; it is ${JSON.stringify(agent)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Writes alice's SSH config with `den config-ssh` into a file of the sandbox and answers its path. */
  async sshConfig(): Promise<string> {
    const path = join(this.cli.home, ".ssh", "config");
    writeFileSync(path, "# mine\n", { flag: "a" });
    const run = await this.den(["config-ssh", "--ssh-config-file", path, "--yes"]);
    if (run.code !== 0) throw new Error(`den config-ssh failed: ${run.stderr}`);
    return path;
  }
}

/** The pid of the agent the process driver started in the workspace's `box` resource: a `den … agent` of the same process group. */
export function agentPid(ws: Workspace): number {
  const group = readProcStatSync(pidOf(ws))?.pgid;
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (readProcStatSync(pid)?.pgid !== group) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    if (argv.includes("agent") && argv.some((a) => a.endsWith("den.js"))) return pid;
  }
  throw new Error(`no agent process in the process group of workspace ${ws.name}`);
}
