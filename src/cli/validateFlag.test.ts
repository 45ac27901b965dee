import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Email, Username } from "../sdk/schemas/users.js";
import { CliError } from "./errors.js";
import { flagProblem, validateFlag } from "./validateFlag.js";

describe("validateFlag", () => {
  it("returns the value when the API's schema accepts it", () => {
    expect(validateFlag("--email", Email, "a@example.com")).toBe("a@example.com");
  });

  it("throws a CliError that names the flag and says what is wrong", () => {
    const run = () => validateFlag("--username", Username, "Not Valid");
    expect(run).toThrow(CliError);
    expect(run).toThrow(/^--username: must be lower-case letters, digits and inner dashes/);
  });

  it("names the element of a list that is wrong", () => {
    const problem = flagProblem(z.array(z.enum(["a", "b"])).safeParse(["a", "c"]).error!);
    expect(problem).toMatch(/^1: /);
  });
});
