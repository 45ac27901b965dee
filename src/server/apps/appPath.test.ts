import { describe, expect, it } from "vitest";
import { isAppPath, parseAppPath } from "./appPath.js";

describe("isAppPath", () => {
  it("claims app paths only, not the dashboard's workspace pages", () => {
    expect(isAppPath("/@alice/dev/apps/code/")).toBe(true);
    expect(isAppPath("/@alice/dev/apps/code")).toBe(true);
    expect(isAppPath("/@alice/dev.main/apps?x")).toBe(true);
    expect(isAppPath("/@alice/dev")).toBe(false);
    expect(isAppPath("/@alice/dev/terminal")).toBe(false);
    expect(isAppPath("/@alice/dev/appsx/code/")).toBe(false);
    expect(isAppPath("/api/v2/users/me")).toBe(false);
  });
});

describe("parseAppPath", () => {
  it("reads user, workspace, agent, slug and the rest, raw", () => {
    expect(parseAppPath("/@alice/dev.main/apps/code/caf%C3%A9/x?q=a%20b")).toEqual({
      target: { user: "alice", workspace: "dev", agent: "main", slug: "code", prefix: "/@alice/dev.main/apps/code", rest: "/caf%C3%A9/x", query: "?q=a%20b" },
    });
  });

  it("leaves the agent out when the URL does", () => {
    expect(parseAppPath("/@alice/dev/apps/code/")).toEqual({ target: { user: "alice", workspace: "dev", agent: undefined, slug: "code", prefix: "/@alice/dev/apps/code", rest: "/", query: "" } });
  });

  it("has an empty rest without the trailing slash (the proxy redirects)", () => {
    const parsed = parseAppPath("/@alice/dev/apps/code?x=1");
    expect("target" in parsed && parsed.target).toMatchObject({ rest: "", query: "?x=1" });
  });

  it("refuses names that cannot exist", () => {
    for (const url of ["/@alice/dev/apps/", "/@alice/dev/apps/a--b/", "/@alice/dev/apps/Bad_Slug/", "/@alice/dev./apps/x/", "/@al%20ice/dev/apps/x/", "/@/dev/apps/x/"]) {
      expect(parseAppPath(url), url).toHaveProperty("invalid");
    }
  });
});
