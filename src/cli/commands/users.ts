import { InvalidArgumentError, type Command } from "commander";
import type { User } from "../../sdk/schemas/users.js";
import { Email, Password, Role, Username } from "../../sdk/schemas/users.js";
import { CommandContext, type CliIo } from "../context.js";
import { CliError } from "../errors.js";
import { formatRelative, renderDetails, renderJson, renderTable, type Column } from "../output.js";
import { Prompter } from "../prompter.js";
import { validateFlag } from "../validateFlag.js";

type CreateOptions = { username: string; email: string; password?: string; name?: string; roles?: Role[] };
type ListOptions = { search?: string; limit: number; offset: number };

const USER_ARGUMENT = "username or id of the user (\"me\" for yourself)";

export function usersCommand(program: Command, io: CliIo): void {
  const users = program
    .command("users")
    .summary("Create, list, show, suspend and activate users; edit their roles.")
    .description("Manage the users of the server (owners and user-admins).")
    .addHelpText("after", `\nRoles: ${Role.options.join(", ")}. Every user is a member.`);

  users
    .command("create")
    .description("Create a user who logs in with email and password.")
    .requiredOption("--username <name>", "username: lower-case letters, digits and inner dashes")
    .requiredOption("--email <email>", "email address, used to log in")
    .option("--password <password>", "initial password (asked for on a terminal when left out)")
    .option("--name <name>", "full name")
    .option("--roles <roles>", `comma-separated site roles besides member (${Role.options.join(", ")})`, parseRoles)
    .addHelpText("after", "\nExample:\n  $ den users create --username alice --email alice@example.com --password '…' --roles template-admin")
    .action(async (opts: CreateOptions, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const username = validateFlag("--username", Username, opts.username);
      const email = validateFlag("--email", Email, opts.email);
      const password = validateFlag("--password", Password, opts.password ?? (await askNewPassword(ctx)));
      const user = await ctx.client().users.create({
        username,
        email,
        password,
        ...(opts.name !== undefined ? { name: opts.name } : {}),
        ...(opts.roles ? { roles: opts.roles } : {}),
      });
      printUser(ctx, user, `Created user ${user.username} (${user.roles.join(", ")}).\n`);
    });

  users
    .command("list")
    .alias("ls")
    .description("List users, a page at a time.")
    .option("--search <query>", "only users whose username, email or name match")
    .option("--limit <n>", "how many users to show (1-500)", parseCount(1, 500), 50)
    .option("--offset <n>", "how many users to skip", parseCount(0, 1_000_000), 0)
    .addHelpText("after", "\nExamples:\n  $ den users list --search alice\n  $ den users list -o json")
    .action(async (opts: ListOptions, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const page = await ctx.client().users.list({ q: opts.search, limit: opts.limit, offset: opts.offset });
      if (ctx.options.output === "json") {
        ctx.print(renderJson(page.users));
        return;
      }
      ctx.print(renderTable(page.users, userColumns()));
      const shown = opts.offset + page.users.length;
      if (page.count > shown) io.stderr.write(`Showing ${page.users.length} of ${page.count} users; use --limit and --offset for more.\n`);
    });

  users
    .command("show")
    .description("Show one user.")
    .argument("<user>", USER_ARGUMENT)
    .action(async (ref: string, _opts: unknown, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      printUser(ctx, await ctx.client().users.get(ref));
    });

  users
    .command("suspend")
    .summary("Suspend a user.")
    .description("Suspend a user: their sessions and tokens stop working until they are activated again.")
    .argument("<user>", USER_ARGUMENT)
    .action(async (ref: string, _opts: unknown, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const user = await ctx.client().users.suspend(ref);
      printUser(ctx, user, `Suspended user ${user.username}.\n`);
    });

  users
    .command("activate")
    .description("Activate a suspended user.")
    .argument("<user>", USER_ARGUMENT)
    .action(async (ref: string, _opts: unknown, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const user = await ctx.client().users.activate(ref);
      printUser(ctx, user, `Activated user ${user.username}.\n`);
    });

  users
    .command("edit-roles")
    .summary("Replace a user's site roles.")
    .description("Replace a user's site roles with the given ones (member is always kept).")
    .argument("<user>", USER_ARGUMENT)
    .requiredOption("--roles <roles>", `comma-separated roles (${Role.options.join(", ")}); "" leaves only member`, parseRoles)
    .addHelpText("after", "\nExample:\n  $ den users edit-roles alice --roles template-admin,auditor")
    .action(async (ref: string, opts: { roles: Role[] }, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const user = await ctx.client().users.updateRoles(ref, opts.roles);
      printUser(ctx, user, `Roles of ${user.username}: ${user.roles.join(", ")}.\n`);
    });
}

/** Parses "--roles a,b" strictly, so that a typo changes nothing on the server. */
export function parseRoles(text: string): Role[] {
  const roles: Role[] = [];
  for (const part of text.split(",").map((r) => r.trim()).filter(Boolean)) {
    const role = Role.safeParse(part);
    if (!role.success) throw new InvalidArgumentError(`unknown role "${part}"; the roles are ${Role.options.join(", ")}.`);
    if (!roles.includes(role.data)) roles.push(role.data);
  }
  return roles;
}

function parseCount(min: number, max: number): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || n < min || n > max) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}.`);
    return n;
  };
}

async function askNewPassword(ctx: CommandContext): Promise<string> {
  if (ctx.io.stdin.isTTY !== true) throw new CliError("--password is missing (stdin is not a terminal, so den cannot ask): pass --password");
  const prompter = new Prompter({ input: ctx.io.stdin, output: ctx.io.stderr });
  try {
    for (;;) {
      const password = await prompter.askSecret("Password for the new user");
      if ((await prompter.askSecret("Password again")) === password) return password;
      prompter.say("The passwords do not match; type them again.");
    }
  } finally {
    prompter.close();
  }
}

/** Prints one user: as JSON, or as a short message (after a change) or its details (for show). */
function printUser(ctx: CommandContext, user: User, message?: string): void {
  if (ctx.options.output === "json") ctx.print(renderJson(user));
  else if (message) ctx.print(message);
  else {
    ctx.print(
      renderDetails([
        ["ID", user.id],
        ["Username", user.username],
        ["Email", user.email],
        ["Name", user.name],
        ["Status", user.status],
        ["Roles", user.roles.join(", ")],
        ["Created", `${user.created_at} (${formatRelative(user.created_at)})`],
        ["Last seen", formatRelative(user.last_seen_at)],
      ]),
    );
  }
}

function userColumns(): Column<User>[] {
  const now = Date.now();
  return [
    { header: "username", value: (u) => u.username },
    { header: "email", value: (u) => u.email },
    { header: "name", value: (u) => u.name },
    { header: "roles", value: (u) => u.roles.join(",") },
    { header: "status", value: (u) => u.status },
    { header: "created", value: (u) => formatRelative(u.created_at, now) },
    { header: "last seen", value: (u) => formatRelative(u.last_seen_at, now) },
  ];
}
