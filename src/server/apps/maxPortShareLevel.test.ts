import { describe, expect, it } from "vitest";
import { capPortShareLevel, exceedsPortShareLevel, maxPortShareLevel } from "./maxPortShareLevel.js";

describe("maxPortShareLevel", () => {
  it("reads the template's maximum and falls back to owner when it is missing or not a level", () => {
    expect(maxPortShareLevel({ max_port_share_level: "public" })).toBe("public");
    expect(maxPortShareLevel({ max_port_share_level: "authenticated" })).toBe("authenticated");
    expect(maxPortShareLevel({})).toBe("owner");
    expect(maxPortShareLevel({ max_port_share_level: "everyone" })).toBe("owner");
    expect(maxPortShareLevel(null)).toBe("owner");
    expect(maxPortShareLevel(undefined)).toBe("owner");
  });
});

describe("capPortShareLevel", () => {
  it("lowers a level above the maximum and keeps one at or below it", () => {
    expect(exceedsPortShareLevel("public", "authenticated")).toBe(true);
    expect(exceedsPortShareLevel("authenticated", "authenticated")).toBe(false);
    expect(exceedsPortShareLevel("authenticated", "owner")).toBe(true);
    expect(capPortShareLevel("public", "authenticated")).toBe("authenticated");
    expect(capPortShareLevel("public", "owner")).toBe("owner");
    expect(capPortShareLevel("authenticated", "public")).toBe("authenticated");
  });
});
