import { Parser, type ReadEntry } from "tar";
import { describe, expect, it } from "vitest";
import type { TemplateFile } from "../driver.js";
import type { ImageBuild } from "./dockerSettings.js";
import { contextTar, imageBuildContext } from "./imageBuildContext.js";

const file = (text: string, mode = 0o644): TemplateFile => ({ data: Buffer.from(text), mode });
const template = (extra: Record<string, TemplateFile> = {}) =>
  new Map<string, TemplateFile>(
    Object.entries({
      "den.yaml": file("name: x\n"),
      "image/Dockerfile": file("FROM base\nCOPY hello.sh /usr/local/bin/hello\n"),
      "image/hello.sh": file("#!/bin/sh\necho hi\n", 0o755),
      ...extra,
    }),
  );
const build: ImageBuild = { context: "image", dockerfile: "Dockerfile", args: {}, target: undefined };

/** The entries of a tar, with their modes and contents, read back with the tar package. */
function untar(data: Buffer): Promise<Array<{ path: string; mode: number; text: string }>> {
  return new Promise((resolve, reject) => {
    const entries: Array<{ path: string; mode: number; text: string }> = [];
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        const chunks: Buffer[] = [];
        entry.on("data", (c: Buffer) => chunks.push(c));
        entry.on("end", () => entries.push({ path: entry.path, mode: entry.mode ?? -1, text: Buffer.concat(chunks).toString() }));
      },
    });
    parser.on("error", reject);
    parser.on("end", () => resolve(entries));
    parser.end(data);
  });
}

describe("imageBuildContext", () => {
  it("takes the files under the context, relative to it and sorted", () => {
    const context = imageBuildContext(template({ "image/a/b.txt": file("b") }), build);
    expect(context.files.map(([path]) => path)).toEqual(["Dockerfile", "a/b.txt", "hello.sh"]);
    expect(context.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(imageBuildContext(template(), { ...build, context: "", dockerfile: "image/Dockerfile" }).files.map(([path]) => path)).toEqual(["den.yaml", "image/Dockerfile", "image/hello.sh"]);
  });

  it("hashes what the image depends on, and nothing else", () => {
    const base = imageBuildContext(template(), build).hash;
    expect(imageBuildContext(template(), build).hash).toBe(base);
    // Outside the context: den.yaml may change without a rebuild.
    expect(imageBuildContext(template({ "den.yaml": file("name: y\n"), "README.md": file("new") }), build).hash).toBe(base);
    const changed = [
      imageBuildContext(template({ "image/hello.sh": file("#!/bin/sh\necho bye\n", 0o755) }), build).hash,
      imageBuildContext(template({ "image/hello.sh": file("#!/bin/sh\necho hi\n", 0o644) }), build).hash,
      imageBuildContext(template({ "image/new.txt": file("") }), build).hash,
      imageBuildContext(template(), { ...build, args: { V: "1" } }).hash,
      imageBuildContext(template(), { ...build, args: { V: "2" } }).hash,
      imageBuildContext(template(), { ...build, target: "dev" }).hash,
      imageBuildContext(template({ "image/Other": file("FROM base\nCOPY hello.sh /usr/local/bin/hello\n") }), { ...build, dockerfile: "Other" }).hash,
    ];
    expect(new Set([base, ...changed]).size).toBe(changed.length + 1);
    // Args are a map: their order in den.yaml does not matter.
    expect(imageBuildContext(template(), { ...build, args: { A: "1", B: "2" } }).hash).toBe(imageBuildContext(template(), { ...build, args: { B: "2", A: "1" } }).hash);
  });

  it("names build.dockerfile when the Dockerfile is not in the context", () => {
    expect(() => imageBuildContext(template(), { ...build, dockerfile: "Containerfile" })).toThrow("build.dockerfile: there is no file image/Containerfile in the template folder");
    expect(() => imageBuildContext(template(), { ...build, context: "" })).toThrow("build.dockerfile: there is no file Dockerfile in the template folder");
  });
});

describe("contextTar", () => {
  it("writes a tar that tar reads back, with modes, contents and long paths", async () => {
    const long = `${"deep/".repeat(30)}file.txt`;
    const { files } = imageBuildContext(template({ [`image/${long}`]: file("far down") }), build);
    const entries = await untar(contextTar(files));
    expect(entries).toEqual([
      { path: "Dockerfile", mode: 0o644, text: "FROM base\nCOPY hello.sh /usr/local/bin/hello\n" },
      { path: long, mode: 0o644, text: "far down" },
      { path: "hello.sh", mode: 0o755, text: "#!/bin/sh\necho hi\n" },
    ]);
  });

  it("is the same bytes for the same files", () => {
    const { files } = imageBuildContext(template(), build);
    expect(contextTar(files).equals(contextTar(files))).toBe(true);
    expect(contextTar(files).length % 512).toBe(0);
  });
});
