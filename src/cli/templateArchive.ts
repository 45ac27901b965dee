import { lstatSync, readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { create, extract } from "tar";
import { MAX_TEMPLATE_ARCHIVE_BYTES } from "../sdk/schemas/templateApi.js";
import { CliError } from "./errors.js";

/** Folders that are never part of a template. */
const SKIPPED_DIRS = new Set([".git"]);

export type PackedTemplate = {
  archive: Buffer;
  files: string[];
  /** Symbolic links and special files, which the server would ignore anyway. */
  skipped: string[];
};

/**
 * Packs a template folder into a tar archive. The archive depends only on the
 * files' paths, contents and modes (sorted, no times, no owners), so an
 * unchanged folder packs to the same bytes and the server stores it once.
 */
export async function packTemplateFolder(dir: string, limit = MAX_TEMPLATE_ARCHIVE_BYTES): Promise<PackedTemplate> {
  const files: string[] = [];
  const skipped: string[] = [];
  let total = 0;
  const walk = (folder: string) => {
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name);
      const rel = relative(dir, path).split(sep).join("/");
      const stat = lstatSync(path);
      if (stat.isDirectory()) {
        if (!SKIPPED_DIRS.has(name)) walk(path);
      } else if (stat.isFile()) {
        total += stat.size;
        if (total > limit) throw tooLarge(dir, total, limit);
        files.push(rel);
      } else {
        skipped.push(rel);
      }
    }
  };
  walk(dir);
  if (files.length === 0) throw new CliError(`${dir} holds no files: a template folder needs at least a den.yaml`);
  const chunks: Buffer[] = [];
  const pack = create({ cwd: dir, portable: true, noMtime: true, noDirRecurse: true }, files);
  for await (const chunk of pack) chunks.push(Buffer.from(chunk as Uint8Array));
  const archive = Buffer.concat(chunks);
  if (archive.length > limit) throw tooLarge(dir, archive.length, limit);
  return { archive, files, skipped };
}

/** Unpacks a template archive into `dir`; paths that would leave it (absolute, ..) are refused by tar. */
export function extractTemplateArchive(data: Uint8Array, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const unpack = extract({ cwd: dir, strict: true });
    unpack.on("error", (err: Error) => reject(new CliError(`cannot unpack the template archive: ${err.message}`)));
    unpack.on("finish", () => resolve());
    unpack.end(Buffer.from(data));
  });
}

function tooLarge(dir: string, size: number, limit: number): CliError {
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return new CliError(`${dir} packs to more than ${mib(limit)} (at least ${mib(size)}), the server's limit for a template: leave large files out of the folder`);
}
