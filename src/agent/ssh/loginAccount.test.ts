import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPasswdEntry, loginAccount } from "./loginAccount.js";

const uid = process.getuid?.() ?? 0;

describe("findPasswdEntry", () => {
  it("finds the line of a uid, not one whose uid merely starts the same", () => {
    const text = ["root:x:0:0:root:/root:/bin/bash", "dev:x:1000:1000:Dev,,,:/home/dev:/usr/bin/fish", "ten:x:10000:10000::/home/ten:/bin/sh", ""].join("\n");
    expect(findPasswdEntry(text, 1000)).toEqual({ user: "dev", home: "/home/dev", shell: "/usr/bin/fish" });
    expect(findPasswdEntry(text, 10000)?.user).toBe("ten");
    expect(findPasswdEntry(text, 4242)).toBeUndefined();
  });
});

describe("loginAccount", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "den-passwd-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("takes the shell and home from the passwd entry of the current uid", async () => {
    const passwd = join(dir, "passwd");
    await writeFile(passwd, `someone:x:${uid + 1}:0::/nowhere:/bin/false\nme:x:${uid}:0::/home/me:/bin/zsh\n`);
    expect(await loginAccount({ SHELL: "/bin/bash" }, passwd)).toEqual({ user: "me", home: "/home/me", shell: "/bin/zsh" });
  });

  it("falls back to $SHELL, then /bin/sh, when there is no entry", async () => {
    const missing = join(dir, "no-passwd");
    expect(await loginAccount({ SHELL: "/bin/bash", USER: "u", HOME: "/h" }, missing)).toEqual({ user: "u", home: "/h", shell: "/bin/bash" });
    expect((await loginAccount({}, missing)).shell).toBe("/bin/sh");
  });
});
