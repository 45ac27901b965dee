import { createCommand } from "./commands/create.js";
import { deleteCommand } from "./commands/delete.js";
import { listCommand } from "./commands/list.js";
import { loginCommand } from "./commands/login.js";
import { logsCommand } from "./commands/logs.js";
import { logoutCommand } from "./commands/logout.js";
import { restartCommand } from "./commands/restart.js";
import { showCommand } from "./commands/show.js";
import { sshCommand } from "./commands/ssh.js";
import { startCommand } from "./commands/start.js";
import { stopCommand } from "./commands/stop.js";
import { templatesCommand } from "./commands/templates.js";
import { tokensCommand } from "./commands/tokens.js";
import { updateCommand } from "./commands/update.js";
import { usersCommand } from "./commands/users.js";
import { whoamiCommand } from "./commands/whoami.js";
import type { CommandRegistrar } from "./program.js";

/** Every client verb of `den`, in the order `den --help` lists them. */
export const cliCommands: CommandRegistrar[] = [
  loginCommand, logoutCommand, whoamiCommand, usersCommand, tokensCommand, templatesCommand,
  createCommand, listCommand, showCommand, startCommand, stopCommand, restartCommand, updateCommand, deleteCommand, logsCommand,
  sshCommand,
];
