import { describe, expect, it } from "vitest";
import { lineDiff } from "./commands/configSsh.js";
import { DEN_BLOCK_END, DEN_BLOCK_START, findDenBlock, renderDenBlock, replaceDenBlock } from "./sshConfigBlock.js";

const den = { node: "/usr/bin/node", den: "/opt/den app/dist/den.js", configDir: "/home/alice/.config/den" };
const mine = "Host github.com\n  User git\n\n# keep me\nHost *\n  ServerAliveInterval 30\n";

describe("the Den block of an SSH config", () => {
  it("has one Host den.<workspace> per workspace between the markers, with a quoted ProxyCommand", () => {
    const block = renderDenBlock([{ owner: "alice", workspace: "web" }, { owner: "alice", workspace: "api" }], den);
    const lines = block.trimEnd().split("\n");
    expect(lines[0]).toBe(DEN_BLOCK_START);
    expect(lines.at(-1)).toBe(DEN_BLOCK_END);
    expect(lines.filter((l) => l.startsWith("Host "))).toEqual(["Host den.api", "Host den.web"]);
    expect(block).toContain('  ProxyCommand "/usr/bin/node" "/opt/den app/dist/den.js" --global-config "/home/alice/.config/den" ssh --stdio alice/web\n');
    expect(block).toContain("  User alice\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n");
  });

  it("is appended after a blank line, leaving the rest byte for byte, and replaced in place the next time", () => {
    const first = replaceDenBlock(mine, renderDenBlock([{ owner: "alice", workspace: "web" }], den));
    expect(first.startsWith(mine + "\n" + DEN_BLOCK_START)).toBe(true);
    const withTail = first + "Host after\n  User me\n";
    const second = replaceDenBlock(withTail, renderDenBlock([{ owner: "alice", workspace: "web" }], den));
    expect(second).toBe(withTail);
  });

  it("is idempotent: writing the same workspaces again changes nothing", () => {
    const block = renderDenBlock([{ owner: "alice", workspace: "web" }], den);
    const once = replaceDenBlock(mine, block);
    expect(replaceDenBlock(once, block)).toBe(once);
    expect(replaceDenBlock("", block)).toBe(block);
    expect(replaceDenBlock(replaceDenBlock("", block), block)).toBe(block);
  });

  it("drops the entries of deleted workspaces and keeps what surrounds the block", () => {
    const before = "# top\n" + renderDenBlock([{ owner: "alice", workspace: "web" }, { owner: "alice", workspace: "old" }], den) + "# bottom\n";
    const after = replaceDenBlock(before, renderDenBlock([{ owner: "alice", workspace: "web" }], den));
    expect(after).not.toContain("den.old");
    expect(after).toContain("Host den.web");
    expect(after.startsWith("# top\n" + DEN_BLOCK_START)).toBe(true);
    expect(after.endsWith(DEN_BLOCK_END + "\n# bottom\n")).toBe(true);
  });

  it("adds a final newline to a file without one before appending", () => {
    expect(replaceDenBlock("Host x", "B\n")).toBe("Host x\n\nB\n");
  });

  it("refuses a start marker without an end marker", () => {
    expect(() => findDenBlock(`${DEN_BLOCK_START}\nHost den.x\n`)).toThrow(/no "# ------------END-DEN-----------"/);
  });

  it.each([
    ["a workspace name with a newline", [{ owner: "alice", workspace: "web\nHost evil" }], den],
    ["a workspace name with a space", [{ owner: "alice", workspace: "web ProxyCommand" }], den],
    ["an owner with a quote", [{ owner: 'al"ice', workspace: "web" }], den],
    ["a den path with a newline", [], { ...den, den: "/opt/den\n  ProxyCommand evil" }],
    ["a den path with $", [], { ...den, den: "/opt/$(reboot)/den.js" }],
    ["a config dir with %", [], { ...den, configDir: "/home/%h" }],
    ["a relative node path", [], { ...den, node: "node" }],
  ])("refuses %s with a one-line error", (_what, entries, invocation) => {
    let message = "";
    try {
      renderDenBlock(entries, invocation);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^cannot write an SSH config entry: /);
    expect(message.split("\n")).toHaveLength(1);
  });
});

describe("lineDiff", () => {
  it("marks removed and added lines and keeps common ones", () => {
    expect(lineDiff("a\nb\nc\n", "a\nc\nd\n")).toBe("  a\n- b\n  c\n+ d\n");
    expect(lineDiff("", "x\n")).toBe("+ x\n");
  });
});
