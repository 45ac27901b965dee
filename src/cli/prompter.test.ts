import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { Prompter } from "./prompter.js";

function streams(terminal: boolean) {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = "";
  output.on("data", (chunk: Buffer) => (shown += chunk.toString()));
  const prompter = new Prompter({ input, output, terminal });
  return { input, prompter, shown: () => shown };
}

describe("Prompter", () => {
  let open: Prompter[] = [];
  afterEach(() => {
    for (const p of open) p.close();
    open = [];
  });
  function make(terminal: boolean) {
    const s = streams(terminal);
    open.push(s.prompter);
    return s;
  }

  it("asks questions in order, also when the answers arrived ahead", async () => {
    const { input, prompter, shown } = make(false);
    input.write("alice\nalice@example.com\n");
    expect(await prompter.ask("Username")).toBe("alice");
    expect(await prompter.ask("Email")).toBe("alice@example.com");
    expect(shown()).toContain("Username: ");
    expect(shown()).toContain("Email: ");
  });

  it("uses the default on an empty answer and shows it", async () => {
    const { input, prompter, shown } = make(false);
    input.write("\n");
    expect(await prompter.ask("Username", { default: "bob" })).toBe("bob");
    expect(shown()).toContain("Username (bob): ");
  });

  it("asks again until the answer is valid, saying what is wrong", async () => {
    const { input, prompter, shown } = make(false);
    input.write("Not Valid\ngood\n");
    const answer = await prompter.ask("Username", { validate: (a) => (/^[a-z]+$/.test(a) ? undefined : "use lower-case letters") });
    expect(answer).toBe("good");
    expect(shown()).toContain("use lower-case letters");
  });

  it("does not echo a secret typed on a terminal, but echoes other answers", async () => {
    const { input, prompter, shown } = make(true);
    const name = prompter.ask("Username");
    input.write("visible-name\r");
    expect(await name).toBe("visible-name");
    const secret = prompter.askSecret("Password");
    input.write("hunter2-secret\r");
    expect(await secret).toBe("hunter2-secret");
    expect(shown()).toContain("visible-name");
    expect(shown()).toContain("Password: ");
    expect(shown()).not.toContain("hunter2");
  });

  it("reads yes, no and the default from confirm", async () => {
    const { input, prompter } = make(false);
    input.write("y\nNO\n\n");
    expect(await prompter.confirm("Create?")).toBe(true);
    expect(await prompter.confirm("Create?")).toBe(false);
    expect(await prompter.confirm("Create?", false)).toBe(false);
  });

  it("fails with a clear error when the input ends early", async () => {
    const { input, prompter } = make(false);
    input.end("only-one\n");
    expect(await prompter.ask("First")).toBe("only-one");
    await expect(prompter.ask("Second")).rejects.toThrow("input ended before all questions were answered");
  });
});
