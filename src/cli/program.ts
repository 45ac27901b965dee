import { Command, Option } from "commander";
import type { CliIo } from "./context.js";

export type CommandRegistrar = (program: Command, io: CliIo) => void;

/**
 * The `den` command tree without the server-side roles; src/den.ts adds
 * `server` (and later `agent`, `provisioner`) to it.
 */
export function buildProgram(io: CliIo, registrars: CommandRegistrar[]): Command {
  const program = new Command("den")
    .description("Den: cloud development environments on your own infrastructure.")
    .option("--url <url>", "server URL (env DEN_URL; default: the one you logged in to)")
    .option("--token <token>", "session or API token (env DEN_SESSION_TOKEN; default: the stored session)")
    .option("--global-config <dir>", "directory of the CLI's stored session (env DEN_CONFIG_DIR; default ~/.config/den)")
    .addOption(new Option("-o, --output <format>", "output format of listings and shows").choices(["table", "json"]).default("table"))
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Usage errors follow the CLI's rule too: one line on stderr, with where to look next.
      outputError: (s, write) => write(`den: ${oneLine(s.replace(/^error: /, ""))} (run with --help for usage)\n`),
    })
    .exitOverride();
  for (const register of registrars) register(program, io);
  return program;
}

function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, " ");
}
