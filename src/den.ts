import { Command, CommanderError } from "commander";
import type { CliIo } from "./cli/context.js";
import { CliError } from "./cli/errors.js";
import { buildProgram } from "./cli/program.js";

/**
 * The `den` executable. Client verbs come from src/cli; the other roles
 * (server, provisioner, agent, stat) are added here. Each role's modules load
 * only when it runs: `den ssh` starts without the server, and `den agent`
 * (which lives in every workspace, idle most of the time) without the client
 * verbs and their schemas.
 */
const io: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };

// `den … | head` closes our stdout early: that ends the command, it is no error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

type Role = { description: string; load(): Promise<Command> };

const roles: Record<string, Role> = {
  server: {
    description: "Run the Den server: API, dashboard, provisioners and the agent relay.",
    load: async () => (await import("./server/serverCommand.js")).serverCommand(),
  },
  provisioner: {
    description: "Run provisioner daemons outside the server.",
    load: async () => (await import("./provisioner/provisionerCommand.js")).provisionerCommand(),
  },
  agent: {
    description: "Run the workspace agent (inside a workspace).",
    load: async () => (await import("./agent/agentCommand.js")).agentCommand(),
  },
  stat: {
    description: "Print CPU, memory or disk figures of the workspace (for metadata commands).",
    load: async () => (await import("./agent/stat/statCommand.js")).statCommand(io),
  },
};

async function main(argv: string[]): Promise<void> {
  const role = roles[argv[2] ?? ""];
  const registrars = role ? [] : await (await import("./cli/allCommands.js")).registrarsFor(argv);
  const program = buildProgram(io, registrars);
  if (role) {
    program.addCommand(await role.load());
  } else {
    for (const [name, r] of Object.entries(roles)) program.command(name).description(r.description).allowUnknownOption().helpOption(false);
  }
  await program.parseAsync(argv);
}

main(process.argv).catch(async (err: unknown) => {
  if (err instanceof CommanderError) {
    // Commander already printed usage or help.
    process.exitCode = err.exitCode;
    return;
  }
  process.stderr.write(`den: ${await describeError(err)}\n`);
  process.exitCode = err instanceof CliError ? err.exitCode : 1;
});

async function describeError(err: unknown): Promise<string> {
  const { ApiError, NetworkError } = await import("./sdk/errors.js");
  if (err instanceof ApiError) return (await import("./cli/describeApiError.js")).describeApiError(err);
  if (err instanceof NetworkError || err instanceof CliError) return err.message;
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
  }
  return String(err);
}
