import { describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { parseAuditQuery } from "./auditQuery.js";

describe("parseAuditQuery", () => {
  it("splits filters from free text", () => {
    expect(parseAuditQuery("action:login resource_type:user username:Alice status_code:401 some target")).toEqual({
      action: "login",
      resourceType: "user",
      username: "Alice",
      statusCode: 401,
      text: "some target",
    });
    expect(parseAuditQuery(undefined)).toEqual({});
    expect(parseAuditQuery("   ")).toEqual({});
    expect(parseAuditQuery("resource_id:abc")).toEqual({ resourceId: "abc" });
  });

  it("takes a leading colon as text and keeps values that contain colons", () => {
    expect(parseAuditQuery(":x")).toEqual({ text: ":x" });
    expect(parseAuditQuery("resource_id:a:b")).toEqual({ resourceId: "a:b" });
  });

  it("refuses unknown keys, empty values and bad status codes, naming q", () => {
    for (const q of ["colour:red", "action:", "status_code:abc", "status_code:4010"]) {
      try {
        parseAuditQuery(q);
        expect.unreachable(q);
      } catch (err) {
        expect(err).toBeInstanceOf(InputError);
        expect((err as InputError).validations[0]!.field).toBe("q");
      }
    }
  });
});
