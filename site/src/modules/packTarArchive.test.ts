import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { extract } from "tar";
import { describe, expect, it } from "vitest";
import { folderEntries, packTarArchive } from "./packTarArchive.ts";

const text = (s: string) => new TextEncoder().encode(s);

/** Unpacks with the same `tar` package the server and the CLI use. */
async function unpack(archive: Uint8Array): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "den-site-tar-"));
  await new Promise<void>((resolve, reject) => {
    const stream = extract({ cwd: dir, strict: true });
    stream.on("error", reject);
    stream.on("finish", () => resolve());
    stream.end(Buffer.from(archive));
  });
  return dir;
}

describe("packTarArchive", () => {
  it("packs files that tar unpacks byte for byte, long paths included", async () => {
    const long = `${"deep/".repeat(30)}file.txt`;
    const binary = new Uint8Array(1500).map((_, i) => i % 256);
    const archive = packTarArchive([
      { path: "den.yaml", data: text("name: x\n") },
      { path: "scripts/setup.sh", data: binary },
      { path: long, data: text("far down") },
      { path: "empty", data: new Uint8Array(0) },
    ]);
    expect(archive.length % 512).toBe(0);
    const dir = await unpack(archive);
    try {
      expect(readFileSync(join(dir, "den.yaml"), "utf8")).toBe("name: x\n");
      expect(new Uint8Array(readFileSync(join(dir, "scripts/setup.sh")))).toEqual(binary);
      expect(readFileSync(join(dir, long), "utf8")).toBe("far down");
      expect(readFileSync(join(dir, "empty"), "utf8")).toBe("");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("gives the same bytes for the same files in any order, and refuses paths leaving the folder", () => {
    const a = { path: "a", data: text("1") };
    const b = { path: "b/c", data: text("2") };
    expect(packTarArchive([b, a])).toEqual(packTarArchive([a, b]));
    expect(() => packTarArchive([{ path: "../x", data: text("") }])).toThrow(/not a relative path/);
    expect(() => packTarArchive([{ path: "/etc/passwd", data: text("") }])).toThrow(/not a relative path/);
  });

  it("takes a picked folder's files relative to it, without .git", async () => {
    const file = (path: string, body: string) => {
      const f = new File([body], path.split("/").at(-1)!);
      Object.defineProperty(f, "webkitRelativePath", { value: path });
      return f;
    };
    const entries = await folderEntries([file("tpl/den.yaml", "name: t"), file("tpl/.git/HEAD", "ref"), file("tpl/a/b.txt", "b")]);
    expect(entries.map((e) => e.path).sort()).toEqual(["a/b.txt", "den.yaml"]);
  });
});
