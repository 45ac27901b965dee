import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const script = join(import.meta.dirname, "..", "..", "scripts", "ciSummary.mjs");
const dir = mkdtempSync(join(tmpdir(), "den-ci-summary-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The line format CI recognises as a test runner's summary. */
const SUMMARY = /^(\w+: )?\d+ passed, \d+ failed(, \d+ skipped)?$/;

function summarise(report: unknown, vitestStatus = "0") {
  const path = join(dir, `report-${Math.random().toString(36).slice(2)}.json`);
  if (report !== undefined) writeFileSync(path, JSON.stringify(report));
  const run = spawnSync(process.execPath, [script, path, vitestStatus], { encoding: "utf8" });
  const lines = run.stdout.trimEnd().split("\n");
  expect(lines.at(-1)).toMatch(SUMMARY);
  return { code: run.status, last: lines.at(-1), stderr: run.stderr };
}

const file = (status: string, tests: string[], message = "") => ({ name: "/x.test.ts", status, message, assertionResults: tests.map((s) => ({ status: s })) });

describe("ciSummary", () => {
  it("prints passed, failed and skipped counts and exits 0 when nothing failed", () => {
    const out = summarise({ success: true, numPassedTests: 57, numFailedTests: 0, numPendingTests: 1, numTodoTests: 1, testResults: [file("passed", ["passed"])] });
    expect(out).toMatchObject({ code: 0, last: "vitest: 57 passed, 0 failed, 2 skipped" });
  });

  it("exits non-zero when a test failed", () => {
    const out = summarise({ success: false, numPassedTests: 3, numFailedTests: 2, numPendingTests: 0, testResults: [file("failed", ["failed", "failed", "passed"])] }, "1");
    expect(out).toMatchObject({ code: 1, last: "vitest: 3 passed, 2 failed, 0 skipped" });
  });

  it("counts a test file that failed to load as a failure", () => {
    const out = summarise({ success: false, numPassedTests: 4, numFailedTests: 0, numPendingTests: 0, testResults: [file("failed", [], "Cannot find module './gone.js'")] }, "1");
    expect(out).toMatchObject({ code: 1, last: "vitest: 4 passed, 1 failed, 0 skipped" });
    expect(out.stderr).toContain("Cannot find module './gone.js'");
  });

  it("fails the run when vitest failed outside any test", () => {
    const out = summarise({ success: true, numPassedTests: 4, numFailedTests: 0, numPendingTests: 0, testResults: [] }, "1");
    expect(out).toMatchObject({ code: 1, last: "vitest: 4 passed, 1 failed, 0 skipped" });
  });

  it("fails when there is no report", () => {
    const out = summarise(undefined, "1");
    expect(out).toMatchObject({ code: 1, last: "vitest: 0 passed, 1 failed, 0 skipped" });
    expect(out.stderr).toContain("cannot read the vitest report");
  });
});
