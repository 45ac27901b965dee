import { chmodSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "tar";
import { afterAll, describe, expect, it } from "vitest";
import { ArchiveError, readTemplateArchive, readTemplateFiles } from "./templateArchive.js";

const dir = mkdtempSync(join(tmpdir(), "den-archive-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function pack(files: Record<string, string>, opts: { gzip?: boolean; executable?: string[] } = {}): Promise<Buffer> {
  const root = mkdtempSync(join(dir, "t-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
    chmodSync(join(root, path), opts.executable?.includes(path) ? 0o755 : 0o644);
  }
  const chunks: Buffer[] = [];
  const stream = create({ cwd: root, gzip: opts.gzip ?? false, portable: true }, ["."]);
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe("readTemplateArchive", () => {
  it("reads files with relative paths, plain and gzipped", async () => {
    for (const gzip of [false, true]) {
      const files = await readTemplateArchive(await pack({ "den.yaml": "name: x\n", "sub/readme.md": "hi" }, { gzip }));
      expect([...files.keys()].sort()).toEqual(["den.yaml", "sub/readme.md"]);
      expect(files.get("den.yaml")!.toString()).toBe("name: x\n");
    }
  });

  it("keeps each file's mode, for files that drivers copy into images", async () => {
    const files = await readTemplateFiles(await pack({ "den.yaml": "name: x\n", "image/run.sh": "#!/bin/sh\n" }, { executable: ["image/run.sh"] }));
    expect(files.get("image/run.sh")).toEqual({ data: Buffer.from("#!/bin/sh\n"), mode: 0o755 });
    expect(files.get("den.yaml")?.mode).toBe(0o644);
  });

  it("refuses data that is not a tar archive", async () => {
    await expect(readTemplateArchive(Buffer.from("definitely not a tar archive".repeat(40)))).rejects.toBeInstanceOf(ArchiveError);
  });

  it("refuses archives over the size limit", async () => {
    const data = await pack({ "den.yaml": "x".repeat(5000) });
    await expect(readTemplateArchive(data, { maxFiles: 10, maxBytes: 1000 })).rejects.toThrow(/more than 1000 bytes/);
  });

  it("refuses archives with too many files", async () => {
    const data = await pack({ a: "1", b: "2", c: "3" });
    await expect(readTemplateArchive(data, { maxFiles: 2, maxBytes: 1000 })).rejects.toThrow(/more than 2 files/);
  });
});
