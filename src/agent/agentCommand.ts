import { Command, Option } from "commander";
import { loadAgentConfig } from "./agentConfig.js";

/**
 * `den agent`: the workspace agent, started inside the workspace by the
 * template's driver with DEN_AGENT_URL and DEN_AGENT_TOKEN in its
 * environment. The agent's modules load only when it runs.
 */
export function agentCommand(): Command {
  return new Command("agent")
    .description("Run the workspace agent (inside a workspace; the driver starts it with DEN_AGENT_URL and DEN_AGENT_TOKEN set).")
    .addOption(new Option("--log-level <level>", "log level: trace, debug, info, warn, error (env DEN_AGENT_LOG_LEVEL; default info)"))
    .addHelpText("after", "\nEnvironment:\n  DEN_AGENT_URL    the Den server's URL\n  DEN_AGENT_TOKEN  the agent token of the workspace's build\n")
    .action(async (opts: { logLevel?: string }) => {
      const config = loadAgentConfig(opts, process.env);
      const { runAgent } = await import("./main.js");
      await runAgent(config);
    });
}
