import { open, stat } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";

export type LogFollowerLimits = { maxLines: number; maxLineLength: number };

const DEFAULT_LIMITS: LogFollowerLimits = { maxLines: 200, maxLineLength: 2000 };

/**
 * Follows a process's log file while it starts and forwards its first lines
 * (to the build log). Reading the file, rather than a pipe to the server,
 * keeps the server out of the process's output path.
 */
export class LogFollower {
  private offset: number;
  private rotated = false;
  private partial = "";
  private lines = 0;
  private readonly decoder = new StringDecoder("utf8");
  private readonly limits: LogFollowerLimits;

  /** `startOffset`: where this start's output begins in the file. */
  constructor(
    private readonly path: string,
    private readonly startOffset: number,
    private readonly forward: (line: string) => void,
    limits: Partial<LogFollowerLimits> = {},
  ) {
    this.offset = startOffset;
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Forwards the complete lines written since the last call. */
  async poll(): Promise<void> {
    if (this.full()) return;
    const size = await sizeOf(this.path);
    if (size < this.offset) {
      // The log writer rotated the file: what it moved away is skipped.
      this.rotated = true;
      this.offset = 0;
    }
    if (size === this.offset) return;
    // Bounded, so that a flood of output without newlines cannot fill the server's memory.
    const bytes = await readRange(this.path, this.offset, Math.min(size, this.offset + 65536));
    this.offset += bytes.length;
    const text = this.partial + this.decoder.write(bytes);
    const parts = text.split("\n");
    this.partial = parts.pop() ?? "";
    for (const line of parts) this.emit(line);
    if (this.partial.length > this.limits.maxLineLength) {
      this.emit(this.partial);
      this.partial = "";
    }
  }

  /** Forwards a last line that has no newline yet. */
  flush(): void {
    if (this.partial !== "") this.emit(this.partial);
    this.partial = "";
  }

  /** Whether more output was written than was forwarded. */
  truncated(): boolean {
    return this.full();
  }

  /** The last `maxBytes` of this start's output, whole lines only, for an error message. */
  async tail(maxBytes = 4096): Promise<string> {
    const size = await sizeOf(this.path);
    const from = Math.max(this.rotated || size < this.startOffset ? 0 : this.startOffset, size - maxBytes);
    let text = (await readRange(this.path, from, size)).toString("utf8");
    if (from > this.startOffset || this.rotated) text = text.slice(text.indexOf("\n") + 1);
    return text.trimEnd();
  }

  private full(): boolean {
    return this.lines >= this.limits.maxLines;
  }

  private emit(line: string): void {
    if (this.full()) return;
    const clean = line.replace(/\r$/, "");
    this.forward(clean.length > this.limits.maxLineLength ? `${clean.slice(0, this.limits.maxLineLength)}…` : clean);
    this.lines++;
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw err;
  }
}

async function readRange(path: string, from: number, to: number): Promise<Buffer> {
  if (to <= from) return Buffer.alloc(0);
  let handle;
  try {
    handle = await open(path, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return Buffer.alloc(0);
    throw err;
  }
  try {
    const buffer = Buffer.alloc(to - from);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
