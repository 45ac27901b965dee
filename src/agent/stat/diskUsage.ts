import { statfs } from "node:fs/promises";

export type DiskUsage = { used: number; total: number; unit: "bytes"; path: string };

/** Space used and total of the file system holding `path` (as `df` shows it). */
export async function diskUsage(path: string): Promise<DiskUsage> {
  const fs = await statfs(path);
  const total = fs.blocks * fs.bsize;
  return { used: (fs.blocks - fs.bfree) * fs.bsize, total, unit: "bytes", path };
}
