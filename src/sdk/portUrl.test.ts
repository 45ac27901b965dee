import { describe, expect, it } from "vitest";
import { portUrl } from "./portUrl.js";

describe("portUrl", () => {
  const target = { owner: "alice", workspace: "dev", agent: "main", port: 8080, protocol: "http" as const };

  it("puts the port, agent, workspace and owner under the wildcard with the access URL's scheme", () => {
    expect(portUrl("http://den.localhost:3000", "*.den.localhost:3000", target)).toBe("http://8080--main--dev--alice.den.localhost:3000/");
    expect(portUrl("https://den.example.com/", "*.apps.example.com", { ...target, protocol: "https" })).toBe("https://8080s--main--dev--alice.apps.example.com/");
  });

  it("has no URL without a wildcard host", () => {
    expect(portUrl("http://den.localhost:3000", "", target)).toBeUndefined();
    expect(portUrl("http://den.localhost:3000", "den.localhost", target)).toBeUndefined();
    expect(portUrl("http://den.localhost:3000", "*.", target)).toBeUndefined();
  });
});
