import { createHash } from "node:crypto";
import { Header, Pax } from "tar";
import type { TemplateFile } from "../driver.js";
import { joinTemplatePath, type ImageBuild } from "./dockerSettings.js";

/** Changing how the hash is made must change every tag, so that no image built the old way is taken for a new one. */
const HASH_VERSION = "den-image-build-1";
const BLOCK = 512;

export type ImageBuildContext = {
  /** The files sent to Docker: path relative to the build context → file, sorted by path. */
  files: Array<[string, TemplateFile]>;
  /** sha256 (hex) of everything the build depends on; its first 12 digits are the image's tag. */
  hash: string;
};

/**
 * What a docker image resource builds from: the template files under the
 * context folder, and a hash of them together with the Dockerfile's path,
 * the build args and the target. Two builds with the same hash make the
 * same image, so an image tagged with it need not be built again. Files
 * outside the context (den.yaml, when the context is a subfolder) are not
 * part of it: editing them does not rebuild the image. Throws when the
 * Dockerfile is not in the context, naming build.dockerfile.
 */
export function imageBuildContext(templateFiles: ReadonlyMap<string, TemplateFile>, build: ImageBuild): ImageBuildContext {
  const prefix = build.context === "" ? "" : `${build.context}/`;
  const files = [...templateFiles]
    .filter(([path]) => path.startsWith(prefix))
    .map(([path, file]): [string, TemplateFile] => [path.slice(prefix.length), file])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (!files.some(([path]) => path === build.dockerfile)) {
    throw new Error(`build.dockerfile: there is no file ${joinTemplatePath(build.context, build.dockerfile)} in the template folder`);
  }
  const hash = createHash("sha256");
  // Every field is length-prefixed, so that no two different inputs hash the same bytes.
  const field = (value: string | Uint8Array) => {
    const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : value;
    hash.update(`${bytes.length}:`);
    hash.update(bytes);
  };
  field(HASH_VERSION);
  field(build.dockerfile);
  field(build.target ?? "");
  for (const [name, value] of Object.entries(build.args).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    field(name);
    field(value);
  }
  for (const [path, file] of files) {
    field(path);
    field((file.mode & 0o777).toString(8));
    field(file.data);
  }
  return { files, hash: hash.digest("hex") };
}

/**
 * The build context as Docker's /build takes it: an uncompressed tar of the
 * files, owned by root, with their modes and a fixed time. Paths longer than
 * ustar allows get a PAX header, as tar(1) writes them.
 */
export function contextTar(files: ReadonlyArray<readonly [string, TemplateFile]>): Buffer {
  const blocks: Buffer[] = [];
  for (const [path, file] of files) {
    const data = Buffer.from(file.data);
    const entry = { path, mode: file.mode & 0o7777, uid: 0, gid: 0, size: data.length, mtime: new Date(0), type: "File" as const };
    const header = new Header(entry);
    if (header.encode()) blocks.push(new Pax(entry).encode());
    blocks.push(header.block!, data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK));
  }
  // The end of an archive: two empty blocks.
  blocks.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(blocks);
}
