import { describe, expect, it } from "vitest";
import { appHost, matchAppHost, parseWildcardHost } from "./appHostname.js";

const wildcard = parseWildcardHost("*.den.localhost:3000")!;

describe("parseWildcardHost", () => {
  it("splits the suffix and the port", () => {
    expect(parseWildcardHost("*.den.localhost:3000")).toEqual({ suffix: ".den.localhost", port: "3000" });
    expect(parseWildcardHost("*.Apps.Example.com")).toEqual({ suffix: ".apps.example.com", port: "" });
  });

  it("has nothing for an empty or malformed pattern", () => {
    expect(parseWildcardHost("")).toBeUndefined();
    expect(parseWildcardHost("den.localhost")).toBeUndefined();
    expect(parseWildcardHost("http://*.den.localhost")).toBeUndefined();
  });
});

describe("matchAppHost", () => {
  it("reads an app host", () => {
    expect(matchAppHost("code--main--dev--alice.den.localhost:3000", wildcard)).toEqual({
      kind: "target",
      target: { kind: "app", slug: "code", agent: "main", workspace: "dev", user: "alice" },
    });
  });

  it("reads a port host, with s for HTTPS", () => {
    expect(matchAppHost("8080--main--dev--alice.den.localhost:3000", wildcard)).toEqual({
      kind: "target",
      target: { kind: "port", port: 8080, https: false, agent: "main", workspace: "dev", user: "alice" },
    });
    const https = matchAppHost("8443s--main--dev--alice.den.localhost", wildcard);
    expect(https.kind === "target" && https.target).toMatchObject({ kind: "port", port: 8443, https: true });
  });

  it("ignores case, as DNS does", () => {
    expect(matchAppHost("CODE--Main--Dev--Alice.DEN.localhost:3000", wildcard).kind).toBe("target");
  });

  it("leaves other hosts alone, the access URL's host included", () => {
    expect(matchAppHost("127.0.0.1:3000", wildcard)).toEqual({ kind: "other" });
    expect(matchAppHost("den.localhost:3000", wildcard)).toEqual({ kind: "other" });
    expect(matchAppHost(undefined, wildcard)).toEqual({ kind: "other" });
    expect(matchAppHost("[::1]:3000", wildcard)).toEqual({ kind: "other" });
    expect(matchAppHost("dashboard.den.localhost", wildcard, "dashboard.den.localhost")).toEqual({ kind: "other" });
    expect(matchAppHost("code--main--dev--alice.den.localhost", undefined)).toEqual({ kind: "other" });
  });

  it("calls malformed names under the wildcard invalid", () => {
    for (const host of [
      "x--main--dev.den.localhost",
      "a--b--c--d--e.den.localhost",
      "a.code--main--dev--alice.den.localhost",
      "0--main--dev--alice.den.localhost",
      "08080--main--dev--alice.den.localhost",
      "70000--main--dev--alice.den.localhost",
      "code_x--main--dev--alice.den.localhost",
      "code----dev--alice.den.localhost",
      "code--main--dev--" + "a".repeat(33) + ".den.localhost",
    ]) {
      expect(matchAppHost(host, wildcard).kind, host).toBe("invalid");
    }
  });

  it("formats what it reads", () => {
    const target = { kind: "app", slug: "code", agent: "main", workspace: "dev", user: "alice" } as const;
    expect(appHost(target, wildcard)).toBe("code--main--dev--alice.den.localhost:3000");
    const match = matchAppHost(appHost({ kind: "port", port: 443, https: true, agent: "a", workspace: "w", user: "u" }, wildcard), wildcard);
    expect(match).toEqual({ kind: "target", target: { kind: "port", port: 443, https: true, agent: "a", workspace: "w", user: "u" } });
  });
});
