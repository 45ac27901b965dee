#!/usr/bin/env node
// Prints the one line CI reads as the test result, from vitest's JSON report
// (vitest.config.ts writes test-results/vitest.json when CI is set):
//   vitest: 57 passed, 0 failed, 2 skipped
// and exits non-zero when anything failed. Usage:
//   node scripts/ciSummary.mjs [report.json] [vitest exit status]
// A test file that fails to load has no test results of its own; it counts as
// one failed test here, so that a broken import cannot pass as "0 failed".
import { readFileSync } from "node:fs";

const [reportPath = "test-results/vitest.json", vitestStatus = "0"] = process.argv.slice(2);

let report;
try {
  report = JSON.parse(readFileSync(reportPath, "utf8"));
} catch (err) {
  process.stderr.write(`ciSummary: cannot read the vitest report ${reportPath}: ${err.message}\n`);
  process.stdout.write("vitest: 0 passed, 1 failed, 0 skipped\n");
  process.exit(1);
}

const files = Array.isArray(report.testResults) ? report.testResults : [];
const brokenFiles = files.filter((f) => f.status === "failed" && !(f.assertionResults ?? []).some((a) => a.status === "failed"));
for (const f of brokenFiles) process.stderr.write(`ciSummary: ${f.name} failed outside its tests: ${(f.message ?? "").split("\n")[0]}\n`);

const passed = report.numPassedTests ?? 0;
const failed = (report.numFailedTests ?? 0) + brokenFiles.length;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);

// vitest may also fail the run for errors outside any test (an unhandled rejection).
const runFailed = report.success === false || vitestStatus !== "0";
const shownFailed = failed === 0 && runFailed ? 1 : failed;
if (failed === 0 && runFailed) process.stderr.write(`ciSummary: vitest reported a failed run (exit status ${vitestStatus}) outside any test; see its output above\n`);

process.stdout.write(`vitest: ${passed} passed, ${shownFailed} failed, ${skipped} skipped\n`);
process.exit(shownFailed > 0 ? 1 : 0);
