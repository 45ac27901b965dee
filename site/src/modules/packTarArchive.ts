/** A file to put into an archive: its path inside the template folder and its bytes. */
export type ArchiveEntry = { path: string; data: Uint8Array };

const BLOCK = 512;

function writeText(header: Uint8Array, offset: number, length: number, text: string): void {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length > length) throw new Error(`"${text}" does not fit in a tar header field of ${length} bytes`);
  header.set(bytes, offset);
}

function writeOctal(header: Uint8Array, offset: number, length: number, value: number): void {
  writeText(header, offset, length, value.toString(8).padStart(length - 1, "0") + "\0");
}

/** Splits a long path into the ustar prefix (≤ 155 bytes) and name (≤ 100 bytes) at a slash. */
function splitPath(path: string): { prefix: string; name: string } {
  if (new TextEncoder().encode(path).length <= 100) return { prefix: "", name: path };
  for (let i = path.lastIndexOf("/"); i > 0; i = path.lastIndexOf("/", i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (new TextEncoder().encode(name).length <= 100 && new TextEncoder().encode(prefix).length <= 155) return { prefix, name };
  }
  throw new Error(`the path ${path} is too long for a tar archive`);
}

/**
 * Packs files into a ustar archive, the format `den templates push` sends:
 * regular files only, sorted by path, mode 0644, no owners and a zero time,
 * so the same folder always gives the same bytes (the server stores it once).
 */
export function packTarArchive(entries: readonly ArchiveEntry[]): Uint8Array {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const size = sorted.reduce((sum, e) => sum + BLOCK + Math.ceil(e.data.length / BLOCK) * BLOCK, 2 * BLOCK);
  const out = new Uint8Array(size);
  let offset = 0;
  for (const entry of sorted) {
    if (entry.path === "" || entry.path.startsWith("/") || entry.path.split("/").includes("..")) {
      throw new Error(`"${entry.path}" is not a relative path inside the folder`);
    }
    const header = new Uint8Array(BLOCK);
    const { prefix, name } = splitPath(entry.path);
    writeText(header, 0, 100, name);
    writeOctal(header, 100, 8, 0o644);
    writeOctal(header, 108, 8, 0);
    writeOctal(header, 116, 8, 0);
    writeOctal(header, 124, 12, entry.data.length);
    writeOctal(header, 136, 12, 0);
    header.fill(0x20, 148, 156); // The checksum counts its own field as spaces.
    header[156] = 0x30; // "0": a regular file
    writeText(header, 257, 6, "ustar\0");
    writeText(header, 263, 2, "00");
    writeText(header, 345, 155, prefix);
    const checksum = header.reduce((sum, byte) => sum + byte, 0);
    writeText(header, 148, 8, checksum.toString(8).padStart(6, "0") + "\0 ");
    out.set(header, offset);
    out.set(entry.data, offset + BLOCK);
    offset += BLOCK + Math.ceil(entry.data.length / BLOCK) * BLOCK;
  }
  return out;
}

/**
 * The entries of a folder picked with `<input webkitdirectory>`: paths
 * relative to the picked folder (its own name dropped), without .git.
 */
export async function folderEntries(files: Iterable<File>): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [];
  for (const file of files) {
    const relative = (file.webkitRelativePath || file.name).split("/").slice(file.webkitRelativePath ? 1 : 0);
    if (relative.length === 0 || relative.includes(".git")) continue;
    entries.push({ path: relative.join("/"), data: new Uint8Array(await file.arrayBuffer()) });
  }
  return entries;
}
