import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliSandbox, startListeningTestServer, TerminalSession, unreachableUrl, type CliRun, type ListeningTestServer } from "../support/cli.js";

const ADMIN = { username: "admin", email: "admin@example.com", password: "correct-horse-battery" };

/** The CLI's failure contract: non-zero exit, exactly one line on stderr, nothing on stdout. */
function expectOneLineError(run: CliRun, pattern: RegExp): void {
  expect(run.code, run.stderr).not.toBe(0);
  expect(run.stdout).toBe("");
  const lines = run.stderr.trimEnd().split("\n");
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^den: /);
  expect(lines[0]).toMatch(pattern);
}

function expectOk(run: CliRun): CliRun {
  expect(run.code, `stderr: ${run.stderr}`).toBe(0);
  return run;
}

async function count(env: ListeningTestServer, table: "users" | "api_keys"): Promise<number> {
  const res = await env.server.database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return res.rows[0]!.n;
}

function firstUserFlags(user: typeof ADMIN): string[] {
  return ["--first-user-username", user.username, "--first-user-email", user.email, "--first-user-password", user.password];
}

describe("den login on a server without users", () => {
  let env: ListeningTestServer;
  let cli: CliSandbox;
  beforeAll(async () => {
    env = await startListeningTestServer();
    cli = new CliSandbox();
  });
  afterAll(async () => {
    cli?.remove();
    await env?.stop();
  });

  it("without credentials and without a terminal names the first-user flags", async () => {
    expectOneLineError(await cli.run(["login", env.url]), /--first-user-username, --first-user-email and --first-user-password/);
  });

  it("rejects incomplete or invalid first-user flags before creating anything", async () => {
    expectOneLineError(await cli.run(["login", env.url, "--first-user-username", "admin"]), /also pass --first-user-email and --first-user-password/);
    expectOneLineError(
      await cli.run(["login", env.url, ...firstUserFlags({ ...ADMIN, email: "not-an-email" })]),
      /--first-user-email: must be an email address/,
    );
    expectOneLineError(await cli.run(["login", env.url, ...firstUserFlags({ ...ADMIN, password: "short" })]), /--first-user-password: must be at least 8/);
    expect(await count(env, "users")).toBe(0);
  });

  it("creates the first user with the first-user flags, logs in and stores the session with mode 0600", async () => {
    const run = expectOk(await cli.run(["login", `${env.url}/`, ...firstUserFlags(ADMIN)]));
    expect(run.stdout).toContain(`Logged in to ${env.url} as admin`);
    for (const name of ["url", "session"]) {
      expect(statSync(join(cli.configDir, name)).mode & 0o777).toBe(0o600);
    }
    const whoami = expectOk(await cli.run(["whoami", "-o", "json"]));
    expect(JSON.parse(whoami.stdout)).toMatchObject({ url: env.url, user: { username: "admin", roles: expect.arrayContaining(["owner"]) } });
  });

  it("refuses to create a first user once one exists", async () => {
    const other = new CliSandbox();
    try {
      expectOneLineError(await other.run(["login", env.url, ...firstUserFlags({ ...ADMIN, username: "second", email: "second@example.com" })]), /already has users/);
      expect(await count(env, "users")).toBe(1);
    } finally {
      other.remove();
    }
  });
});

describe("den with a logged-in owner", () => {
  let env: ListeningTestServer;
  let cli: CliSandbox;
  beforeAll(async () => {
    env = await startListeningTestServer();
    cli = new CliSandbox();
    expectOk(await cli.run(["login", env.url, ...firstUserFlags(ADMIN)]));
  });
  afterAll(async () => {
    cli?.remove();
    await env?.stop();
  });

  /** A second CLI with its own config directory, removed after `body`. */
  async function withSandbox(body: (other: CliSandbox) => Promise<void>): Promise<void> {
    const other = new CliSandbox();
    try {
      await body(other);
    } finally {
      other.remove();
    }
  }

  it("whoami prints the user, roles and URL as a table and as JSON", async () => {
    const table = expectOk(await cli.run(["whoami"])).stdout;
    expect(table).toMatch(/^Username:\s+admin$/m);
    expect(table).toMatch(/^Email:\s+admin@example.com$/m);
    expect(table).toMatch(/^Roles:\s+.*owner/m);
    expect(table).toContain(env.url);
    const json = JSON.parse(expectOk(await cli.run(["whoami", "-o", "json"])).stdout);
    expect(json).toMatchObject({ url: env.url, user: { username: "admin", email: "admin@example.com", status: "active" } });
  });

  it("logs in with --email and --password", async () => {
    await withSandbox(async (other) => {
      const run = expectOk(await other.run(["login", env.url, "--email", ADMIN.email, "--password", ADMIN.password]));
      expect(run.stdout.trim()).toBe(`Logged in to ${env.url} as admin`);
      expect(expectOk(await other.run(["whoami", "-o", "json"])).stdout).toContain('"username": "admin"');
    });
  });

  it("answers a wrong password with exit 1 and one line, keeping what was stored", async () => {
    await withSandbox(async (other) => {
      expectOk(await other.run(["login", env.url, "--email", ADMIN.email, "--password", ADMIN.password]));
      const run = await other.run(["login", env.url, "--email", ADMIN.email, "--password", "wrong-password"]);
      expectOneLineError(run, /den: \S/);
      expect(run.code).toBe(1);
      expect(run.stderr).not.toContain("wrong-password");
      expect(run.stderr).not.toContain("Run `den login`");
      expectOk(await other.run(["whoami"]));
    });
  });

  it("without a terminal names the missing --password flag", async () => {
    expectOneLineError(await cli.run(["login", env.url, "--email", ADMIN.email]), /--password is missing/);
  });

  it("names the URL it could not reach", async () => {
    const unreachable = await unreachableUrl();
    expectOneLineError(await cli.run(["login", unreachable, "--email", ADMIN.email, "--password", ADMIN.password]), new RegExp(`cannot reach ${unreachable}: .*ECONNREFUSED`));
    expectOneLineError(await cli.run(["whoami", "--url", unreachable]), new RegExp(`cannot reach ${unreachable}: .*ECONNREFUSED`));
  });

  it("creates, lists, shows, suspends, activates users and edits their roles", async () => {
    const created = expectOk(
      await cli.run(["users", "create", "--username", "alice", "--email", "alice@example.com", "--password", "alice-password", "--roles", "template-admin"]),
    );
    expect(created.stdout).toContain("Created user alice");

    const list = expectOk(await cli.run(["users", "list"])).stdout;
    expect(list.split("\n")[0]).toMatch(/^USERNAME\s+EMAIL/);
    expect(list).toMatch(/^alice\s+alice@example.com/m);
    expect(list).toMatch(/^admin\s+admin@example.com/m);
    const found = JSON.parse(expectOk(await cli.run(["users", "list", "--search", "alic", "-o", "json"])).stdout) as Array<{ username: string }>;
    expect(found.map((u) => u.username)).toEqual(["alice"]);

    const shown = JSON.parse(expectOk(await cli.run(["users", "show", "alice", "-o", "json"])).stdout);
    expect(shown).toMatchObject({ username: "alice", status: "active", roles: expect.arrayContaining(["template-admin", "member"]) });
    expect(expectOk(await cli.run(["users", "show", "alice"])).stdout).toMatch(/^Status:\s+active$/m);

    expect(expectOk(await cli.run(["users", "suspend", "alice"])).stdout).toContain("Suspended user alice");
    expect(JSON.parse(expectOk(await cli.run(["users", "show", "alice", "-o", "json"])).stdout).status).toBe("suspended");
    await withSandbox(async (other) => {
      expectOneLineError(await other.run(["login", env.url, "--email", "alice@example.com", "--password", "alice-password"]), /den: \S/);
      expectOk(await cli.run(["users", "activate", "alice"]));
      expectOk(await other.run(["login", env.url, "--email", "alice@example.com", "--password", "alice-password"]));
    });

    const edited = expectOk(await cli.run(["users", "edit-roles", "alice", "--roles", "auditor,user-admin"]));
    expect(edited.stdout).toMatch(/Roles of alice: .*auditor/);
    const roles = JSON.parse(expectOk(await cli.run(["users", "show", "alice", "-o", "json"])).stdout).roles as string[];
    expect(roles).toEqual(expect.arrayContaining(["auditor", "user-admin"]));
    expect(roles).not.toContain("template-admin");
  });

  it("rejects bad flags with one line and changes nothing on the server", async () => {
    const users = await count(env, "users");
    const keys = await count(env, "api_keys");
    expectOneLineError(
      await cli.run(["users", "create", "--username", "bob", "--email", "bob@example.com", "--password", "bob-password", "--roles", "wizard"]),
      /unknown role "wizard"/,
    );
    expectOneLineError(await cli.run(["users", "create", "--username", "Bob!", "--email", "bob@example.com", "--password", "bob-password"]), /--username: /);
    expectOneLineError(await cli.run(["users", "create", "--email", "bob@example.com", "--password", "bob-password"]), /--username/);
    expectOneLineError(await cli.run(["users", "edit-roles", "admin", "--roles", "owner,superuser"]), /unknown role "superuser"/);
    expectOneLineError(await cli.run(["tokens", "create", "--name", "bad", "--lifetime", "3x"]), /"3x" is not a duration/);
    expectOneLineError(await cli.run(["users", "frobnicate"]), /unknown command 'frobnicate'/);
    expectOneLineError(await cli.run(["users", "list", "-o", "yaml"]), /yaml/);
    expect(await count(env, "users")).toBe(users);
    expect(await count(env, "api_keys")).toBe(keys);
    expect(JSON.parse(expectOk(await cli.run(["users", "show", "admin", "-o", "json"])).stdout).roles).toContain("owner");
  });

  it("reports the server's message for a server-side refusal", async () => {
    expectOneLineError(await cli.run(["users", "show", "nobody-here"]), /den: \S/);
    expectOneLineError(await cli.run(["users", "create", "--username", "admin", "--email", "other@example.com", "--password", "long-enough"]), /den: \S/);
  });

  it("creates a token that works with --token, lists it and removes it by name", async () => {
    const created = expectOk(await cli.run(["tokens", "create", "--name", "ci", "--lifetime", "30d"]));
    const token = created.stdout.trim();
    expect(token).toMatch(/^[a-zA-Z0-9]+-[a-zA-Z0-9]+$/);
    expect(created.stdout).toBe(`${token}\n`);
    expect(created.stderr).toContain("it is not shown again");

    await withSandbox(async (other) => {
      const viaFlag = expectOk(await other.run(["--url", env.url, "--token", token, "whoami", "-o", "json"]));
      expect(JSON.parse(viaFlag.stdout).user.username).toBe("admin");
      const viaEnv = expectOk(await other.run(["whoami", "-o", "json"], { env: { DEN_URL: env.url, DEN_SESSION_TOKEN: token } }));
      expect(JSON.parse(viaEnv.stdout).user.username).toBe("admin");
      const login = expectOk(await other.run(["login", env.url, "--token", token]));
      expect(login.stdout.trim()).toBe(`Logged in to ${env.url} as admin`);
      expectOk(await other.run(["whoami"]));
    });

    const list = expectOk(await cli.run(["tokens", "list"])).stdout;
    expect(list.split("\n")[0]).toMatch(/^ID\s+NAME/);
    expect(list).toContain(token.split("-")[0]);
    expect(list).toMatch(/\bci\b.*in (29|30)d/);
    const listed = JSON.parse(expectOk(await cli.run(["tokens", "list", "-o", "json"])).stdout) as Array<{ token_name: string }>;
    expect(listed.map((k) => k.token_name)).toContain("ci");
    expect(JSON.stringify(listed)).not.toContain(token.split("-")[1]);

    expect(expectOk(await cli.run(["tokens", "remove", "ci"])).stdout).toContain("Removed token ci");
    expectOneLineError(await cli.run(["--token", token, "whoami"]), /Run `den login`/);
    expectOneLineError(await cli.run(["tokens", "remove", "ci"]), /no token named "ci"/);
  });

  it("removes a token by its id", async () => {
    const token = expectOk(await cli.run(["tokens", "create", "--name", "by-id"])).stdout.trim();
    const id = token.split("-")[0]!;
    expectOk(await cli.run(["tokens", "rm", id]));
    expect(expectOk(await cli.run(["tokens", "list"])).stdout).not.toContain(id);
  });

  it("refuses to store a token the server does not accept", async () => {
    await withSandbox(async (other) => {
      expectOneLineError(await other.run(["login", env.url, "--token", "AAAAAAAAAA-BBBBBBBBBBBBBBBBBBBBBB"]), /not accepted by/);
      expectOneLineError(await other.run(["whoami"]), /not logged in/);
    });
  });

  it("logs out, after which whoami says how to log in", async () => {
    await withSandbox(async (other) => {
      expectOk(await other.run(["login", env.url, "--email", ADMIN.email, "--password", ADMIN.password]));
      const session = readFileSync(join(other.configDir, "session"), "utf8").trim();
      expect(expectOk(await other.run(["logout"])).stdout).toContain(`Logged out of ${env.url}`);
      expectOneLineError(await other.run(["whoami"]), /not logged in: run `den login <url>`/);
      // The session ended on the server too, not only on this machine.
      expectOneLineError(await other.run(["--url", env.url, "--token", session, "whoami"]), /den login/);
      expectOneLineError(await other.run(["logout"]), /not logged in/);
    });
  });

  it("removes the stored session on logout even when the server cannot be reached", async () => {
    await withSandbox(async (other) => {
      expectOk(await other.run(["login", env.url, "--email", ADMIN.email, "--password", ADMIN.password]));
      const unreachable = await unreachableUrl();
      const run = await other.run(["--url", unreachable, "logout"]);
      expect(run.code).toBe(0);
      expect(run.stderr).toContain(`warning: could not end the session on the server (cannot reach ${unreachable}`);
      expectOneLineError(await other.run(["whoami"]), /not logged in/);
    });
  });

  it("explains every command in --help", async () => {
    const commands = [[], ["login"], ["logout"], ["whoami"], ["users"], ["users", "create"], ["users", "list"], ["users", "show"], ["users", "suspend"], ["users", "activate"], ["users", "edit-roles"], ["tokens"], ["tokens", "create"], ["tokens", "list"], ["tokens", "remove"]];
    for (const path of commands) {
      const run = expectOk(await cli.run([...path, "--help"]));
      expect(run.stdout, path.join(" ")).toMatch(/^Usage: den/);
      expect(run.stdout.split("\n")[2], path.join(" ")).toMatch(/\w{4,}/);
    }
    expect(expectOk(await cli.run(["login", "--help"])).stdout).toContain("--first-user-username");
    expect(expectOk(await cli.run(["tokens", "create", "--help"])).stdout).toContain("Examples:");
  });
});

describe("den login on a terminal", () => {
  let env: ListeningTestServer;
  let cli: CliSandbox;
  let session: TerminalSession | undefined;
  beforeAll(async () => {
    env = await startListeningTestServer();
    cli = new CliSandbox();
  });
  afterAll(async () => {
    session?.kill();
    cli?.remove();
    await env?.stop();
  });

  it("offers to create the first user, asks for the password twice without echoing it, then logs in", async () => {
    session = new TerminalSession(cli.argv(["login", env.url]), cli.env());
    await session.expect("has no users yet");
    await session.expect("Create the first user (an owner) now? [Y/n]");
    session.type("y");
    await session.expect("Username (tester): ");
    session.type("Not Valid");
    await session.expect("lower-case");
    await session.expect("Username (tester): ");
    session.type("");
    await session.expect("Email: ");
    session.type("tester@example.com");
    await session.expect("Password: ");
    session.type("secret-one-typed");
    await session.expect("Password again: ");
    session.type("secret-two-typed");
    await session.expect("do not match");
    await session.expect("Password: ");
    session.type("secret-one-typed");
    await session.expect("Password again: ");
    session.type("secret-one-typed");
    await session.expect(`Logged in to ${env.url} as tester`);
    expect(await session.exit()).toBe(0);
    expect(session.transcript).toContain("tester@example.com");
    expect(session.transcript).not.toContain("secret-");
    expect(JSON.parse(expectOk(await cli.run(["whoami", "-o", "json"])).stdout).user.roles).toContain("owner");
  });

  it("asks for a new user's password, twice and hidden, when --password is left out", async () => {
    session = new TerminalSession(cli.argv(["users", "create", "--username", "bob", "--email", "bob@example.com"]), cli.env());
    await session.expect("Password for the new user: ");
    session.type("bob-secret-pass");
    await session.expect("Password again: ");
    session.type("bob-secret-pass");
    await session.expect("Created user bob");
    expect(await session.exit()).toBe(0);
    expect(session.transcript).not.toContain("bob-secret");
    const other = new CliSandbox();
    try {
      expectOk(await other.run(["login", env.url, "--email", "bob@example.com", "--password", "bob-secret-pass"]));
    } finally {
      other.remove();
    }
  });

  it("asks for email and password when the server has users", async () => {
    const other = new CliSandbox();
    try {
      session = new TerminalSession(other.argv(["login", env.url]), other.env());
      await session.expect("Email: ");
      session.type("tester@example.com");
      await session.expect("Password: ");
      session.type("secret-one-typed");
      await session.expect(`Logged in to ${env.url} as tester`);
      expect(await session.exit()).toBe(0);
      expect(session.transcript).not.toContain("secret-");
    } finally {
      other.remove();
    }
  });
});
