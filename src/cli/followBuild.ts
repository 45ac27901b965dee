import type { DenClient } from "../sdk/client/DenClient.js";
import { buildLogsPath } from "../sdk/client/workspaces.js";
import type { WorkspaceBuild } from "../sdk/schemas/workspaces.js";
import { CliError } from "./errors.js";
import { followLogs } from "./followLogs.js";

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const REDRAW_MS = 100;

type Out = NodeJS.WritableStream & { isTTY?: boolean };

/**
 * Shows a build as it goes: each stage header with the seconds since the
 * build was followed, the log lines, and on a terminal a status line at the
 * bottom with a spinner, the current stage and the elapsed seconds.
 */
export class BuildProgress {
  private readonly started: number;
  private stage = "Waiting for a provisioner";
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private statusShown = false;

  constructor(
    private readonly out: Out,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
    if (out.isTTY === true) {
      this.timer = setInterval(() => this.redraw(), REDRAW_MS);
      this.timer.unref();
      this.redraw();
    }
  }

  /** Seconds since the start, one decimal. */
  elapsed(): string {
    return `${((this.now() - this.started) / 1000).toFixed(1)}s`;
  }

  /** One line of followLogs' output; stage headers (`==> …`) get the elapsed time. */
  line(text: string): void {
    let shown = text;
    if (text.startsWith("==> ")) {
      this.stage = text.slice(4);
      shown = `${text} [${this.elapsed()}]`;
    }
    this.clearStatus();
    this.out.write(`${shown}\n`);
    this.redraw();
  }

  /** Removes the status line for good; call before printing the outcome. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clearStatus();
  }

  private redraw(): void {
    if (!this.timer) return;
    this.clearStatus();
    const spin = SPINNER[this.frame++ % SPINNER.length];
    this.out.write(`${spin} ${this.stage} ${Math.floor((this.now() - this.started) / 1000)}s`);
    this.statusShown = true;
  }

  private clearStatus(): void {
    if (!this.statusShown) return;
    this.out.write("\r\x1b[2K");
    this.statusShown = false;
  }
}

const DONE_WORDS: Record<WorkspaceBuild["transition"], string> = { start: "is running", stop: "is stopped", delete: "is deleted" };

/**
 * Follows a build's log live until the build ends and answers the ended
 * build; throws a CliError with the build's error when it did not succeed.
 */
export async function followBuild(client: DenClient, build: WorkspaceBuild, out: Out): Promise<WorkspaceBuild> {
  const what = `${build.workspace_owner_name}/${build.workspace_name}`;
  out.write(`Build #${build.build_number} (${build.transition}) of ${what}:\n`);
  const progress = new BuildProgress(out);
  try {
    await followLogs({ client, path: buildLogsPath(build.id), write: (line) => progress.line(line) });
  } finally {
    progress.stop();
  }
  const ended = await client.workspaces.getBuild(build.id);
  if (ended.job.status !== "succeeded") {
    // The error may hold the process's last output over several lines; the log above showed it already.
    const why = ended.job.error ? `: ${ended.job.error.replace(/\s*\n\s*/g, " ")}` : "";
    throw new CliError(`build #${ended.build_number} (${ended.transition}) of ${what} ${ended.job.status === "failed" ? "failed" : `ended ${ended.job.status}`}${why}`);
  }
  out.write(`Workspace ${what} ${DONE_WORDS[ended.transition]} (build #${ended.build_number}, ${progress.elapsed()}).\n`);
  return ended;
}
