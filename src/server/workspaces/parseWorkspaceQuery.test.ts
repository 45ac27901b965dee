import { describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { parseWorkspaceQuery } from "./parseWorkspaceQuery.js";

describe("parseWorkspaceQuery", () => {
  it("reads every filter and a bare name", () => {
    expect(parseWorkspaceQuery("owner:me status:running template:local-dev name:dev")).toEqual({
      owner: "me",
      status: "running",
      template: "local-dev",
      name: "dev",
    });
    expect(parseWorkspaceQuery("  dev  ")).toEqual({ name: "dev" });
    expect(parseWorkspaceQuery(undefined)).toEqual({});
    expect(parseWorkspaceQuery("STATUS:Stopped")).toEqual({ status: "stopped" });
  });

  it("refuses unknown keys, empty values, unknown statuses and two names, naming q", () => {
    for (const q of ["colour:red", "owner:", "status:sleeping", "a b", "name:a b"]) {
      let error: unknown;
      try {
        parseWorkspaceQuery(q);
      } catch (err) {
        error = err;
      }
      expect(error, q).toBeInstanceOf(InputError);
      expect((error as InputError).validations[0]!.field).toBe("q");
    }
  });
});
