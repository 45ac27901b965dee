import { describe, expect, it } from "vitest";
import {
  appPathUrl,
  appSubdomainUrl,
  appTarget,
  iconSource,
  safeExternalUrl,
  visibleApps,
  type AppContext,
  type WorkspaceApp,
} from "./appUrls.ts";
import { wildcardSuffix } from "../../../../src/sdk/portUrl.ts";

function app(slug: string, extra: Partial<WorkspaceApp> = {}): WorkspaceApp {
  return { slug, display_name: slug, subdomain: false, share: "owner", hidden: false, health: "disabled", url: "http://localhost:8080", ...extra };
}

const ctx: AppContext = {
  owner: "alice",
  workspace: "dev",
  agent: "main",
  reachable: true,
  appsHost: { host: "*.den.localhost:3000", path_apps: true },
  scheme: "http:",
};

describe("visibleApps", () => {
  it("leaves hidden apps out and sorts by order, then display name", () => {
    const apps = [
      app("zeta", { display_name: "Zeta", order: 1 }),
      app("beta", { display_name: "beta" }),
      app("secret", { hidden: true, order: -5 }),
      app("alpha", { display_name: "Alpha" }),
      app("first", { display_name: "Zzz", order: -1 }),
    ];
    expect(visibleApps(apps).map((a) => a.slug)).toEqual(["first", "alpha", "beta", "zeta"]);
  });
});

describe("app URLs", () => {
  it("builds the path URL with the agent and a trailing slash", () => {
    expect(appPathUrl("alice", "dev", "main", "code")).toBe("/@alice/dev.main/apps/code/");
  });

  it("builds subdomain URLs under the wildcard host, keeping its port", () => {
    expect(wildcardSuffix("*.den.localhost:3000")).toBe("den.localhost:3000");
    expect(wildcardSuffix("")).toBeUndefined();
    expect(wildcardSuffix("den.localhost")).toBeUndefined();
    expect(appSubdomainUrl("https:", "*.apps.example.com", "alice", "dev", "main", "code")).toBe("https://code--main--dev--alice.apps.example.com/");
    expect(appSubdomainUrl("http:", "", "alice", "dev", "main", "code")).toBeUndefined();
  });
});

describe("safeExternalUrl", () => {
  it("accepts http, https and custom schemes", () => {
    expect(safeExternalUrl("https://example.com/x")).toBe("https://example.com/x");
    expect(safeExternalUrl("vscode://vscode-remote/ssh-remote+den.dev/home")).toBe("vscode://vscode-remote/ssh-remote+den.dev/home");
    expect(safeExternalUrl("jetbrains-gateway://connect#host=dev")).toBe("jetbrains-gateway://connect#host=dev");
  });

  it("refuses script, data and file schemes, however they are spelled", () => {
    for (const raw of ["javascript:alert(1)", "JavaScript:alert(1)", " java\tscript:alert(1)", "\njavascript:alert(1)", "vbscript:msgbox", "data:text/html,<script>1</script>", "file:///etc/passwd", "blob:https://x/y"]) {
      expect(safeExternalUrl(raw), raw).toBeUndefined();
    }
  });

  it("refuses what is not an absolute URL", () => {
    expect(safeExternalUrl("/relative")).toBeUndefined();
    expect(safeExternalUrl("not a url")).toBeUndefined();
  });
});

describe("iconSource", () => {
  it("shows http(s) URLs and server paths only", () => {
    expect(iconSource("/icon/code.svg")).toBe("/icon/code.svg");
    expect(iconSource("https://cdn.example.com/i.png")).toBe("https://cdn.example.com/i.png");
    expect(iconSource("//evil.example/i.png")).toBeUndefined();
    expect(iconSource("javascript:alert(1)")).toBeUndefined();
    expect(iconSource("code")).toBeUndefined();
    expect(iconSource(undefined)).toBeUndefined();
  });
});

describe("appTarget", () => {
  it("opens url apps on their path, or their subdomain when asked for and available", () => {
    expect(appTarget(app("code"), ctx)).toEqual({ kind: "link", href: "/@alice/dev.main/apps/code/", newTab: true });
    expect(appTarget(app("code", { subdomain: true }), ctx)).toEqual({ kind: "link", href: "http://code--main--dev--alice.den.localhost:3000/", newTab: true });
  });

  it("says why a url app cannot open", () => {
    const noWildcard = { ...ctx, appsHost: { host: "", path_apps: true } };
    expect(appTarget(app("code", { subdomain: true }), noWildcard)).toEqual({ kind: "disabled", reason: expect.stringContaining("--wildcard-access-url") });
    const noPaths = { ...ctx, appsHost: { host: "", path_apps: false } };
    expect(appTarget(app("code"), noPaths)).toEqual({ kind: "disabled", reason: expect.stringContaining("--disable-path-apps") });
    // A subdomain app does not need path apps.
    expect(appTarget(app("code", { subdomain: true }), { ...noPaths, appsHost: { host: "*.x.test", path_apps: false } }).kind).toBe("link");
    expect(appTarget(app("code"), { ...ctx, reachable: false })).toEqual({ kind: "disabled", reason: expect.stringContaining("not running") });
    expect(appTarget(app("code"), { ...ctx, appsHost: undefined }).kind).toBe("disabled");
    expect(appTarget(app("code"), { ...ctx, appsHost: undefined, appsHostError: "503 Service Unavailable" })).toEqual({
      kind: "disabled",
      reason: "Cannot tell how the server serves apps: 503 Service Unavailable",
    });
  });

  it("opens command apps in the terminal by slug and external apps by their URL", () => {
    expect(appTarget(app("top", { url: undefined, command: "htop" }), ctx)).toEqual({ kind: "terminal", to: "/@alice/dev.main/terminal?app=top" });
    expect(appTarget(app("vs", { url: undefined, external: "vscode://x/y" }), ctx)).toEqual({ kind: "link", href: "vscode://x/y", newTab: false });
    expect(appTarget(app("site", { url: undefined, external: "https://docs.example.com" }), ctx)).toEqual({ kind: "link", href: "https://docs.example.com/", newTab: true });
    expect(appTarget(app("bad", { url: undefined, external: "javascript:alert(1)" }), ctx)).toEqual({ kind: "disabled", reason: expect.stringContaining("scheme") });
  });
});
