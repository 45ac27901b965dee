import { InvalidArgumentError, type Command } from "commander";
import type { ApiKey } from "../../sdk/schemas/users.js";
import { CommandContext, type CliIo } from "../context.js";
import { CliError } from "../errors.js";
import { formatRelative, renderJson, renderTable, type Column } from "../output.js";
import { formatDuration, parseDuration } from "../parseDuration.js";

type CreateOptions = { name?: string; lifetime?: number };

export function tokensCommand(program: Command, io: CliIo): void {
  const tokens = program
    .command("tokens")
    .summary("Create, list and remove your API tokens.")
    .description("Manage your API tokens: long-lived tokens for scripts and CI (use them with --token or DEN_SESSION_TOKEN).");

  tokens
    .command("create")
    .summary("Create an API token and print it once.")
    .description("Create an API token and print it. It is shown only this once; the server keeps only a hash.")
    .option("--name <name>", "a name to find the token by later: letters, digits, '-' and '_'")
    .option("--lifetime <duration>", "how long the token works, e.g. 12h, 30d, 1w (default: the server's default)", parseLifetime)
    .addHelpText(
      "after",
      `
Only the token goes to stdout, so that scripts can capture it.

Examples:
  $ den tokens create --name ci --lifetime 30d
  $ DEN_SESSION_TOKEN=$(den tokens create --name deploy) den whoami`,
    )
    .action(async (opts: CreateOptions, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const req = { ...(opts.name !== undefined ? { token_name: opts.name } : {}), ...(opts.lifetime !== undefined ? { lifetime: opts.lifetime } : {}) };
      const { key } = await ctx.client().tokens.create(req);
      if (ctx.options.output === "json") {
        ctx.print(renderJson({ key }));
        return;
      }
      ctx.print(`${key}\n`);
      const lifetime = opts.lifetime !== undefined ? ` for ${formatDuration(opts.lifetime)}` : "";
      io.stderr.write(`Created token${opts.name ? ` "${opts.name}"` : ""}${lifetime}. Store it now: it is not shown again.\n`);
    });

  tokens
    .command("list")
    .alias("ls")
    .description("List your API tokens (never their secrets).")
    .addHelpText("after", "\nExamples:\n  $ den tokens list\n  $ den tokens list -o json")
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const keys = await ctx.client().tokens.list();
      ctx.print(ctx.options.output === "json" ? renderJson(keys) : renderTable(keys, tokenColumns()));
    });

  tokens
    .command("remove")
    .alias("rm")
    .summary("Delete an API token by name or id.")
    .description("Delete one of your API tokens, by its name or its id (the part before the dash); it stops working at once.")
    .argument("<token>", "name or id of the token")
    .addHelpText("after", "\nExample:\n  $ den tokens remove ci")
    .action(async (ref: string, _opts: unknown, cmd: Command) => {
      const ctx = CommandContext.from(cmd, io);
      const client = ctx.client();
      const keys = await client.tokens.list();
      const key = findToken(keys, ref);
      await client.tokens.remove(key.id);
      ctx.print(`Removed token ${key.token_name || key.id}.\n`);
    });
}

/** Finds a token by id first (ids are unique), then by name; a name shared by several tokens is ambiguous. */
export function findToken(keys: ApiKey[], ref: string): ApiKey {
  const byId = keys.find((k) => k.id === ref);
  if (byId) return byId;
  const byName = keys.filter((k) => k.token_name === ref);
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) throw new CliError(`${byName.length} tokens are named "${ref}": remove one by its id (${byName.map((k) => k.id).join(", ")})`);
  throw new CliError(`no token named "${ref}" or with that id: see \`den tokens list\``);
}

function parseLifetime(text: string): number {
  try {
    return parseDuration(text);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function tokenColumns(): Column<ApiKey>[] {
  const now = Date.now();
  return [
    { header: "id", value: (k) => k.id },
    { header: "name", value: (k) => k.token_name },
    { header: "created", value: (k) => formatRelative(k.created_at, now) },
    { header: "last used", value: (k) => formatRelative(k.last_used, now) },
    { header: "expires", value: (k) => formatRelative(k.expires_at, now) },
  ];
}
