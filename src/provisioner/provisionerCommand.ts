import { hostname } from "node:os";
import { join } from "node:path";
import { homedir } from "node:os";
import { Command, Option } from "commander";
import { pino } from "pino";
import { dockerDriverOptions, dockerOptions, loadDockerSettings, type DockerSettings } from "../drivers/docker/dockerOptions.js";
import { createDriverRegistry, type DriverRegistryOptions } from "../drivers/registry.js";
import { HttpJobSource } from "./httpJobSource.js";
import { ProvisionerDaemon } from "./provisionerDaemon.js";

/**
 * `den provisioner start`: provisioner daemons outside the server, taking jobs
 * over the API with a pre-shared key. Drivers run on this host, so the process
 * driver creates its directories and processes here.
 */
export function provisionerCommand(): Command {
  const cmd = new Command("provisioner").description("Run provisioner daemons outside the server.");
  const start = cmd
    .command("start")
    .description("Take build jobs from a Den server and run them with this host's drivers.")
    .addOption(new Option("--psk <key>", "pre-shared key, as given to the server's --provisioner-psk").env("DEN_PROVISIONER_PSK").makeOptionMandatory())
    .addOption(new Option("--daemons <n>", "daemons to run side by side").env("DEN_PROVISIONER_DAEMONS").default("1"))
    .addOption(new Option("--data-dir <dir>", "directory for the process driver's workspaces").env("DEN_DATA_DIR").default(join(homedir(), ".local", "share", "den")))
    .addOption(new Option("--log-level <level>", "log level").env("DEN_LOG_LEVEL").default("info"));
  // The same Docker options as `den server`'s, for the docker driver of this host's daemons.
  for (const o of dockerOptions) start.addOption(new Option(`${o.flag} <value>`, o.defaultNote ? `${o.description} (default: ${o.defaultNote})` : o.description).env(o.env));
  start
    .addHelpText("after", "\nExample:\n  den provisioner start --url https://den.example.com --psk \"$DEN_PROVISIONER_PSK\"\n")
    // --url is the global option of `den` (env DEN_URL): the server to take jobs from.
    .action(async (opts: StartOptions, cmd: Command) => {
      const url = cmd.optsWithGlobals<{ url?: string }>().url ?? process.env.DEN_URL;
      if (!url) throw new Error("--url: the server URL is required (or set DEN_URL)");
      const count = Number(opts.daemons);
      if (!Number.isInteger(count) || count < 1 || count > 64) throw new Error(`--daemons: must be a whole number from 1 to 64, got ${JSON.stringify(opts.daemons)}`);
      const docker = loadDockerSettings(opts, process.env);
      const log = pino({ level: opts.logLevel, base: { role: "provisioner" } }, pino.destination(2));
      const source = new HttpJobSource(url, opts.psk);
      // Agents launched by the process driver run this same `den`, and dial the server we poll.
      const drivers = createDriverRegistry(provisionerRegistryOptions({ url, dataDir: opts.dataDir, docker, agentCommand: [process.execPath, process.argv[1]!, "agent"] }));
      const daemons = Array.from({ length: count }, (_, i) => new ProvisionerDaemon({ id: `${hostname()}-${process.pid}-ext${i + 1}`, source, drivers, log }));
      for (const d of daemons) d.start();
      process.stdout.write(`Provisioner running: ${count} daemon(s) taking jobs from ${url}\n`);
      const stop = () =>
        void Promise.all(daemons.map((d) => d.stop())).then(() => {
          source.close();
          drivers.close();
          process.exit(0);
        });
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
  return cmd;
}

type StartOptions = { psk: string; daemons: string; dataDir: string; logLevel: string } & Partial<Record<keyof DockerSettings, string>>;

/**
 * The drivers of an external provisioner: the process driver under its data
 * directory, the docker driver on the Docker engine its options name. Agents
 * of either dial the server the daemons take jobs from.
 */
export function provisionerRegistryOptions(opts: { url: string; dataDir: string; docker: DockerSettings; agentCommand: string[] }): DriverRegistryOptions {
  const agentUrl = () => opts.url;
  return {
    dataDir: opts.dataDir,
    process: { agent: { command: opts.agentCommand, url: agentUrl } },
    docker: { ...dockerDriverOptions(opts.docker), agentUrl },
  };
}
