import type { Stats } from "node:fs";
import type { Attributes } from "ssh2";

/** SFTP v3 attributes of a file: size, owner, full mode (type bits included) and times in seconds. */
export function sftpAttrs(stats: Stats): Attributes {
  return {
    mode: stats.mode,
    uid: stats.uid,
    gid: stats.gid,
    size: stats.size,
    atime: Math.floor(stats.atimeMs / 1000),
    mtime: Math.floor(stats.mtimeMs / 1000),
  };
}

const TYPE_CHARS: Array<[number, string]> = [
  [0o140000, "s"],
  [0o120000, "l"],
  [0o100000, "-"],
  [0o060000, "b"],
  [0o040000, "d"],
  [0o020000, "c"],
  [0o010000, "p"],
];

/** `ls -l`'s mode column, e.g. "drwxr-xr-x" or "-rwsr-x--T". */
export function modeString(mode: number): string {
  const type = TYPE_CHARS.find(([bits]) => (mode & 0o170000) === bits)?.[1] ?? "?";
  const triplet = (shift: number, special: number, specialChar: string) => {
    const r = mode & (4 << shift) ? "r" : "-";
    const w = mode & (2 << shift) ? "w" : "-";
    const x = mode & (1 << shift);
    const s = mode & special;
    const xChar = s ? (x ? specialChar : specialChar.toUpperCase()) : x ? "x" : "-";
    return r + w + xChar;
  };
  return type + triplet(6, 0o4000, "s") + triplet(3, 0o2000, "s") + triplet(0, 0o1000, "t");
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const HALF_YEAR_MS = 182 * 24 * 3600 * 1000;

/**
 * The `longname` of a directory entry, laid out like OpenSSH's sftp-server
 * (ls -l) because `sftp`'s `ls -l` prints it as is. Owners are numeric: the
 * agent does not resolve names through NSS on every listing.
 */
export function sftpLongname(name: string, stats: Stats, now: number): string {
  const date = new Date(stats.mtimeMs);
  const day = String(date.getDate()).padStart(2, " ");
  const recent = Math.abs(now - stats.mtimeMs) < HALF_YEAR_MS;
  const clock = recent
    ? `${String(date.getHours()).padStart(2, "0")}:${String(date.getMinutes()).padStart(2, "0")}`
    : ` ${date.getFullYear()}`;
  const owner = String(stats.uid).padEnd(8, " ");
  const group = String(stats.gid).padEnd(8, " ");
  return `${modeString(stats.mode)} ${String(stats.nlink).padStart(3, " ")} ${owner} ${group} ${String(stats.size).padStart(8, " ")} ${MONTHS[date.getMonth()]} ${day} ${clock} ${name}`;
}
