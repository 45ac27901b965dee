import { describe, expect, it } from "vitest";
import { TemplateVersionName } from "../../sdk/schemas/templateApi.js";
import { randomVersionName } from "./randomVersionName.js";

describe("randomVersionName", () => {
  it("makes adjective-noun-number names that are valid version names", () => {
    for (let i = 0; i < 200; i++) {
      const name = randomVersionName();
      expect(name).toMatch(/^[a-z]+-[a-z]+-\d{1,2}$/);
      expect(TemplateVersionName.safeParse(name).success).toBe(true);
    }
  });

  it("varies", () => {
    const names = new Set(Array.from({ length: 50 }, () => randomVersionName()));
    expect(names.size).toBeGreaterThan(40);
  });
});
