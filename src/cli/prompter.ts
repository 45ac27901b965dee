import { createInterface, type Interface } from "node:readline";
import { Writable } from "node:stream";
import { CliError } from "./errors.js";

export type PromptStreams = {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Where questions go; stderr, so that stdout stays clean for what scripts read. */
  output: NodeJS.WritableStream;
  /** Line editing and hidden input; true when the input is a terminal. */
  terminal?: boolean;
};

export type AskOptions = {
  /** Answer used when the user just presses Enter; shown in the question. */
  default?: string;
  /** Returns what is wrong with an answer, or undefined when it is fine; a wrong answer is asked again. */
  validate?: (answer: string) => string | undefined;
};

/**
 * Questions on a terminal, one line each, with hidden input for secrets.
 * One readline interface serves every question, and lines are queued as
 * they arrive, so that answers typed (or piped) ahead are not lost.
 */
export class Prompter {
  private readonly rl: Interface;
  private readonly output: NodeJS.WritableStream;
  private readonly lines: string[] = [];
  private waiter: { resolve: (line: string) => void; reject: (err: Error) => void } | undefined;
  private ended: CliError | undefined;
  private muted = false;

  constructor(streams: PromptStreams) {
    this.output = streams.output;
    // Readline echoes what is typed through this stream; muting it hides a password while keeping line editing.
    const echo = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        if (!this.muted) this.output.write(chunk);
        done();
      },
    });
    this.rl = createInterface({ input: streams.input, output: echo, terminal: streams.terminal ?? streams.input.isTTY === true });
    this.rl.on("line", (line) => this.push(line));
    this.rl.on("close", () => this.end(new CliError("input ended before all questions were answered")));
    this.rl.on("SIGINT", () => this.end(new CliError("interrupted", 130)));
  }

  async ask(question: string, opts: AskOptions = {}): Promise<string> {
    const label = opts.default ? `${question} (${opts.default}): ` : `${question}: `;
    for (;;) {
      const answer = (await this.readLine(label, false)).trim() || opts.default || "";
      const problem = opts.validate?.(answer);
      if (!problem) return answer;
      this.say(`  ${problem}`);
    }
  }

  /** Asks without echoing the answer. */
  async askSecret(question: string, opts: Pick<AskOptions, "validate"> = {}): Promise<string> {
    for (;;) {
      const answer = await this.readLine(`${question}: `, true);
      const problem = opts.validate?.(answer);
      if (!problem) return answer;
      this.say(`  ${problem}`);
    }
  }

  async confirm(question: string, defaultYes = true): Promise<boolean> {
    const answer = await this.ask(`${question} [${defaultYes ? "Y/n" : "y/N"}]`, {
      validate: (a) => (/^(y|yes|n|no|)$/i.test(a) ? undefined : "answer y or n"),
    });
    return answer === "" ? defaultYes : /^y/i.test(answer);
  }

  /** A line of explanation between questions. */
  say(line: string): void {
    this.output.write(`${line}\n`);
  }

  /** Restores the terminal; call it when done, also after a failure. */
  close(): void {
    this.muted = false;
    this.rl.close();
  }

  private async readLine(prompt: string, secret: boolean): Promise<string> {
    this.rl.setPrompt(prompt);
    this.rl.prompt();
    this.muted = secret;
    try {
      return await this.nextLine();
    } finally {
      if (secret) {
        this.muted = false;
        // The Enter key was not echoed either.
        this.output.write("\n");
      }
    }
  }

  private nextLine(): Promise<string> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  private push(line: string): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) waiter.resolve(line);
    else this.lines.push(line);
  }

  private end(err: CliError): void {
    this.ended ??= err;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(this.ended);
  }
}
