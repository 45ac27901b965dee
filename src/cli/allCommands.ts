import type { CommandRegistrar } from "./program.js";

/** Every client verb of `den`, in the order `den --help` lists them. */
export const cliCommands: CommandRegistrar[] = [];
