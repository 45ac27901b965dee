import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { Command } from "commander";
import { afterEach, describe, expect, it } from "vitest";
import { cpuUsage, parseCpuMax, parseProcStatCpu } from "./cpuUsage.js";
import { memoryUsage, parseMeminfo } from "./memoryUsage.js";
import { formatFigure, statCommand } from "./statCommand.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Runs `den [-o json] stat …` through commander, as src/den.ts registers it. */
async function runStat(args: string[]): Promise<string> {
  const out = new PassThrough();
  let text = "";
  out.on("data", (c: Buffer) => (text += c.toString()));
  const program = new Command("den").option("-o, --output <format>", "", "table").exitOverride();
  program.addCommand(statCommand({ stdout: out }));
  await program.parseAsync(["node", "den", ...args]);
  return text;
}

describe("den stat", () => {
  it("parses /proc/stat's aggregate line and counts the cores", () => {
    const text = "cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\ncpu1 50 0 25 400 25 0 0 0 0 0\nintr 1\n";
    expect(parseProcStatCpu(text)).toEqual({ busy: 150, total: 1000, cores: 2 });
  });

  it("reads a cgroup CPU limit, or none", () => {
    expect(parseCpuMax("max 100000\n")).toBeUndefined();
    expect(parseCpuMax("150000 100000\n")).toBe(1.5);
  });

  it("parses /proc/meminfo", () => {
    const text = "MemTotal:        8000000 kB\nMemFree:          100000 kB\nMemAvailable:    6000000 kB\n";
    expect(parseMeminfo(text)).toEqual({ used: 2000000 * 1024, total: 8000000 * 1024, unit: "bytes" });
  });

  it("uses the cgroup's memory limit when one is set", async () => {
    const root = mkdtempSync(join(tmpdir(), "den-stat-"));
    dirs.push(root);
    writeFileSync(join(root, "memory.max"), "1073741824\n");
    writeFileSync(join(root, "memory.current"), "600000000\n");
    writeFileSync(join(root, "memory.stat"), "anon 1\ninactive_file 100000000\n");
    expect(await memoryUsage(root)).toEqual({ used: 500000000, total: 1073741824, unit: "bytes" });
  });

  it("measures a cgroup's CPU against its limit", async () => {
    const root = mkdtempSync(join(tmpdir(), "den-stat-"));
    dirs.push(root);
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, "cpu.max"), "200000 100000\n");
    writeFileSync(join(root, "cpu.stat"), "usage_usec 1000\n");
    const usage = await cpuUsage(20, root);
    expect(usage.total).toBe(2);
    expect(usage.used).toBe(0);
  });

  it("formats figures for people", () => {
    expect(formatFigure({ used: 0.52, total: 4, unit: "cores" })).toBe("0.52/4 cores (13%)");
    expect(formatFigure({ used: 3.1 * 1024 ** 3, total: 15.5 * 1024 ** 3, unit: "bytes" })).toBe("3.1/16 GiB (20%)");
  });

  it("prints this machine's memory and disk, and CPU as JSON", async () => {
    expect(await runStat(["stat", "mem"])).toMatch(/^\d+(\.\d+)?\/\d+(\.\d+)? GiB \(\d+%\)\n$/);
    expect(await runStat(["stat", "disk", "--path", tmpdir()])).toMatch(/^\d+(\.\d+)?\/\d+(\.\d+)? GiB \(\d+%\)\n$/);
    const cpu = JSON.parse(await runStat(["-o", "json", "stat", "cpu"])) as { used: number; total: number; unit: string; percent: number };
    expect(cpu.unit).toBe("cores");
    expect(cpu.total).toBeGreaterThanOrEqual(1);
    expect(cpu.used).toBeGreaterThanOrEqual(0);
    expect(cpu.used).toBeLessThanOrEqual(cpu.total);
  });

  it("names --path when it cannot be measured", async () => {
    await expect(runStat(["stat", "disk", "--path", "/no/such/dir"])).rejects.toThrow(/--path: cannot read the file system of "\/no\/such\/dir"/);
  });
});
