import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Workspace } from "../../src/sdk/schemas/workspaces.js";
import { createFirstOwner, createTestUser, type TestUser } from "../../src/server/users/testUsers.js";
import { CliSandbox, startListeningTestServer, TerminalSession, type CliRun, type ListeningTestServer } from "../support/cli.js";
import { JobWatcher } from "../support/jobWatcher.js";
import { createTestTemplate, promoteNewVersion } from "../support/templates.js";
import { isAlive, killRecordedProcesses, WorkspaceTestApi } from "../support/workspaces.js";

const TEMPLATE = `
name: cli
parameters:
  - {name: project, display_name: Project, type: string, validation: {regex: "^[a-z]+$", error: "lower-case letters only"}}
  - {name: greeting, type: string, default: hello, mutable: true, options: [{name: Hello, value: hello}, {name: Hi, value: hi}]}
resources:
  home: {driver: process, kind: directory, lifetime: persistent}
  box:
    driver: process
    kind: process
    lifetime: ephemeral
    command: ["sh", "-c", "echo say \${{ params.greeting }} to \${{ params.project }}; exec sleep infinity"]
    env: {HOME: "\${{ resources.home.path }}"}
agents:
  main: {resource: box}
`;

const BROKEN = `
name: broken
resources:
  box: {driver: process, kind: process, lifetime: ephemeral, command: ["sh", "-c", "echo boom; exit 3"]}
`;

let env: ListeningTestServer;
let jobs: JobWatcher;
let api: WorkspaceTestApi;
let owner: TestUser;
let alice: TestUser;
let cli: CliSandbox;

beforeAll(async () => {
  env = await startListeningTestServer();
  jobs = await JobWatcher.start(env.server);
  api = new WorkspaceTestApi(env.server, jobs);
  owner = await createFirstOwner(env.server.app);
  alice = await createTestUser(env.server.app, owner, "alice");
  await createTestTemplate(env.server, jobs, owner.token, "cli", { "den.yaml": TEMPLATE });
  await createTestTemplate(env.server, jobs, owner.token, "broken", { "den.yaml": BROKEN });
  cli = new CliSandbox();
});

afterAll(async () => {
  cli?.remove();
  if (env) await killRecordedProcesses(env.server);
  await jobs?.close();
  await env?.stop();
});

/** `den <args>` as `user` (the owner by default), without a terminal. */
function den(args: string[], user: TestUser = owner): Promise<CliRun> {
  return cli.run(args, { env: { DEN_URL: env.url, DEN_SESSION_TOKEN: user.token } });
}

function expectOk(run: CliRun): CliRun {
  expect(run.code, `stdout: ${run.stdout}\nstderr: ${run.stderr}`).toBe(0);
  return run;
}

/** The CLI's failure contract: non-zero exit and exactly one `den:` line on stderr. */
function expectOneLineError(run: CliRun, pattern: RegExp): void {
  expect(run.code, run.stdout).not.toBe(0);
  const lines = run.stderr.trimEnd().split("\n");
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^den: /);
  expect(lines[0]).toMatch(pattern);
}

async function workspaceCount(): Promise<number> {
  const res = await env.server.database.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM workspaces WHERE NOT deleted");
  return res.rows[0]!.n;
}

describe("den create", () => {
  it("without a terminal names a missing required parameter, and checks values before creating anything", async () => {
    const missing = await den(["create", "dev", "-t", "cli"]);
    expectOneLineError(missing, /parameter "project" is required: pass --parameter project=VALUE/);
    expect(missing.stdout).toBe("");
    expectOneLineError(await den(["create", "dev", "-t", "cli", "--parameter", "project=Den"]), /--parameter project: lower-case letters only/);
    expectOneLineError(await den(["create", "dev", "-t", "cli", "--parameter", "project=den", "--parameter", "greeting=yo"]), /--parameter greeting: "yo" is not one of the options/);
    expectOneLineError(await den(["create", "dev", "-t", "cli", "--parameter", "project"]), /--parameter "project": use NAME=VALUE/);
    expectOneLineError(await den(["create", "Dev!", "-t", "cli"]), /NAME: must be lower-case/);
    expectOneLineError(await den(["create", "dev", "-t", "nope", "--parameter", "project=den"]), /no template named "nope"/);
    expect(await workspaceCount()).toBe(0);
  });

  it("creates with --parameter and follows the build log until the workspace runs", async () => {
    const run = expectOk(await den(["create", "dev", "-t", "cli", "--parameter", "project=den", "--parameter", "greeting=hi", "--yes"]));
    expect(run.stdout).toContain("Build #1 (start) of admin/dev:");
    expect(run.stdout).toMatch(/==> Creating box \(process\.process\) \[\d+\.\ds\]/);
    expect(run.stdout).toContain("say hi to den");
    expect(run.stdout).toMatch(/Workspace admin\/dev is running \(build #1, \d+\.\ds\)\./);
  });

  it("exits 1 with the build's error when the build fails, after showing its log", async () => {
    const run = await den(["create", "bad", "-t", "broken", "--yes"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("boom");
    expectOneLineError(run, /build #1 \(start\) of admin\/bad failed: .*exited with code 3/);
    expectOk(await den(["delete", "bad", "--yes"]));
  });

  it("asks for parameters on a terminal, with options as a numbered choice", async () => {
    const term = new TerminalSession(cli.argv(["create", "tty", "-t", "cli"]), cli.env({ DEN_URL: env.url, DEN_SESSION_TOKEN: owner.token }));
    try {
      await term.expect("Project (project), string, cannot be changed later");
      await term.expect("Value: ");
      term.type("Bad");
      await term.expect("lower-case letters only");
      term.type("tty");
      await term.expect("1) Hello [hello]");
      await term.expect("2) Hi [hi]");
      await term.expect("Choose 1-2 (1): ");
      term.type("2");
      await term.expect("Create workspace tty from template cli? [Y/n]");
      term.type("y");
      await term.expect("say hi to tty");
      expect(await term.exit()).toBe(0);
      expect(term.transcript).toContain("Workspace admin/tty is running");
    } finally {
      term.kill();
    }
    expectOk(await den(["delete", "tty", "--yes"]));
  });
});

describe("den list, show, stop, start, logs, delete", () => {
  it("lists and shows the workspace, as a table and as JSON", async () => {
    const list = expectOk(await den(["list"]));
    expect(list.stdout).toMatch(/^WORKSPACE\s+TEMPLATE\s+STATUS/);
    expect(list.stdout).toMatch(/admin\/dev\s+cli\s+running\s+#1 start/);
    const json = JSON.parse(expectOk(await den(["list", "-o", "json"])).stdout) as Workspace[];
    expect(json.map((w) => w.name)).toEqual(["dev"]);

    const shown = JSON.parse(expectOk(await den(["show", "dev", "-o", "json"])).stdout) as Workspace;
    expect(shown).toMatchObject({
      id: expect.any(String),
      name: "dev",
      owner_name: "admin",
      template_name: "cli",
      status: "running",
      latest_build: {
        build_number: 1,
        transition: "start",
        status: "running",
        job: { status: "succeeded", error: null },
        resources: [
          { name: "home", driver: "process", kind: "directory", lifetime: "persistent", outputs: { path: expect.any(String) } },
          { name: "box", driver: "process", kind: "process", lifetime: "ephemeral", outputs: { pid: expect.any(Number) } },
        ],
      },
      agents: [{ id: expect.any(String), name: "main", status: "connecting", lifecycle_state: "created" }],
    });
    const table = expectOk(await den(["show", "admin/dev"])).stdout;
    for (const text of ["Workspace:", "admin/dev", "Status:", "running", "Resources:", "pid=", "Agents:", "connecting", "Parameters:", "project", "greeting"]) {
      expect(table).toContain(text);
    }
  });

  it("stops, starts and shows the logs of a build, latest or by number", async () => {
    const before = JSON.parse(expectOk(await den(["show", "dev", "-o", "json"])).stdout) as Workspace;
    const pid = before.latest_build.resources.find((r) => r.name === "box")!.outputs.pid as number;
    const stop = expectOk(await den(["stop", "dev"]));
    expect(stop.stdout).toContain("==> Destroying box (process.process)");
    expect(stop.stdout).toContain("Workspace admin/dev is stopped (build #2");
    expect(isAlive(pid)).toBe(false);
    expect(expectOk(await den(["start", "dev", "--parameter", "greeting=hello"])).stdout).toContain("Workspace admin/dev is running (build #3");

    const latest = expectOk(await den(["logs", "dev"])).stdout;
    expect(latest).toContain("==> Creating box (process.process)");
    expect(latest).toContain("say hello to den");
    expect(expectOk(await den(["logs", "dev", "--build", "2"])).stdout).toContain("==> Destroying box (process.process)");
    expect(expectOk(await den(["logs", "dev", "--build", "1", "--follow"])).stdout).toContain("say hi to den");
    const logsJson = JSON.parse(expectOk(await den(["logs", "dev", "-o", "json"])).stdout) as Array<{ id: number; output: string }>;
    expect(logsJson.some((l) => l.output === "say hello to den")).toBe(true);
    expectOneLineError(await den(["logs", "dev", "--build", "9"]), /admin\/dev has no build #9; its latest is #3/);
    expectOneLineError(await den(["start", "dev", "--parameter", "project=other"]), /--parameter project: .*immutable/);
    const already = expectOk(await den(["start", "dev"]));
    expect(already.stderr).toContain("admin/dev is already running");

    const restart = expectOk(await den(["restart", "dev"]));
    expect(restart.stdout).toContain("Workspace admin/dev is stopped (build #4");
    expect(restart.stdout).toContain("Workspace admin/dev is running (build #5");
  });

  it("updates a workspace to the template's active version", async () => {
    const template = await api.ok<{ id: string }>(owner.token, "GET", "/organizations/default/templates/cli");
    const v2 = await promoteNewVersion(env.server, jobs, owner.token, template.id, { "den.yaml": TEMPLATE.replace("echo say", "echo v2 says") });
    expect((JSON.parse(expectOk(await den(["show", "dev", "-o", "json"])).stdout) as Workspace).outdated).toBe(true);
    expect(expectOk(await den(["list"])).stdout).toMatch(/admin\/dev\s.*\syes\n/);
    const run = expectOk(await den(["update", "dev"]));
    expect(run.stdout).toContain("v2 says hello to den");
    const shown = JSON.parse(expectOk(await den(["show", "dev", "-o", "json"])).stdout) as Workspace;
    expect(shown).toMatchObject({ outdated: false, status: "running", latest_build: { template_version_id: v2.id } });
    expect(expectOk(await den(["update", "dev"])).stderr).toContain("already uses the active version");
  });

  it("acts on another user's workspace as OWNER/NAME, which that user's peers cannot see", async () => {
    const ws = await api.createAndSettle(alice.token, { name: "hers", template_id: (await api.ok<{ id: string }>(owner.token, "GET", "/organizations/default/templates/cli")).id, rich_parameter_values: [{ name: "project", value: "x" }] });
    expect(JSON.parse(expectOk(await den(["show", "alice/hers", "-o", "json"])).stdout)).toMatchObject({ id: ws.id, owner_name: "alice" });
    expect(expectOk(await den(["list", "--all"])).stdout).toContain("alice/hers");
    expect(expectOk(await den(["list", "--search", "owner:alice"])).stdout).toContain("alice/hers");
    expect(expectOk(await den(["list"])).stdout).not.toContain("alice/hers");
    expectOneLineError(await den(["show", "admin/dev"], alice), /admin has no workspace \(that you may see\) named "dev"/);
    expect(expectOk(await den(["stop", "alice/hers"])).stdout).toContain("Workspace alice/hers is stopped");
    expectOk(await den(["delete", "hers", "--yes"], alice));
  });

  it("deletes only with --yes when there is no terminal", async () => {
    expectOneLineError(await den(["delete", "dev"]), /pass --yes to confirm/);
    expect(await workspaceCount()).toBe(1);
    const run = expectOk(await den(["delete", "dev", "--yes"]));
    expect(run.stdout).toContain("Workspace admin/dev is deleted");
    expect(await workspaceCount()).toBe(0);
    expectOneLineError(await den(["show", "dev"]), /you have no workspace named "dev": see `den list`/);
  });
});
