import { describe, expect, it } from "vitest";
import { decideAccess, pathAppLevel, type ShareLevel, type Viewer } from "./appAccess.js";

const owner = "owner-id";
const viewers: Record<string, Viewer> = {
  workspaceOwner: { userId: owner, roles: ["member"] },
  member: { userId: "member-id", roles: ["member"] },
  siteOwner: { userId: "admin-id", roles: ["owner", "member"] },
  anonymous: null,
};

describe("decideAccess", () => {
  const cases: Array<[ShareLevel, keyof typeof viewers, boolean, string]> = [
    ["owner", "workspaceOwner", false, "allowed"],
    ["owner", "member", true, "hidden"],
    ["owner", "anonymous", true, "login"],
    ["owner", "siteOwner", true, "allowed"],
    ["owner", "siteOwner", false, "hidden"],
    ["authenticated", "member", false, "allowed"],
    ["authenticated", "anonymous", false, "login"],
    ["public", "anonymous", false, "allowed"],
    ["public", "member", false, "allowed"],
  ];
  for (const [level, who, siteOwnerAllowed, decision] of cases) {
    it(`${level} app, ${who}${siteOwnerAllowed ? " (site owners allowed)" : ""}: ${decision}`, () => {
      expect(decideAccess({ level, viewer: viewers[who]!, ownerId: owner, siteOwnerAllowed })).toBe(decision);
    });
  }
});

describe("pathAppLevel", () => {
  it("keeps path apps to their owner unless sharing them is allowed", () => {
    expect(pathAppLevel("public", false)).toBe("owner");
    expect(pathAppLevel("authenticated", false)).toBe("owner");
    expect(pathAppLevel("public", true)).toBe("public");
  });
});
