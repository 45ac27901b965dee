import { Command, Option } from "commander";
import { ConfigError, loadServerConfig, serverOptions, type ServerConfig } from "./config.js";

/** `den server`, with every option from the declaration in config.ts. */
export function serverCommand(): Command {
  const cmd = new Command("server").description("Run the Den server: API, dashboard, provisioners and the agent relay.");
  for (const opt of serverOptions) {
    const flag = opt.kind === "boolean" ? `${opt.flag} [bool]` : `${opt.flag} <${opt.kind === "duration" ? "duration" : "value"}>`;
    const def = opt.defaultNote ?? (opt.default === "" ? "empty" : String(opt.default));
    cmd.addOption(new Option(flag, `${opt.description} (env ${opt.env}; default ${def})`));
  }
  cmd.action(async (flags: Record<string, unknown>) => {
    let config: ServerConfig;
    try {
      config = loadServerConfig(flags as Partial<Record<keyof ServerConfig, unknown>>, process.env);
    } catch (err) {
      if (err instanceof ConfigError) throw new Error(`invalid configuration: ${err.message}`);
      throw err;
    }
    const { runServer } = await import("./main.js");
    await runServer(config);
  });
  return cmd;
}
