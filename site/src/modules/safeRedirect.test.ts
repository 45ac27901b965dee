import { describe, expect, it } from "vitest";
import { safeRedirect } from "./safeRedirect.ts";

describe("safeRedirect", () => {
  it("keeps same-origin relative paths with their query and hash", () => {
    expect(safeRedirect("/@alice/dev")).toBe("/@alice/dev");
    expect(safeRedirect("/workspaces?q=owner%3Ame#top")).toBe("/workspaces?q=owner%3Ame#top");
  });

  it("falls back for anything that could leave the origin", () => {
    for (const target of ["https://evil.example/", "//evil.example/x", "/\\evil.example", "\\\\evil", "javascript:alert(1)", "/\t/evil.example", "", null, undefined, "workspaces"]) {
      expect(safeRedirect(target), String(target)).toBe("/workspaces");
    }
  });
});
