import { CommanderError } from "commander";
import { ApiError, NetworkError } from "./sdk/errors.js";
import { describeApiError } from "./cli/describeApiError.js";
import { CliError } from "./cli/errors.js";
import type { CliIo } from "./cli/context.js";
import { buildProgram } from "./cli/program.js";
import { cliCommands } from "./cli/allCommands.js";

/**
 * The `den` executable. Client verbs come from src/cli; server-side roles are
 * added here, and their modules are loaded only when that role runs, so that
 * `den ssh` starts without loading the server.
 */
const io: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };

async function main(argv: string[]): Promise<void> {
  const program = buildProgram(io, cliCommands);
  const role = argv[2];
  if (role === "server") {
    const { serverCommand } = await import("./server/serverCommand.js");
    program.addCommand(serverCommand());
  } else if (role === "provisioner") {
    const { provisionerCommand } = await import("./provisioner/provisionerCommand.js");
    program.addCommand(provisionerCommand());
  } else if (role === "agent") {
    const { agentCommand } = await import("./agent/agentCommand.js");
    program.addCommand(agentCommand());
  } else if (role === "stat") {
    const { statCommand } = await import("./agent/stat/statCommand.js");
    program.addCommand(statCommand(io));
  } else {
    program.command("agent").description("Run the workspace agent (inside a workspace).").allowUnknownOption().helpOption(false);
    program.command("stat").description("Print CPU, memory or disk figures of the workspace (for metadata commands).").allowUnknownOption().helpOption(false);
    program.command("provisioner").description("Run provisioner daemons outside the server.").allowUnknownOption().helpOption(false);
    program.command("server").description("Run the Den server: API, dashboard, provisioners and the agent relay.").allowUnknownOption().helpOption(false);
  }
  await program.parseAsync(argv);
}

main(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    // Commander already printed usage or help.
    process.exitCode = err.exitCode;
    return;
  }
  process.stderr.write(`den: ${describeError(err)}\n`);
  process.exitCode = err instanceof CliError ? err.exitCode : 1;
});

function describeError(err: unknown): string {
  if (err instanceof ApiError) return describeApiError(err);
  if (err instanceof NetworkError || err instanceof CliError) return err.message;
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
  }
  return String(err);
}
