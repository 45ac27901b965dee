import type { CommandRegistrar } from "./program.js";

/**
 * Every client verb of `den`, in the order `den --help` lists them, each
 * loaded on demand: `den ssh --stdio` (OpenSSH's ProxyCommand, run for every
 * connection) loads the ssh command alone, not every command's schemas.
 */
export type CliVerb = { names: string[]; load(): Promise<CommandRegistrar> };

export const cliVerbs: CliVerb[] = [
  { names: ["login"], load: async () => (await import("./commands/login.js")).loginCommand },
  { names: ["logout"], load: async () => (await import("./commands/logout.js")).logoutCommand },
  { names: ["whoami"], load: async () => (await import("./commands/whoami.js")).whoamiCommand },
  { names: ["users"], load: async () => (await import("./commands/users.js")).usersCommand },
  { names: ["tokens"], load: async () => (await import("./commands/tokens.js")).tokensCommand },
  { names: ["templates", "template"], load: async () => (await import("./commands/templates.js")).templatesCommand },
  { names: ["create"], load: async () => (await import("./commands/create.js")).createCommand },
  { names: ["list", "ls"], load: async () => (await import("./commands/list.js")).listCommand },
  { names: ["show"], load: async () => (await import("./commands/show.js")).showCommand },
  { names: ["start"], load: async () => (await import("./commands/start.js")).startCommand },
  { names: ["stop"], load: async () => (await import("./commands/stop.js")).stopCommand },
  { names: ["restart"], load: async () => (await import("./commands/restart.js")).restartCommand },
  { names: ["update"], load: async () => (await import("./commands/update.js")).updateCommand },
  { names: ["delete", "rm"], load: async () => (await import("./commands/delete.js")).deleteCommand },
  { names: ["logs"], load: async () => (await import("./commands/logs.js")).logsCommand },
  { names: ["ssh"], load: async () => (await import("./commands/ssh.js")).sshCommand },
  { names: ["config-ssh"], load: async () => (await import("./commands/configSsh.js")).configSshCommand },
  { names: ["port-forward"], load: async () => (await import("./commands/portForward.js")).portForwardCommand },
  { names: ["port"], load: async () => (await import("./commands/port.js")).portCommand },
  { names: ["open"], load: async () => (await import("./commands/open.js")).openCommand },
];

/** Global options of `den` that take a value (see program.ts). */
const VALUE_OPTIONS = new Set(["--url", "--token", "--global-config", "-o", "--output"]);

/** The first word of argv (after node and the script) that is not a global option or its value. */
export function firstVerb(argv: string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]!;
    if (VALUE_OPTIONS.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith("-")) continue;
    return arg;
  }
  return undefined;
}

/** The registrars to load for this argv: the verb's alone, or all of them (help, unknown verbs). */
export async function registrarsFor(argv: string[]): Promise<CommandRegistrar[]> {
  const word = firstVerb(argv);
  const verb = cliVerbs.find((v) => word !== undefined && v.names.includes(word));
  return verb ? [await verb.load()] : Promise.all(cliVerbs.map((v) => v.load()));
}
