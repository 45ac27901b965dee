import { describe, expect, it } from "vitest";
import { parseProcStat, readBootId, readProcStat, readProcStatSync, isGroupRunning } from "./procStat.js";

describe("procStat", () => {
  it("parses a stat line whose command name holds spaces and parentheses", () => {
    const fields = ["S", "1", "4242", "4242", "0", "-1", "4194560", "100", "0", "0", "0", "1", "2", "0", "0", "20", "0", "1", "0", "987654"];
    const stat = parseProcStat(`4242 (we (ird) name) ${fields.join(" ")} 123 456\n`);
    expect(stat).toEqual({ pid: 4242, state: "S", pgid: 4242, startTime: "987654" });
  });

  it("refuses a line that is not a stat line", () => {
    expect(() => parseProcStat("garbage")).toThrow(/unexpected \/proc stat line/);
  });

  it("reads this process, and nothing for a pid that does not exist", async () => {
    const stat = readProcStatSync(process.pid)!;
    expect(stat.pid).toBe(process.pid);
    expect(stat.state).not.toBe("Z");
    // The state letter changes (R, S) as this process runs; the identity does not.
    expect(await readProcStat(process.pid)).toMatchObject({ pid: stat.pid, pgid: stat.pgid, startTime: stat.startTime });
    // Above the kernel's pid_max ceiling (2^22), so never a real process.
    expect(readProcStatSync(2 ** 22 + 1)).toBeUndefined();
    expect(await isGroupRunning(stat.pgid)).toBe(true);
    expect(await isGroupRunning(2 ** 22 + 1)).toBe(false);
    expect(readBootId()).toMatch(/^[0-9a-f-]{36}$/);
  });
});
