import { describe, expect, it } from "vitest";
import { createDriverRegistry } from "./registry.js";

describe("createDriverRegistry", () => {
  const registry = createDriverRegistry({ dataDir: "/nonexistent/den" });

  it("lists the drivers and finds one by name", () => {
    expect(registry.list().map((d) => d.name)).toEqual(["process", "docker"]);
    const driver = registry.get("process");
    expect(driver.name).toBe("process");
    expect(Object.keys(driver.kinds)).toEqual(["directory", "process"]);
  });

  it("names the known drivers when asked for an unknown one", () => {
    expect(() => registry.get("kubernetes")).toThrow('unknown driver "kubernetes"; known drivers: process, docker');
  });
});
