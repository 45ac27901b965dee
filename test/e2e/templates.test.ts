import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Template, TemplateVersion } from "../../src/sdk/schemas/templateApi.js";
import { CliSandbox, startListeningTestServer, TerminalSession, type CliRun, type ListeningTestServer } from "../support/cli.js";

/** `den templates …` as a user runs it: bin/den child processes against a listening server. */

const ADMIN = { username: "admin", email: "admin@example.com", password: "correct-horse-battery" };

function expectOk(run: CliRun): CliRun {
  expect(run.code === 0 ? 0 : `${run.code}: ${run.stderr}\n${run.stdout}`).toBe(0);
  return run;
}

/** The CLI's failure contract: non-zero exit and exactly one `den: …` line on stderr. */
function expectFailure(run: CliRun, pattern: RegExp): void {
  expect(run.code, run.stdout).not.toBe(0);
  const lines = run.stderr.trimEnd().split("\n");
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^den: /);
  expect(lines[0]).toMatch(pattern);
}

function filesOf(dir: string, prefix = ""): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) Object.assign(files, filesOf(dir, rel));
    else files[rel] = readFileSync(join(dir, rel), "utf8");
  }
  return files;
}

describe("den templates", () => {
  let env: ListeningTestServer;
  let cli: CliSandbox;
  beforeAll(async () => {
    env = await startListeningTestServer();
    cli = new CliSandbox();
    expectOk(
      await cli.run(["login", env.url, "--first-user-username", ADMIN.username, "--first-user-email", ADMIN.email, "--first-user-password", ADMIN.password]),
    );
  });
  afterAll(async () => {
    cli?.remove();
    await env?.stop();
  });

  const inHome = (path: string) => join(cli.home, path);
  const templateNames = async () => (JSON.parse(expectOk(await cli.run(["templates", "list", "-o", "json"])).stdout) as Template[]).map((t) => t.name);

  it("init → push → list → versions → push again → promote → pull → delete", async () => {
    const init = expectOk(await cli.run(["templates", "init", "--example", "process", inHome("tpl")]));
    expect(init.stdout).toContain("den.yaml");
    expectFailure(await cli.run(["templates", "init", inHome("tpl")]), /already exists/);
    expectFailure(await cli.run(["templates", "init", "--example", "nope", inHome("x")]), /no example template named "nope"; the examples are: .*process/);

    const push = expectOk(await cli.run(["templates", "push", inHome("tpl"), "--name", "dev", "-m", "first", "--yes"]));
    expect(push.stdout).toContain("==> Checking den.yaml");
    expect(push.stdout).toMatch(/Created template dev with version [a-z]+-[a-z]+-\d+\./);

    const list = JSON.parse(expectOk(await cli.run(["templates", "list", "-o", "json"])).stdout) as Template[];
    expect(list).toEqual([expect.objectContaining({ name: "dev", display_name: "Local dev" })]);
    expect(expectOk(await cli.run(["templates", "list"])).stdout).toMatch(/^NAME\s+DISPLAY NAME\s+ACTIVE VERSION.*\ndev\s+Local dev\s+/);

    // A second version, pushed without activating it, then one that is.
    const denYaml = join(inHome("tpl"), "den.yaml");
    writeFileSync(denYaml, readFileSync(denYaml, "utf8").replace("default: hello", "default: hi"));
    const inactive = expectOk(await cli.run(["templates", "push", inHome("tpl"), "--name", "dev", "--activate=false", "-m", "second"]));
    expect(inactive.stdout).toContain("it is not active");
    let versions = JSON.parse(expectOk(await cli.run(["templates", "versions", "list", "dev", "-o", "json"])).stdout) as TemplateVersion[];
    expect(versions.map((v) => [v.message, v.job.status])).toEqual([["first", "succeeded"], ["second", "succeeded"]]);
    let template = (JSON.parse(expectOk(await cli.run(["templates", "list", "-o", "json"])).stdout) as Template[])[0]!;
    expect(template.active_version_id).toBe(versions[0]!.id);

    const table = expectOk(await cli.run(["templates", "versions", "list", "dev"])).stdout.split("\n");
    expect(table[0]).toMatch(/^NAME\s+CREATED\s+CREATED BY\s+IMPORT\s+ACTIVE\s+MESSAGE$/);
    expect(table[1]).toMatch(/^\S+\s.*succeeded\s+-\s+second$/);
    expect(table[2]).toMatch(/^\S+\s.*succeeded\s+active\s+first$/);

    const promote = expectOk(await cli.run(["templates", "versions", "promote", "dev", "--version", versions[1]!.name]));
    expect(promote.stdout).toBe(`Version ${versions[1]!.name} is now the active version of template dev.\n`);
    template = (JSON.parse(expectOk(await cli.run(["templates", "list", "-o", "json"])).stdout) as Template[])[0]!;
    expect(template.active_version_id).toBe(versions[1]!.id);
    expectFailure(await cli.run(["templates", "versions", "promote", "dev", "--version", "nope"]), /no version named "nope"/);

    writeFileSync(denYaml, readFileSync(denYaml, "utf8").replace("default: hi", "default: good-day"));
    const third = expectOk(await cli.run(["templates", "push", inHome("tpl"), "--name", "dev", "-m", "third"]));
    expect(third.stdout).toMatch(/Version \S+ is now the active version of template dev\./);
    versions = JSON.parse(expectOk(await cli.run(["templates", "versions", "list", "dev", "-o", "json"])).stdout) as TemplateVersion[];
    expect(versions).toHaveLength(3);

    const pulled = expectOk(await cli.run(["templates", "pull", "dev", inHome("pulled")]));
    expect(pulled.stdout).toContain(`Wrote version ${versions[2]!.name} of template dev`);
    expect(filesOf(inHome("pulled"))).toEqual(filesOf(inHome("tpl")));
    expectFailure(await cli.run(["templates", "pull", "dev", inHome("pulled")]), /not empty/);

    // Without a terminal, delete needs --yes rather than hanging on a question.
    expectFailure(await cli.run(["templates", "delete", "dev"]), /--yes/);
    const deleted = expectOk(await cli.run(["templates", "delete", "dev", "--yes"]));
    expect(deleted.stdout).toBe("Deleted template dev.\n");
    expect(JSON.parse(expectOk(await cli.run(["templates", "list", "-o", "json"])).stdout)).toEqual([]);
  });

  it("push of a broken template prints den.yaml:LINE:COLUMN and exits 1 without creating it", async () => {
    expectOk(await cli.run(["templates", "init", inHome("broken")]));
    const denYaml = join(inHome("broken"), "den.yaml");
    writeFileSync(denYaml, readFileSync(denYaml, "utf8").replace("lifetime: persistent", "lifetime: forever"));
    const run = await cli.run(["templates", "push", inHome("broken"), "--name", "broken", "--yes"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^den\.yaml:\d+:\d+: resources\.home\.lifetime: .*forever/m);
    expectFailure(run, /the import of version \S+ failed: .*den\.yaml:\d+:\d+/);
    expect(await templateNames()).not.toContain("broken");
  });

  it("refuses to delete a template that a workspace uses, with the server's reason", async () => {
    expectOk(await cli.run(["templates", "init", inHome("used")]));
    expectOk(await cli.run(["templates", "push", inHome("used"), "--name", "used"]));
    const db = env.server.database.db;
    const template = await db.selectFrom("templates").select(["id", "organization_id", "created_by"]).where("name", "=", "used").where("deleted", "=", false).executeTakeFirstOrThrow();
    await db.insertInto("workspaces").values({ organization_id: template.organization_id, owner_id: template.created_by!, template_id: template.id, name: "ws" }).execute();
    expectFailure(await cli.run(["templates", "delete", "used", "--yes"]), /used by 1 workspace/);
    expect(await templateNames()).toContain("used");
  });

  it("lets a member list and pull but not push, promote or delete", async () => {
    expectOk(await cli.run(["users", "create", "--username", "bob", "--email", "bob@example.com", "--password", ADMIN.password]));
    const bob = new CliSandbox();
    try {
      expectOk(await bob.run(["login", env.url, "--email", "bob@example.com", "--password", ADMIN.password]));
      expect(expectOk(await bob.run(["templates", "list"])).stdout).toContain("used");
      expectOk(await bob.run(["templates", "pull", "used", join(bob.home, "copy")]));
      expect(readdirSync(join(bob.home, "copy"))).toContain("den.yaml");
      expectOk(await bob.run(["templates", "init", join(bob.home, "mine")]));
      expectFailure(await bob.run(["templates", "push", join(bob.home, "mine"), "--name", "mine"]), /not allowed/);
      const versions = JSON.parse(expectOk(await bob.run(["templates", "versions", "list", "used", "-o", "json"])).stdout) as TemplateVersion[];
      expectFailure(await bob.run(["templates", "versions", "promote", "used", "--version", versions[0]!.id]), /not allowed/);
      expectFailure(await bob.run(["templates", "delete", "used", "--yes"]), /not allowed/);
    } finally {
      bob.remove();
    }
  });

  it("asks before deleting on a terminal and keeps the template when the answer is no", async () => {
    const session = new TerminalSession(cli.argv(["templates", "delete", "used"]), cli.env());
    try {
      await session.expect("Delete template used? [y/N]");
      session.type("n");
      expect(await session.exit()).toBe(1);
      expect(session.transcript).toContain("canceled: nothing was deleted");
    } finally {
      session.kill();
    }
    expect(await templateNames()).toContain("used");
  });

  it("explains every templates command in --help", async () => {
    const commands = [[], ["init"], ["push"], ["list"], ["versions"], ["versions", "list"], ["versions", "promote"], ["pull"], ["delete"], ["schema"]];
    for (const path of commands) {
      const run = expectOk(await cli.run(["templates", ...path, "--help"]));
      expect(run.stdout, path.join(" ")).toMatch(/^Usage: den templates/);
      expect(run.stdout.split("\n")[2], path.join(" ")).toMatch(/\w{4,}/);
    }
    expect(expectOk(await cli.run(["templates", "push", "--help"])).stdout).toContain("--activate");
  });

  it("prints the JSON Schema of den.yaml", async () => {
    const schema = JSON.parse(expectOk(await cli.run(["templates", "schema"])).stdout) as { $comment: string; properties: object };
    expect(schema.$comment).toMatch(/^DO NOT EDIT/);
    expect(Object.keys(schema.properties)).toContain("resources");
  });
});
