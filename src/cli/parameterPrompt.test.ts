import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { ParameterSpec } from "../sdk/schemas/templates.js";
import { CliError } from "./errors.js";
import { askParameter, parseParameterFlags, resolveParameters } from "./parameterPrompt.js";
import { Prompter } from "./prompter.js";

const specs = [
  ParameterSpec.parse({ name: "project", type: "string", order: 2 }),
  ParameterSpec.parse({ name: "greeting", type: "string", default: "hello", mutable: true, options: [{ name: "Hello", value: "hello" }, { name: "Hi", value: "hi" }] }),
  ParameterSpec.parse({ name: "cpus", type: "number", default: "2", validation: { min: 1, max: 8 } }),
];

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    if (err instanceof CliError) return err.message;
    throw err;
  }
  throw new Error("no error");
}

describe("parseParameterFlags", () => {
  it("splits at the first = and refuses flags without a name or given twice", () => {
    expect(parseParameterFlags(["a=1", "b=x=y", "c="])).toEqual({ a: "1", b: "x=y", c: "" });
    expect(errorOf(() => parseParameterFlags(["a"]))).toMatch(/use NAME=VALUE/);
    expect(errorOf(() => parseParameterFlags(["=1"]))).toMatch(/use NAME=VALUE/);
    expect(errorOf(() => parseParameterFlags(["a=1", "a=2"]))).toMatch(/a: given twice/);
  });
});

describe("resolveParameters without a terminal", () => {
  it("fills defaults, names a missing required parameter, and checks values like the server", async () => {
    await expect(resolveParameters(specs, { project: "den" }, { askAll: true, transition: "create" })).resolves.toEqual({ project: "den", greeting: "hello", cpus: "2" });
    await expect(resolveParameters(specs, {}, { askAll: true, transition: "create" })).rejects.toThrow(/parameter "project" is required: pass --parameter project=VALUE/);
    await expect(resolveParameters(specs, { greeting: "hi" }, { askAll: false, transition: "create" })).rejects.toThrow(/project/);
    await expect(resolveParameters(specs, { project: "den", cpus: "9" }, { askAll: false, transition: "create" })).rejects.toThrow(/--parameter cpus: must be between 1 and 8/);
    await expect(resolveParameters(specs, { project: "den", colour: "red", cpus: "0" }, { askAll: false, transition: "create" })).rejects.toThrow(/and 1 more problem\)/);
  });

  it("keeps previous values on start and refuses to change an immutable one", async () => {
    const previous = { project: "den", greeting: "hi", cpus: "4" };
    await expect(resolveParameters(specs, {}, { askAll: false, previous, transition: "start" })).resolves.toEqual(previous);
    await expect(resolveParameters(specs, { project: "other" }, { askAll: false, previous, transition: "start" })).rejects.toThrow(/--parameter project: .*immutable/);
  });
});

describe("askParameter", () => {
  function prompter(input: string): { prompter: Prompter; output: () => string } {
    const stdin = new PassThrough();
    const out = new PassThrough();
    let text = "";
    out.on("data", (c: Buffer) => (text += c.toString()));
    stdin.end(input);
    return { prompter: new Prompter({ input: stdin, output: out, terminal: false }), output: () => text };
  }

  it("offers options as a numbered choice with the default shown", async () => {
    const p = prompter("7\n2\n");
    await expect(askParameter(p.prompter, specs[1]!, "hello")).resolves.toBe("hi");
    p.prompter.close();
    expect(p.output()).toContain("1) Hello [hello]");
    expect(p.output()).toContain("Choose 1-2 (1): ");
    expect(p.output()).toContain("answer a number from 1 to 2, or a value");
  });

  it("asks again until a value passes the parameter's checks; Enter keeps the default", async () => {
    const p = prompter("ten\n99\n\n");
    await expect(askParameter(p.prompter, specs[2]!, "2")).resolves.toBe("2");
    p.prompter.close();
    expect(p.output()).toContain('"ten" is not a number');
    expect(p.output()).toContain("must be between 1 and 8");
  });
});
