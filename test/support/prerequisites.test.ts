import { describe, expect, it } from "vitest";
import { hasCommand, requirePrerequisite, runsInCi } from "./prerequisites.js";

describe("requirePrerequisite", () => {
  it("runs the test when the prerequisite is there, in CI or not", () => {
    expect(requirePrerequisite("ssh", true, "install it", {})).toBe(true);
    expect(requirePrerequisite("ssh", true, "install it", { CI: "true" })).toBe(true);
  });

  it("skips on a developer's machine when it is missing", () => {
    expect(requirePrerequisite("chromium", false, "apt-get install chromium", {})).toBe(false);
    expect(requirePrerequisite("chromium", false, "apt-get install chromium", { CI: "false" })).toBe(false);
  });

  it("fails under CI=true when it is missing, naming it and the way to get it", () => {
    expect(() => requirePrerequisite("chromium", false, "apt-get install chromium", { CI: "true" })).toThrow(
      "prerequisite missing: chromium (apt-get install chromium); under CI=true a test may not skip for it",
    );
  });

  it("reads CI as CI services set it", () => {
    expect(runsInCi({ CI: "true" })).toBe(true);
    expect(runsInCi({ CI: "1" })).toBe(true);
    expect(runsInCi({ CI: "0" })).toBe(false);
    expect(runsInCi({ CI: "" })).toBe(false);
    expect(runsInCi({})).toBe(false);
  });
});

describe("hasCommand", () => {
  it("finds programs on the PATH and only those", () => {
    expect(hasCommand("sh")).toBe(true);
    expect(hasCommand("den-no-such-program")).toBe(false);
    expect(hasCommand("sh; true")).toBe(false);
  });
});
