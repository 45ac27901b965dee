import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { copyTemplateExample, listTemplateExamples } from "./templateExamples.js";

describe("template examples", () => {
  let dir: string;
  let root: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "den-examples-test-"));
    root = join(dir, "examples");
    mkdirSync(join(root, "alpha", "scripts"), { recursive: true });
    writeFileSync(join(root, "alpha", "den.yaml"), "name: alpha\n");
    writeFileSync(join(root, "alpha", "scripts", "run.sh"), "echo run\n");
    mkdirSync(join(root, "beta"));
    writeFileSync(join(root, "beta", "den.yaml"), "name: beta\n");
    // A folder without den.yaml is not an example.
    mkdirSync(join(root, "notes"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("lists the folders that hold a den.yaml", () => {
    expect(listTemplateExamples(root)).toEqual(["alpha", "beta"]);
    expect(listTemplateExamples(join(dir, "missing"))).toEqual([]);
  });

  it("ships the process example with the package", () => {
    expect(listTemplateExamples()).toContain("process");
  });

  it("copies an example with its subfolders", () => {
    const dest = join(dir, "out");
    expect(copyTemplateExample("alpha", dest, root)).toEqual(["den.yaml", join("scripts", "run.sh")]);
    expect(readFileSync(join(dest, "scripts", "run.sh"), "utf8")).toBe("echo run\n");
  });

  it("refuses to overwrite any file and then writes nothing at all", () => {
    const dest = join(dir, "out");
    mkdirSync(join(dest, "scripts"), { recursive: true });
    writeFileSync(join(dest, "scripts", "run.sh"), "mine\n");
    expect(() => copyTemplateExample("alpha", dest, root)).toThrow(/run\.sh already exists/);
    expect(readFileSync(join(dest, "scripts", "run.sh"), "utf8")).toBe("mine\n");
    expect(existsSync(join(dest, "den.yaml"))).toBe(false);
  });

  it("names the examples there are when the name is unknown", () => {
    expect(() => copyTemplateExample("gamma", join(dir, "out"), root)).toThrow('no example template named "gamma"; the examples are: alpha, beta');
    expect(readdirSync(dir)).toEqual(["examples"]);
  });
});
