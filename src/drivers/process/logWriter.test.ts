import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startLogWriter } from "./logWriter.js";

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "den-log-writer-"));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs a shell script with its output on the writer's pipe; resolves when it exits. */
async function runInto(fd: number, script: string): Promise<void> {
  const child = spawn("sh", ["-c", script], { stdio: ["ignore", fd, fd] });
  closeSync(fd);
  await new Promise<void>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`script exited with ${code}`))));
  });
}

describe("startLogWriter", () => {
  it("keeps the output within the cap by rotating to <log>.1, with the newest output last", async () => {
    const logPath = join(dir, "logs", "box.log");
    const writer = await startLogWriter({ logPath, capBytes: 64 * 1024, nodePath: process.execPath });
    // 5000 numbered lines, about 100 KiB: more than the cap.
    await runInto(writer.fd, 'i=0; while [ $i -lt 5000 ]; do echo "line $i"; i=$((i+1)); done; echo END');
    await writer.exited;

    expect(statSync(logPath).size).toBeLessThanOrEqual(32 * 1024);
    expect(statSync(`${logPath}.1`).size).toBe(32 * 1024);
    const kept = readFileSync(`${logPath}.1`, "utf8") + readFileSync(logPath, "utf8");
    expect(kept.endsWith("line 4999\nEND\n")).toBe(true);
    // What is kept is one unbroken end of the output.
    const lines = kept.split("\n").slice(1, -2);
    const first = Number(lines[0]!.slice("line ".length));
    expect(lines).toEqual(lines.map((_, k) => `line ${first + k}`));
  });

  it("gives the command a real pipe, on which /dev/stdout and /dev/stderr can be opened", async () => {
    const logPath = join(dir, "box.log");
    const writer = await startLogWriter({ logPath, capBytes: 1024 * 1024, nodePath: process.execPath });
    await runInto(writer.fd, "echo one > /dev/stdout; echo two > /dev/stderr; echo three >&2");
    await writer.exited;
    expect(readFileSync(logPath, "utf8")).toBe("one\ntwo\nthree\n");
    // The pipe's name was only needed to open it.
    expect(readdirSync(dir)).toEqual(["box.log"]);
  });

  it("keeps reading when it cannot write, so that the command never blocks or gets SIGPIPE", async () => {
    const logPath = join(dir, "gone", "box.log");
    const writer = await startLogWriter({ logPath, capBytes: 4096, nodePath: process.execPath });
    rmSync(join(dir, "gone"), { recursive: true });
    // About 1 MiB through a 64 KiB pipe: the script ends only if everything is read.
    await runInto(writer.fd, "head -c 1048576 /dev/zero");
    await writer.exited;
    expect(existsSync(logPath)).toBe(false);
  });
});
