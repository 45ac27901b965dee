import { Command, Option } from "commander";
import { cpuUsage } from "./cpuUsage.js";
import { diskUsage } from "./diskUsage.js";
import { memoryUsage } from "./memoryUsage.js";

type Figure = { used: number; total: number; unit: "cores" | "bytes" };

/**
 * `den stat cpu|mem|disk`: one line of figures about the workspace, for the
 * template's metadata commands (e.g. `den stat mem` every 10 s), or JSON
 * with the global `-o json`.
 */
export function statCommand(io: { stdout: NodeJS.WritableStream }): Command {
  const cmd = new Command("stat").description("Print CPU, memory or disk figures of the workspace (for metadata commands).");
  const print = (sub: Command, figure: Figure & Record<string, unknown>) => {
    const json = sub.optsWithGlobals<{ output?: string }>().output === "json";
    io.stdout.write(json ? JSON.stringify({ ...figure, percent: percent(figure) }) + "\n" : formatFigure(figure) + "\n");
  };
  cmd
    .command("cpu")
    .description("CPU in use, in cores, against the container's limit or the machine's cores.")
    .action(async (_opts: unknown, sub: Command) => print(sub, await cpuUsage()));
  cmd
    .command("mem")
    .description("Memory in use against the container's limit or the machine's memory.")
    .action(async (_opts: unknown, sub: Command) => print(sub, await memoryUsage()));
  cmd
    .command("disk")
    .description("Disk space used on the file system holding --path.")
    .addOption(new Option("--path <path>", "a path on the file system to measure").default("/"))
    .action(async (opts: { path: string }, sub: Command) => {
      try {
        print(sub, await diskUsage(opts.path));
      } catch (err) {
        throw new Error(`--path: cannot read the file system of ${JSON.stringify(opts.path)}: ${(err as Error).message}`);
      }
    });
  return cmd;
}

/** "1.2/4 cores (30%)", "3.1/15.5 GiB (20%)". */
export function formatFigure(figure: Figure): string {
  if (figure.unit === "cores") return `${round(figure.used)}/${round(figure.total)} cores (${percent(figure)}%)`;
  const gib = 1024 ** 3;
  return `${round(figure.used / gib)}/${round(figure.total / gib)} GiB (${percent(figure)}%)`;
}

function percent(figure: Figure): number {
  return figure.total > 0 ? Math.round((figure.used / figure.total) * 100) : 0;
}

/** Two significant-looking digits: 0.52, 3.1, 16. */
function round(n: number): string {
  return String(Number(n.toFixed(n >= 10 ? 0 : n >= 1 ? 1 : 2)));
}
