import { cleanup, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { WorkspaceAgent } from "../../../../src/sdk/schemas/workspaces.js";
import { renderWithServer, type FakeAnswer } from "../../testing/renderWithServer.tsx";
import { testAgent, testWorkspace } from "../../testing/workspaceFixture.ts";
import { AppButtons } from "./AppButtons.tsx";

type App = WorkspaceAgent["apps"][number];

function app(slug: string, extra: Partial<App> = {}): App {
  return { slug, display_name: slug, subdomain: false, share: "owner", hidden: false, health: "disabled", url: "http://localhost:8080", ...extra };
}

function renderApps(apps: App[], opts: { host?: FakeAnswer; agent?: Partial<WorkspaceAgent>; status?: "running" | "stopped" } = {}) {
  const agent = testAgent({ apps, ...opts.agent });
  const ws = testWorkspace({ agents: [agent], status: opts.status ?? "running" });
  return renderWithServer(
    <div className="apps" aria-label="Apps">
      <AppButtons ws={ws} agent={agent} />
    </div>,
    (req) => {
      if (req.url.pathname === "/api/v2/applications/host") return opts.host ?? { status: 200, body: { host: "*.den.localhost:3000", path_apps: true } };
      return { status: 404, body: { message: "Not found." } };
    },
  );
}

/** The app buttons in page order, as links or disabled spans. */
function buttons(): HTMLElement[] {
  return [...document.querySelectorAll<HTMLElement>("[data-app]")];
}

afterEach(cleanup);

describe("AppButtons", () => {
  it("shows apps sorted by order then name, leaves hidden ones out, and links url apps to their path or subdomain", async () => {
    renderApps([
      app("zeta", { display_name: "Zeta" }),
      app("code", { display_name: "Code Server", order: -1, subdomain: true }),
      app("hidden", { display_name: "Hidden", hidden: true }),
      app("alpha", { display_name: "Alpha" }),
    ]);
    await waitFor(() => expect(buttons().every((b) => b.tagName === "A")).toBe(true));
    expect(buttons().map((b) => b.textContent)).toEqual(["Code Server", "Alpha", "Zeta"]);
    const code = screen.getByRole("link", { name: "Code Server" });
    expect(code.getAttribute("href")).toBe("http://code--main--dev--alice.den.localhost:3000/");
    expect(code.getAttribute("target")).toBe("_blank");
    expect(code.getAttribute("rel")).toBe("noopener noreferrer");
    expect(screen.getByRole("link", { name: "Alpha" }).getAttribute("href")).toBe("/@alice/dev.main/apps/alpha/");
    expect(screen.queryByText("Hidden")).toBeNull();
  });

  it("shows a health dot with its words, and none for apps without a health check", async () => {
    renderApps([
      app("ok", { health: "healthy" }),
      app("wait", { health: "initializing" }),
      app("sick", { health: "unhealthy" }),
      app("plain", { health: "disabled" }),
    ]);
    await screen.findByRole("link", { name: /^ok/ });
    const dot = (slug: string) => document.querySelector(`[data-app="${slug}"] .health-dot`);
    expect(dot("ok")?.getAttribute("title")).toBe("Healthy");
    expect(dot("ok")?.className).toContain("health-healthy");
    expect(dot("wait")?.getAttribute("title")).toMatch(/^Starting/);
    expect(dot("sick")?.getAttribute("title")).toMatch(/^Unhealthy/);
    expect(dot("plain")).toBeNull();
    expect(screen.getByRole("img", { name: /^Unhealthy/ })).toBe(dot("sick"));
  });

  it("shows an icon only from a URL or a server path", async () => {
    renderApps([app("a", { icon: "/icon/code.svg" }), app("b", { icon: "https://cdn.example.com/b.png" }), app("c", { icon: "javascript:alert(1)" }), app("d", { icon: "code" })]);
    await screen.findByRole("link", { name: "a" });
    const icon = (slug: string) => document.querySelector(`[data-app="${slug}"] img`)?.getAttribute("src");
    expect(icon("a")).toBe("/icon/code.svg");
    expect(icon("b")).toBe("https://cdn.example.com/b.png");
    expect(icon("c")).toBeUndefined();
    expect(icon("d")).toBeUndefined();
  });

  it("disables apps with the reason when path apps are off or a subdomain app has no wildcard host", async () => {
    renderApps([app("path"), app("sub", { subdomain: true }), app("top", { url: undefined, command: "htop" })], {
      host: { status: 200, body: { host: "", path_apps: false } },
    });
    const path = document.querySelector('[data-app="path"]')!;
    await waitFor(() => expect(path.getAttribute("title")).not.toMatch(/^Finding out/));
    const reasons = screen.getByRole("list", { name: "Why some apps cannot open" });
    expect(path.tagName).toBe("SPAN");
    expect(path.getAttribute("aria-disabled")).toBe("true");
    expect(path.getAttribute("title")).toContain("--disable-path-apps");
    expect(document.querySelector('[data-app="sub"]')!.getAttribute("title")).toContain("--wildcard-access-url");
    expect(within(reasons).getAllByRole("listitem").map((li) => li.textContent)).toEqual([
      "Path-based apps are disabled on this server (--disable-path-apps).",
      "This app needs a subdomain: the server has no --wildcard-access-url.",
    ]);
    // A command app does not go through the proxy.
    expect(screen.getByRole("link", { name: "top" }).getAttribute("href")).toBe("/@alice/dev.main/terminal?app=top");
  });

  it("disables every app while the workspace is not running or the agent is away, without asking the server", async () => {
    const { requests } = renderApps([app("code"), app("vs", { url: undefined, external: "vscode://x" })], { agent: { status: "disconnected" } });
    expect(buttons().map((b) => b.getAttribute("aria-disabled"))).toEqual(["true", "true"]);
    expect(screen.getByRole("listitem").textContent).toBe("The workspace is not running or its agent is not connected.");
    cleanup();
    renderApps([app("code")], { status: "stopped" });
    expect(document.querySelector('[data-app="code"]')!.getAttribute("aria-disabled")).toBe("true");
    expect(requests.filter((r) => r.url.pathname !== "/api/v2/applications/host")).toEqual([]);
  });

  it("says why when the server cannot tell how it serves apps", async () => {
    renderApps([app("code")], { host: { status: 503, body: { message: "Apps are not available." } } });
    await waitFor(() => expect(document.querySelector('[data-app="code"]')!.getAttribute("title")).toBe("Cannot tell how the server serves apps: Apps are not available."));
  });

  it("links external apps with safe schemes and refuses script ones", async () => {
    renderApps([
      app("vs", { url: undefined, external: "vscode://vscode-remote/ssh-remote+den.dev" }),
      app("docs", { url: undefined, external: "https://docs.example.com/" }),
      app("evil", { url: undefined, external: "javascript:alert(document.cookie)" }),
      app("data", { url: undefined, external: "data:text/html,<script>alert(1)</script>" }),
    ]);
    const vs = screen.getByRole("link", { name: "vs" });
    expect(vs.getAttribute("href")).toBe("vscode://vscode-remote/ssh-remote+den.dev");
    expect(vs.getAttribute("target")).toBeNull();
    expect(screen.getByRole("link", { name: "docs" }).getAttribute("target")).toBe("_blank");
    for (const slug of ["evil", "data"]) {
      const refused = document.querySelector(`[data-app="${slug}"]`)!;
      expect(refused.tagName).toBe("SPAN");
      expect(refused.getAttribute("href")).toBeNull();
      expect(refused.getAttribute("title")).toContain("scheme");
    }
    expect(document.querySelectorAll("a[href^='javascript'], a[href^='data']")).toHaveLength(0);
  });
});
