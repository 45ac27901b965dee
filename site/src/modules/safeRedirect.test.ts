import { describe, expect, it } from "vitest";
import { isServerPath, safeRedirect } from "./safeRedirect.ts";

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

describe("isServerPath", () => {
  it("knows the API and path apps from dashboard pages", () => {
    for (const path of ["/api/v2/applications/auth-redirect?redirect_uri=x", "/@alice/dev.main/apps/code/", "/@alice/dev/apps/code", "/@alice/dev/apps?x=1", "/@alice/dev/apps"]) {
      expect(isServerPath(path), path).toBe(true);
    }
    for (const path of ["/workspaces", "/@alice/dev", "/@alice/dev.main/terminal", "/@alice/dev/appsx", "/templates/apps", "/apisomething"]) {
      expect(isServerPath(path), path).toBe(false);
    }
  });
});
