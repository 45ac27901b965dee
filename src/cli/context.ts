import type { Command } from "commander";
import { DenClient } from "../sdk/client/DenClient.js";
import { CliConfig } from "./cliConfig.js";
import { CliError } from "./errors.js";
import type { OutputFormat } from "./output.js";

export type CliIo = {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  env: NodeJS.ProcessEnv;
};

export type GlobalOptions = {
  url?: string;
  token?: string;
  globalConfig?: string;
  output: OutputFormat;
};

/** What a command needs: its IO, the stored config, and a client when logged in. */
export class CommandContext {
  readonly io: CliIo;
  readonly options: GlobalOptions;
  readonly config: CliConfig;

  constructor(io: CliIo, options: GlobalOptions) {
    this.io = io;
    this.options = options;
    this.config = new CliConfig(options.globalConfig ?? CliConfig.defaultDir(io.env));
  }

  static from(cmd: Command, io: CliIo): CommandContext {
    const opts = cmd.optsWithGlobals<GlobalOptions & Record<string, unknown>>();
    return new CommandContext(io, {
      url: opts.url ?? io.env.DEN_URL,
      token: opts.token ?? io.env.DEN_SESSION_TOKEN,
      globalConfig: opts.globalConfig,
      output: opts.output === "json" ? "json" : "table",
    });
  }

  /** The server URL from --url, DEN_URL or the stored login. */
  serverUrl(): string {
    const url = this.options.url ?? this.config.read("url");
    if (!url) throw new CliError("not logged in: run `den login <url>` first (or pass --url and --token)");
    return url;
  }

  /** A client authenticated with --token, DEN_SESSION_TOKEN or the stored session. */
  client(): DenClient {
    const url = this.serverUrl();
    const token = this.options.token ?? this.config.read("session");
    if (!token) throw new CliError("not logged in: run `den login <url>` first (or pass --token)");
    return new DenClient({ url, token });
  }

  /** A client without a token, for login and first-user set-up. */
  anonymousClient(url: string): DenClient {
    return new DenClient({ url });
  }

  print(text: string): void {
    this.io.stdout.write(text);
  }
}
