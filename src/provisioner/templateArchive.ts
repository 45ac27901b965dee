import { Parser, type ReadEntry } from "tar";
import type { TemplateFile } from "../drivers/driver.js";

export type ArchiveLimits = { maxFiles: number; maxBytes: number };
export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = { maxFiles: 2000, maxBytes: 32 * 1024 * 1024 };

/** A template archive that cannot be read; the message says why, for the import log. */
export class ArchiveError extends Error {
  override name = "ArchiveError";
}

/**
 * Reads a template archive (tar, optionally gzipped) into memory: relative
 * path → bytes. Directories and links are skipped; absolute paths, `..`
 * components and archives over the limits are refused.
 */
export async function readTemplateArchive(data: Uint8Array, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Promise<Map<string, Buffer>> {
  const files = await readTemplateFiles(data, limits);
  return new Map([...files].map(([path, file]) => [path, file.data]));
}

/** Like readTemplateArchive, with each file's mode (a script copied into an image must stay executable). */
export function readTemplateFiles(data: Uint8Array, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Promise<Map<string, TemplateFile & { data: Buffer }>> {
  return new Promise((resolve, reject) => {
    const files = new Map<string, TemplateFile & { data: Buffer }>();
    let total = 0;
    let failed = false;
    const fail = (message: string) => {
      if (failed) return;
      failed = true;
      reject(new ArchiveError(message));
    };
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        const path = normalise(entry.path);
        if (entry.type !== "File" && entry.type !== "OldFile" && entry.type !== "ContiguousFile") {
          entry.resume();
          return;
        }
        if (path === undefined) {
          fail(`archive entry ${JSON.stringify(entry.path)} is not a relative path inside the template folder`);
          entry.resume();
          return;
        }
        if (files.size >= limits.maxFiles) {
          fail(`archive has more than ${limits.maxFiles} files`);
          entry.resume();
          return;
        }
        const chunks: Buffer[] = [];
        entry.on("data", (c: Buffer) => {
          total += c.length;
          if (total > limits.maxBytes) fail(`archive unpacks to more than ${limits.maxBytes} bytes`);
          else chunks.push(c);
        });
        entry.on("end", () => files.set(path, { data: Buffer.concat(chunks), mode: (entry.mode ?? 0o644) & 0o7777 }));
      },
    });
    parser.on("warn", (_code: string, message: string | Error) => fail(`malformed tar archive: ${typeof message === "string" ? message : message.message}`));
    parser.on("error", (err: Error) => fail(`malformed tar archive: ${err.message}`));
    parser.on("end", () => {
      if (failed) return;
      if (files.size === 0) fail("archive is empty or not a tar archive");
      else resolve(files);
    });
    parser.end(Buffer.from(data));
  });
}

function normalise(raw: string): string | undefined {
  const parts = raw.split("/").filter((p) => p !== "" && p !== ".");
  if (raw.startsWith("/") || parts.some((p) => p === "..") || parts.length === 0) return undefined;
  return parts.join("/");
}
