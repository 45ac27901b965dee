import { constants, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { CliError } from "./errors.js";
import { packageRoot } from "./packageRoot.js";

/** The example templates shipped with Den: the folders of examples/ that hold a den.yaml. */
export function listTemplateExamples(root = join(packageRoot(), "examples")): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => existsSync(join(root, name, "den.yaml")))
    .sort();
}

/**
 * Copies example `name` into `dest` and answers the files written. Every
 * target is checked before anything is written, so a refusal leaves no
 * half-written folder behind.
 */
export function copyTemplateExample(name: string, dest: string, root = join(packageRoot(), "examples")): string[] {
  const examples = listTemplateExamples(root);
  if (!examples.includes(name)) {
    throw new CliError(`no example template named "${name}"; the examples are: ${examples.length > 0 ? examples.join(", ") : "(none installed)"}`);
  }
  const source = join(root, name);
  const files = listFiles(source);
  const existing = files.filter((file) => existsSync(join(dest, file)));
  if (existing.length > 0) {
    throw new CliError(`${join(dest, existing[0]!)} already exists${existing.length > 1 ? ` (and ${existing.length - 1} more)` : ""}: choose an empty or new folder`);
  }
  for (const file of files) {
    mkdirSync(dirname(join(dest, file)), { recursive: true });
    // EXCL: a file that appeared since the check is still not overwritten.
    copyFileSync(join(source, file), join(dest, file), constants.COPYFILE_EXCL);
  }
  return files;
}

function listFiles(dir: string, root = dir): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (lstatSync(path).isDirectory()) files.push(...listFiles(path, root));
    else files.push(relative(root, path));
  }
  return files;
}
