import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { closeSync, constants, openSync, unlinkSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { promisify } from "node:util";

/**
 * The log writer: a small Node.js program, run with `node -e`, that copies
 * its stdin to <log> and, whenever <log> reaches half the cap, renames it to
 * <log>.1 (replacing the older one) and starts a new <log>. So the two files
 * never hold more than the cap together, and at least the last half-cap of
 * output is always kept. It exits when the last writer closes the pipe.
 * Write errors (disk full, the folder removed on workspace delete) drop
 * output but never stop the reading: a writer blocked on a full pipe, or
 * killed by SIGPIPE, would take the workspace's process down with it.
 * CommonJS on purpose: `node -e` runs a script without any file of ours, so
 * it works the same from src/ under test and from dist/.
 */
const LOG_WRITER_SCRIPT = `"use strict";
const fs = require("fs");
const log = process.argv[1];
const half = Number(process.argv[2]);
let fd = -1;
let size = 0;
function open() {
  try { fd = fs.openSync(log, "a"); size = fs.fstatSync(fd).size; } catch { fd = -1; size = 0; }
}
function rotate() {
  if (fd >= 0) { try { fs.closeSync(fd); } catch {} }
  try { fs.renameSync(log, log + ".1"); } catch {}
  open();
  size = 0;
}
open();
process.stdin.on("data", (chunk) => {
  let off = 0;
  while (off < chunk.length) {
    if (size >= half) rotate();
    const n = Math.min(chunk.length - off, half - size);
    if (fd >= 0) {
      try { fs.writeSync(fd, chunk, off, n); } catch { try { fs.closeSync(fd); } catch {} fd = -1; }
    }
    off += n;
    size += n;
  }
});
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
`;

export type LogWriter = {
  /**
   * The write end of the pipe, for the command's stdout and stderr. The
   * caller closes it once the command is spawned, so that the writer sees
   * the end of the output when the command's processes exit.
   */
  fd: number;
  /** Settles when the writer has exited, i.e. has written all output it got. */
  exited: Promise<void>;
  /** Pid of the writer process (for tests and diagnostics). */
  pid: number;
};

const execFileAsync = promisify(execFile);

/**
 * Starts a log writer for `logPath` capped at `capBytes`, detached from this
 * server so that a restart of the server does not break the command's
 * output: the command writes into a real pipe (a FIFO unlinked once open,
 * because Node's own child pipes are socket pairs, on which `echo >
 * /dev/stderr` fails with ENXIO) read by the writer, not by the server.
 */
export async function startLogWriter(opts: { logPath: string; capBytes: number; nodePath: string }): Promise<LogWriter> {
  await mkdir(dirname(opts.logPath), { recursive: true });
  const fifo = `${opts.logPath}.${randomUUID().slice(0, 8)}.fifo`;
  try {
    await execFileAsync("mkfifo", ["-m", "600", fifo]);
  } catch (err) {
    throw new Error(`create the output pipe ${fifo} (is mkfifo installed?)`, { cause: err });
  }
  let readFd = -1;
  let writeFd = -1;
  try {
    // Non-blocking, so that opening the read end does not wait for a writer;
    // then opening the write end does not wait either, as a reader exists.
    readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    writeFd = openSync(fifo, constants.O_WRONLY);
  } catch (err) {
    if (readFd >= 0) closeSync(readFd);
    throw new Error(`open the output pipe ${fifo}`, { cause: err });
  } finally {
    unlinkSync(fifo);
  }
  let writer: ChildProcess;
  try {
    writer = spawn(opts.nodePath, ["-e", LOG_WRITER_SCRIPT, opts.logPath, String(Math.max(1024, Math.floor(opts.capBytes / 2)))], {
      detached: true,
      stdio: [readFd, "ignore", "ignore"],
      // Nothing of the server's environment (NODE_OPTIONS, DEN_* secrets).
      env: {},
      cwd: dirname(opts.logPath),
    });
  } catch (err) {
    closeSync(writeFd);
    throw new Error(`start the log writer ${opts.nodePath}`, { cause: err });
  } finally {
    closeSync(readFd);
  }
  const exited = new Promise<void>((resolve) => {
    writer.once("exit", () => resolve());
    writer.once("error", () => resolve());
  });
  if (writer.pid === undefined) {
    closeSync(writeFd);
    await exited;
    throw new Error(`start the log writer: cannot run ${opts.nodePath}`);
  }
  writer.unref();
  return { fd: writeFd, exited, pid: writer.pid };
}
