import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { parseRoles } from "./users.js";

describe("parseRoles", () => {
  it("splits on commas, trims and drops duplicates", () => {
    expect(parseRoles(" owner, auditor ,owner")).toEqual(["owner", "auditor"]);
  });

  it("reads an empty list as no roles besides member", () => {
    expect(parseRoles("")).toEqual([]);
    expect(parseRoles(" , ")).toEqual([]);
  });

  it("rejects an unknown role, listing the known ones", () => {
    expect(() => parseRoles("owner,wizard")).toThrow(InvalidArgumentError);
    expect(() => parseRoles("owner,wizard")).toThrow('unknown role "wizard"; the roles are owner, template-admin, user-admin, auditor, member.');
  });

  it("is case-sensitive like the API", () => {
    expect(() => parseRoles("Owner")).toThrow(/unknown role "Owner"/);
  });
});
