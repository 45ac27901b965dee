import type { Command } from "commander";
import type { z } from "zod";
import { DenClient } from "../../sdk/client/DenClient.js";
import { ApiError } from "../../sdk/errors.js";
import { Email, Password, Username, type CreateFirstUserRequest } from "../../sdk/schemas/users.js";
import { CommandContext, type CliIo } from "../context.js";
import { describeApiError } from "../describeApiError.js";
import { CliError } from "../errors.js";
import { Prompter } from "../prompter.js";
import { normalizeServerUrl } from "../serverUrl.js";
import { flagProblem, validateFlag } from "../validateFlag.js";

type LoginOptions = {
  email?: string;
  password?: string;
  firstUserUsername?: string;
  firstUserEmail?: string;
  firstUserPassword?: string;
  firstUserName?: string;
};

const NO_TTY = "stdin is not a terminal, so den cannot ask";

export function loginCommand(program: Command, io: CliIo): void {
  program
    .command("login")
    .summary("Log in to a Den server and store the session.")
    .description(
      "Log in to a Den server and store the URL and session token for later commands.\n" +
        "On a terminal it asks for what is missing; if the server has no user yet it offers to create the first one (an owner).",
    )
    .argument("[url]", "server URL (default: --url, DEN_URL, or the server of the last login)")
    .option("--email <email>", "log in with this email address")
    .option("--password <password>", "password for --email (asked for on a terminal when left out)")
    .option("--first-user-username <name>", "create the server's first user (an owner) with this username, then log in")
    .option("--first-user-email <email>", "email address of the first user")
    .option("--first-user-password <password>", "password of the first user")
    .option("--first-user-name <name>", "full name of the first user (optional)")
    .addHelpText(
      "after",
      `
To log in with an existing API token, pass the global --token (or DEN_SESSION_TOKEN): it is checked with the server before it is stored.

Examples:
  $ den login http://127.0.0.1:3000
  $ den login http://127.0.0.1:3000 --first-user-username admin --first-user-email admin@example.com --first-user-password '…'
  $ den login https://den.example.com --email alice@example.com --password '…'
  $ den login https://den.example.com --token "$DEN_TOKEN"`,
    )
    .action(async (rawUrl: string | undefined, opts: LoginOptions, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const given = rawUrl ?? ctx.options.url ?? ctx.config.read("url");
      if (!given) throw new CliError("which server? pass its URL: den login <url>");
      const url = normalizeServerUrl(given);
      try {
        const token = await obtainToken(ctx, url, opts);
        const me = await new DenClient({ url, token }).users.me().catch((err: unknown) => {
          if (err instanceof ApiError && err.status === 401) throw new CliError(`the token was not accepted by ${url}: ${err.body.message}`);
          throw err;
        });
        ctx.config.write("url", url);
        ctx.config.write("session", token);
        ctx.print(`Logged in to ${url} as ${me.username}\n`);
      } catch (err) {
        // Report the server's own words; the "log in again" hint of other commands makes no sense here.
        if (err instanceof ApiError) throw new CliError(describeApiError(err, { loginHint: false }));
        throw err;
      }
    });
}

/** A session token for `url`, from whichever way of logging in the flags (or the terminal) give. */
async function obtainToken(ctx: CommandContext, url: string, opts: LoginOptions): Promise<string> {
  const client = ctx.anonymousClient(url);
  const firstUser = firstUserFromFlags(opts);
  if (firstUser) {
    if (opts.email !== undefined || opts.password !== undefined) {
      throw new CliError("pass either the --first-user-… flags or --email and --password, not both");
    }
    return createFirstUserAndLogIn(ctx, client, firstUser);
  }
  if (opts.email !== undefined || opts.password !== undefined) {
    return logInWithPassword(ctx, client, opts.email, opts.password);
  }
  if (ctx.options.token) return ctx.options.token;
  if (!isInteractive(ctx.io)) {
    const exists = await client.users.firstUserExists();
    throw new CliError(
      exists
        ? `${NO_TTY}: pass --email and --password, or --token`
        : `${url} has no users yet and ${NO_TTY}: pass --first-user-username, --first-user-email and --first-user-password to create the first one`,
    );
  }
  return logInInteractively(ctx, client);
}

function firstUserFromFlags(opts: LoginOptions): CreateFirstUserRequest | undefined {
  const flags = {
    "--first-user-username": opts.firstUserUsername,
    "--first-user-email": opts.firstUserEmail,
    "--first-user-password": opts.firstUserPassword,
  };
  const missing = Object.entries(flags).filter(([, v]) => v === undefined).map(([k]) => k);
  if (missing.length === 3 && opts.firstUserName === undefined) return undefined;
  if (missing.length > 0) throw new CliError(`to create the first user also pass ${missing.join(" and ")}`);
  return {
    username: validateFlag("--first-user-username", Username, opts.firstUserUsername),
    email: validateFlag("--first-user-email", Email, opts.firstUserEmail),
    password: validateFlag("--first-user-password", Password, opts.firstUserPassword),
    ...(opts.firstUserName !== undefined ? { name: opts.firstUserName } : {}),
  };
}

async function createFirstUserAndLogIn(ctx: CommandContext, client: DenClient, req: CreateFirstUserRequest): Promise<string> {
  if (await client.users.firstUserExists()) {
    throw new CliError(`${client.url} already has users, so there is no first user to create: log in with --email and --password, or --token`);
  }
  const user = await client.users.createFirstUser(req);
  ctx.print(`Created the first user ${user.username} (${user.roles.join(", ")}).\n`);
  const { session_token } = await client.users.login({ email: req.email, password: req.password });
  return session_token;
}

async function logInWithPassword(ctx: CommandContext, client: DenClient, email: string | undefined, password: string | undefined): Promise<string> {
  if (email === undefined || password === undefined) {
    if (!isInteractive(ctx.io)) throw new CliError(`${email === undefined ? "--email" : "--password"} is missing (${NO_TTY}): pass both --email and --password`);
    const prompter = new Prompter({ input: ctx.io.stdin, output: ctx.io.stderr });
    try {
      email ??= await prompter.ask("Email", { validate: required });
      password ??= await prompter.askSecret("Password", { validate: required });
    } finally {
      prompter.close();
    }
  }
  const { session_token } = await client.users.login({ email, password });
  return session_token;
}

async function logInInteractively(ctx: CommandContext, client: DenClient): Promise<string> {
  const prompter = new Prompter({ input: ctx.io.stdin, output: ctx.io.stderr });
  try {
    if (!(await client.users.firstUserExists())) {
      ctx.io.stderr.write(`${client.url} has no users yet.\n`);
      if (!(await prompter.confirm("Create the first user (an owner) now?"))) {
        throw new CliError("there is no user to log in as yet: run `den login` again to create the first one");
      }
      const req = await askFirstUser(prompter, ctx.io.env);
      return await createFirstUserAndLogIn(ctx, client, req);
    }
    const email = await prompter.ask("Email", { validate: required });
    const password = await prompter.askSecret("Password", { validate: required });
    const { session_token } = await client.users.login({ email, password });
    return session_token;
  } finally {
    prompter.close();
  }
}

async function askFirstUser(prompter: Prompter, env: NodeJS.ProcessEnv): Promise<CreateFirstUserRequest> {
  const suggested = env.USER?.toLowerCase();
  const username = await prompter.ask("Username", {
    ...(suggested && Username.safeParse(suggested).success ? { default: suggested } : {}),
    validate: check(Username),
  });
  const email = await prompter.ask("Email", { validate: check(Email) });
  for (;;) {
    const password = await prompter.askSecret("Password", { validate: check(Password) });
    const again = await prompter.askSecret("Password again");
    if (again === password) return { username, email, password };
    prompter.say("The passwords do not match; type them again.");
  }
}

function check(schema: z.ZodType): (answer: string) => string | undefined {
  return (answer) => {
    const result = schema.safeParse(answer);
    return result.success ? undefined : flagProblem(result.error);
  };
}

function required(answer: string): string | undefined {
  return answer.trim() ? undefined : "must not be empty";
}

function isInteractive(io: CliIo): boolean {
  return io.stdin.isTTY === true;
}
