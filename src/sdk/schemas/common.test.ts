import { describe, expect, it } from "vitest";
import { NameLabel } from "./common.js";

describe("NameLabel", () => {
  it("takes DNS labels", () => {
    for (const name of ["a", "dev", "my-app-2", "0"]) expect(NameLabel.safeParse(name).success, name).toBe(true);
  });

  it("refuses '--', which separates the parts of app hostnames", () => {
    const parsed = NameLabel.safeParse("my--app");
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe("must not contain '--' (it separates the parts of app hostnames)");
  });

  it("refuses what is not a DNS label", () => {
    for (const name of ["", "-a", "a-", "A", "a_b", "a.b", "x".repeat(33)]) expect(NameLabel.safeParse(name).success, name).toBe(false);
  });
});
