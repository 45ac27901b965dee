import { describe, expect, it } from "vitest";
import { cliVerbs, firstVerb, registrarsFor } from "./allCommands.js";

const argv = (...args: string[]) => ["node", "den", ...args];

describe("firstVerb", () => {
  it("skips global options and their values", () => {
    expect(firstVerb(argv("ssh", "--stdio", "ws"))).toBe("ssh");
    expect(firstVerb(argv("--global-config", "/x", "ssh", "--stdio", "ws"))).toBe("ssh");
    expect(firstVerb(argv("-o", "json", "list"))).toBe("list");
    expect(firstVerb(argv("--url=http://x", "whoami"))).toBe("whoami");
    expect(firstVerb(argv("--help"))).toBeUndefined();
  });
});

describe("registrarsFor", () => {
  it("loads only the verb that runs, and every verb for help", async () => {
    expect(await registrarsFor(argv("--global-config", "/x", "ssh", "--stdio", "ws"))).toHaveLength(1);
    expect(await registrarsFor(argv("rm", "ws"))).toHaveLength(1);
    expect(await registrarsFor(argv("--help"))).toHaveLength(cliVerbs.length);
    expect(await registrarsFor(argv("nonsense"))).toHaveLength(cliVerbs.length);
  });
});
