import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { BuildProgress } from "./followBuild.js";

function stream(isTTY: boolean): { out: PassThrough & { isTTY?: boolean }; text: () => string } {
  const out = new PassThrough() as PassThrough & { isTTY?: boolean };
  out.isTTY = isTTY;
  let text = "";
  out.on("data", (c: Buffer) => (text += c.toString()));
  return { out, text: () => text };
}

describe("BuildProgress", () => {
  it("stamps stage headers with the seconds since the start and passes other lines through", () => {
    let now = 1000;
    const s = stream(false);
    const progress = new BuildProgress(s.out, () => now);
    now = 1400;
    progress.line("==> Creating box (process.process)");
    progress.line("Started box (pid 42)");
    now = 3250;
    progress.line("==> Workspace started");
    progress.stop();
    expect(s.text()).toBe("==> Creating box (process.process) [0.4s]\nStarted box (pid 42)\n==> Workspace started [2.3s]\n");
    expect(progress.elapsed()).toBe("2.3s");
  });

  it("on a terminal keeps a status line with the stage and elapsed seconds below the log, and clears it at the end", () => {
    let now = 0;
    const s = stream(true);
    const progress = new BuildProgress(s.out, () => now);
    expect(s.text()).toMatch(/^\S Waiting for a provisioner 0s$/);
    now = 2100;
    progress.line("==> Creating box (process.process)");
    progress.stop();
    const text = s.text();
    expect(text).toContain("\r\x1b[2K==> Creating box (process.process) [2.1s]\n");
    expect(text).toMatch(/\S Creating box \(process\.process\) 2s\r\x1b\[2K$/);
  });
});
