import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readTemplateArchive } from "../provisioner/templateArchive.js";
import { extractTemplateArchive, packTemplateFolder } from "./templateArchive.js";

describe("packTemplateFolder and extractTemplateArchive", () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "den-archive-test-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function templateFolder(): string {
    const dir = tempDir();
    writeFileSync(join(dir, "den.yaml"), "name: t\n");
    mkdirSync(join(dir, "scripts"));
    writeFileSync(join(dir, "scripts", "setup.sh"), "echo hi\n", { mode: 0o755 });
    mkdirSync(join(dir, ".git"));
    writeFileSync(join(dir, ".git", "HEAD"), "ref: refs/heads/main\n");
    return dir;
  }

  it("packs regular files, skipping .git and reporting links, into an archive the server reads", async () => {
    const dir = templateFolder();
    symlinkSync("/etc/passwd", join(dir, "passwd"));
    const packed = await packTemplateFolder(dir);
    expect(packed.files).toEqual(["den.yaml", "scripts/setup.sh"]);
    expect(packed.skipped).toEqual(["passwd"]);
    const files = await readTemplateArchive(packed.archive);
    expect([...files.keys()].sort()).toEqual(["den.yaml", "scripts/setup.sh"]);
    expect(files.get("den.yaml")!.toString()).toBe("name: t\n");
  });

  it("packs an unchanged folder to the same bytes, whatever the files' times", async () => {
    const dir = templateFolder();
    const first = await packTemplateFolder(dir);
    utimesSync(join(dir, "den.yaml"), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const second = await packTemplateFolder(dir);
    expect(second.archive.equals(first.archive)).toBe(true);
    writeFileSync(join(dir, "den.yaml"), "name: u\n");
    expect((await packTemplateFolder(dir)).archive.equals(first.archive)).toBe(false);
  });

  it("refuses a folder over the limit, and an empty one, with a message saying what to do", async () => {
    const dir = templateFolder();
    writeFileSync(join(dir, "big.bin"), Buffer.alloc(4096));
    await expect(packTemplateFolder(dir, 4000)).rejects.toThrow(/packs to more than .* leave large files out/);
    await expect(packTemplateFolder(tempDir())).rejects.toThrow(/holds no files/);
  });

  it("extracts an archive back into the same files and modes", async () => {
    const source = templateFolder();
    const dest = tempDir();
    await extractTemplateArchive((await packTemplateFolder(source)).archive, dest);
    expect(readFileSync(join(dest, "den.yaml"), "utf8")).toBe("name: t\n");
    expect(readFileSync(join(dest, "scripts", "setup.sh"), "utf8")).toBe("echo hi\n");
    // Scripts stay executable; the template may run them.
    expect(statSync(join(dest, "scripts", "setup.sh")).mode & 0o111).not.toBe(0);
    expect(statSync(join(dest, "den.yaml")).mode & 0o111).toBe(0);
  });

  it("fails clearly on bytes that are not an archive", async () => {
    await expect(extractTemplateArchive(Buffer.from("not a tar archive at all".repeat(40)), tempDir())).rejects.toThrow(/cannot unpack the template archive/);
  });
});
