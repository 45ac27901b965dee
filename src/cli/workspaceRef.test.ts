import { describe, expect, it } from "vitest";
import { CliError } from "./errors.js";
import { formatWorkspaceRef, parseWorkspaceRef } from "./workspaceRef.js";

describe("parseWorkspaceRef", () => {
  it("reads NAME as the caller's and OWNER/NAME as someone's", () => {
    expect(parseWorkspaceRef("dev")).toEqual({ owner: "me", name: "dev" });
    expect(parseWorkspaceRef("alice/dev")).toEqual({ owner: "alice", name: "dev" });
  });

  it("refuses empty parts and more than one slash", () => {
    for (const text of ["", "/dev", "alice/", "a/b/c", " "]) expect(() => parseWorkspaceRef(text), text).toThrow(CliError);
  });

  it("formats owner/name", () => {
    expect(formatWorkspaceRef({ owner_name: "alice", name: "dev" })).toBe("alice/dev");
  });
});
