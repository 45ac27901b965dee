import { describe, expect, it } from "vitest";
import type { Role } from "../../sdk/schemas/users.js";
import { NotAllowedError, NotFoundError } from "../errors.js";
import { authorize, authorizeRoleChange, authorizeUserChange, can, POLICY, type Subject } from "./policy.js";

const subject = (roles: Role[], userId = "me"): Subject => ({ userId, roles: [...roles, "member"] });
const member = subject([]);
const owner = subject(["owner"]);
const userAdmin = subject(["user-admin"]);
const auditor = subject(["auditor"]);
const templateAdmin = subject(["template-admin"]);

describe("policy", () => {
  it("lets every user read users and manage only their own keys", () => {
    expect(can(member, "read", { type: "user", ownerId: "other" })).toBe(true);
    expect(can(member, "create", { type: "api_key", ownerId: "me" })).toBe(true);
    expect(can(member, "read", { type: "api_key", ownerId: "other" })).toBe(false);
    expect(can(owner, "delete", { type: "api_key", ownerId: "other" })).toBe(true);
    expect(can(userAdmin, "read", { type: "api_key", ownerId: "other" })).toBe(false);
  });

  it("gives the audit log to owners and auditors only", () => {
    for (const s of [owner, auditor]) expect(can(s, "read", { type: "audit_log" })).toBe(true);
    for (const s of [member, userAdmin, templateAdmin]) expect(can(s, "read", { type: "audit_log" })).toBe(false);
  });

  it("answers 404 for someone else's private resource and 403 where existence is not secret", () => {
    expect(() => authorize(member, "read", { type: "api_key", ownerId: "other" })).toThrow(NotFoundError);
    expect(() => authorize(member, "delete", { type: "api_key", ownerId: "other" })).toThrow(NotFoundError);
    expect(() => authorize(member, "update", { type: "user", ownerId: "other" })).toThrow(NotAllowedError);
    expect(() => authorize(member, "update", { type: "user_password", ownerId: "other" })).toThrow(NotAllowedError);
    expect(() => authorize(member, "read", { type: "audit_log" })).toThrow(NotAllowedError);
    expect(() => authorize(member, "create", { type: "user" })).toThrow(NotAllowedError);
    expect(() => authorize(member, "update", { type: "user", ownerId: "me" })).toThrow(NotAllowedError);
  });

  it("lets only owners assign the owner role", () => {
    expect(can(owner, "assign", { type: "role", id: "owner" })).toBe(true);
    expect(can(userAdmin, "assign", { type: "role", id: "owner" })).toBe(false);
    expect(can(userAdmin, "assign", { type: "role", id: "auditor" })).toBe(true);
    expect(can(userAdmin, "assign", { type: "role" })).toBe(false);
    expect(() => authorizeRoleChange(userAdmin, { id: "x", roles: [] }, ["owner"])).toThrow(NotAllowedError);
    expect(() => authorizeRoleChange(userAdmin, { id: "x", roles: [] }, ["auditor", "template-admin"])).not.toThrow();
    expect(() => authorizeRoleChange(owner, { id: "x", roles: ["owner"] }, [])).not.toThrow();
  });

  it("keeps user admins away from owners' accounts", () => {
    const anOwner = { id: "x", roles: ["owner"] };
    expect(() => authorizeUserChange(userAdmin, "user", anOwner)).toThrow(NotAllowedError);
    expect(() => authorizeUserChange(userAdmin, "user_password", anOwner)).toThrow(NotAllowedError);
    expect(() => authorizeRoleChange(userAdmin, anOwner, ["owner", "auditor"])).toThrow(NotAllowedError);
    expect(() => authorizeUserChange(userAdmin, "user", { id: "x", roles: ["auditor"] })).not.toThrow();
    expect(() => authorizeUserChange(owner, "user", anOwner)).not.toThrow();
    expect(() => authorizeUserChange(member, "user_password", { id: "me", roles: [] })).not.toThrow();
  });

  it("is a table whose rows all name known roles and no duplicates", () => {
    const keys = POLICY.map((g) => `${g.role}/${g.action}/${g.resource}/${g.scope}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const g of POLICY) expect(["owner", "template-admin", "user-admin", "auditor", "member"]).toContain(g.role);
  });
});
