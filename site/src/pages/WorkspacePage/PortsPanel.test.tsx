import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { ListeningPort } from "../../../../src/sdk/schemas/agentProtocol.js";
import type { PortShareLevel, WorkspacePortShare } from "../../../../src/sdk/schemas/portShares.js";
import { renderWithServer, TEST_CSRF_TOKEN, type FakeAnswer, type FakeRequest } from "../../testing/renderWithServer.tsx";
import { testAgent, testWorkspace } from "../../testing/workspaceFixture.ts";
import { PortsPanel } from "./PortsPanel.tsx";

const ws = testWorkspace();
const agent = testAgent();
const NOW = "2025-01-01T00:00:00.000Z";

/** A server with listening ports and shares that keeps what the panel POSTs and DELETEs, unless `refuse` answers first. */
function renderPanel(opts: { ports?: ListeningPort[]; shares?: WorkspacePortShare[]; maxLevel?: PortShareLevel; host?: string; refuse?: (req: FakeRequest) => FakeAnswer | undefined }) {
  const shares = [...(opts.shares ?? [])];
  const view = renderWithServer(<PortsPanel ws={ws} agent={agent} />, (req) => {
    const refused = opts.refuse?.(req);
    if (refused) return refused;
    const path = req.url.pathname;
    if (path === "/api/v2/applications/host") return { status: 200, body: { host: opts.host ?? "*.den.localhost:3000", path_apps: true } };
    if (path === `/api/v2/workspaceagents/${agent.id}/listening-ports`) return { status: 200, body: { ports: opts.ports ?? [] } };
    if (path !== `/api/v2/workspaces/${ws.id}/port-share`) return { status: 404, body: { message: "Not found." } };
    const body = req.body as { agent_name: string; port: number; share_level: "authenticated" | "public"; protocol: "http" | "https" };
    const at = shares.findIndex((s) => s.agent_name === body?.agent_name && s.port === body?.port);
    if (req.method === "GET") return { status: 200, body: { max_level: opts.maxLevel ?? "public", shares } };
    if (req.method === "DELETE") {
      if (at < 0) return { status: 404, body: { message: "Port share not found." } };
      shares.splice(at, 1);
      return { status: 204 };
    }
    const share: WorkspacePortShare = { workspace_id: ws.id, ...body, created_at: NOW, updated_at: NOW };
    if (at >= 0) shares[at] = share;
    else shares.push(share);
    return { status: 200, body: share };
  });
  return view;
}

function openPanel() {
  fireEvent.click(screen.getByText("Ports"));
}

const row = (table: string, port: number) => within(screen.getByRole("table", { name: table })).getByText(String(port), { selector: "td" }).closest("tr")!;

afterEach(cleanup);

describe("PortsPanel", () => {
  it("asks for nothing until opened, then lists listening ports once each with their process and Open link", async () => {
    const { requests } = renderPanel({
      ports: [
        { port: 8080, network: "tcp", process_name: "" },
        { port: 8080, network: "tcp6", process_name: "python3" },
        { port: 3000, network: "tcp", process_name: "node" },
      ],
    });
    expect(requests).toEqual([]);
    openPanel();
    const table = await screen.findByRole("table", { name: "Listening ports" });
    expect(within(table).getAllByRole("row").slice(1).map((r) => r.getAttribute("data-port"))).toEqual(["3000", "8080"]);
    expect(within(row("Listening ports", 8080)).getByText("python3")).toBeTruthy();
    await waitFor(() => expect(screen.getByRole("link", { name: "Open port 8080" }).getAttribute("href")).toBe("http://8080--main--dev--alice.den.localhost:3000/"));
    // The protocol changes the link of a port that is not shared, without asking the server.
    fireEvent.change(screen.getByLabelText("Protocol of port 8080"), { target: { value: "https" } });
    expect(screen.getByRole("link", { name: "Open port 8080" }).getAttribute("href")).toBe("http://8080s--main--dev--alice.den.localhost:3000/");
    expect(requests.some((r) => r.method !== "GET")).toBe(false);
    expect(await screen.findByText(/No port of this agent is shared/)).toBeTruthy();
  });

  it("shares a port up to the template's maximum, lists it, and revokes it, sending the CSRF header", async () => {
    const { requests } = renderPanel({ ports: [{ port: 8080, network: "tcp", process_name: "python3" }], maxLevel: "authenticated" });
    openPanel();
    const select = (await screen.findByLabelText("Share port 8080")) as HTMLSelectElement;
    await waitFor(() => expect(select.disabled).toBe(false));
    expect([...select.options].map((o) => o.textContent)).toEqual(["Private", "Authenticated"]);
    fireEvent.change(select, { target: { value: "authenticated" } });
    await waitFor(() => expect(screen.getByRole("table", { name: "Shared ports" })).toBeTruthy());
    const post = requests.find((r) => r.method === "POST")!;
    expect(post.body).toEqual({ agent_name: "main", port: 8080, share_level: "authenticated", protocol: "http" });
    expect(post.headers["Den-CSRF-Token"]).toBe(TEST_CSRF_TOKEN);
    const shared = row("Shared ports", 8080);
    expect(within(shared).getByText("Authenticated")).toBeTruthy();
    expect(within(shared).getByText("HTTP")).toBeTruthy();
    await waitFor(() => expect(select.value).toBe("authenticated"));

    fireEvent.click(screen.getByRole("button", { name: "Revoke sharing of port 8080" }));
    await screen.findByText(/No port of this agent is shared/);
    const del = requests.find((r) => r.method === "DELETE")!;
    expect(del.body).toEqual({ agent_name: "main", port: 8080 });
    expect(del.headers["Den-CSRF-Token"]).toBe(TEST_CSRF_TOKEN);
    await waitFor(() => expect(select.value).toBe("owner"));
  });

  it("lists shares of ports that are not listening, and only this agent's", async () => {
    renderPanel({
      ports: [],
      shares: [
        { workspace_id: ws.id, agent_name: "main", port: 9443, share_level: "public", protocol: "https", created_at: NOW, updated_at: NOW },
        { workspace_id: ws.id, agent_name: "other", port: 7000, share_level: "public", protocol: "http", created_at: NOW, updated_at: NOW },
      ],
    });
    openPanel();
    await screen.findByText("Nothing is listening on a TCP port in the workspace.");
    const shared = await screen.findByRole("table", { name: "Shared ports" });
    expect(within(shared).getAllByRole("row")).toHaveLength(2);
    expect(within(row("Shared ports", 9443)).getByText("Public")).toBeTruthy();
    expect(within(row("Shared ports", 9443)).getByText("HTTPS")).toBeTruthy();
    await waitFor(() => expect(screen.getByRole("link", { name: "Open port 9443" }).getAttribute("href")).toBe("http://9443s--main--dev--alice.den.localhost:3000/"));
  });

  it("shows the server's message when a change is refused", async () => {
    renderPanel({
      ports: [{ port: 8080, network: "tcp", process_name: "" }],
      refuse: (req) =>
        req.method === "POST" ? { status: 400, body: { message: "The template allows sharing ports up to authenticated.", validations: [{ field: "share_level", detail: "above the maximum" }] } } : undefined,
    });
    openPanel();
    const select = (await screen.findByLabelText("Share port 8080")) as HTMLSelectElement;
    await waitFor(() => expect(select.disabled).toBe(false));
    fireEvent.change(select, { target: { value: "public" } });
    expect((await screen.findByRole("alert")).textContent).toBe("The template allows sharing ports up to authenticated.: share_level: above the maximum");
    expect(select.value).toBe("owner");
  });

  it("says why ports cannot open without a wildcard host, and shows a failing port list's error", async () => {
    renderPanel({
      host: "",
      shares: [{ workspace_id: ws.id, agent_name: "main", port: 9000, share_level: "authenticated", protocol: "http", created_at: NOW, updated_at: NOW }],
      refuse: (req) => (req.url.pathname.endsWith("/listening-ports") ? { status: 409, body: { message: "The agent is not connected." } } : undefined),
    });
    openPanel();
    expect((await screen.findByRole("alert")).textContent).toBe("Cannot load listening ports: The agent is not connected.");
    await screen.findByText("Ports open on their own subdomain: the server has no --wildcard-access-url.");
    const open = within(row("Shared ports", 9000)).getByText("No wildcard host");
    expect(open.getAttribute("aria-disabled")).toBe("true");
    expect(screen.queryByRole("link", { name: /Open port/ })).toBeNull();
  });

  it("keeps the share control closed when the template allows no sharing", async () => {
    renderPanel({ ports: [{ port: 8080, network: "tcp", process_name: "" }], maxLevel: "owner" });
    openPanel();
    const select = (await screen.findByLabelText("Share port 8080")) as HTMLSelectElement;
    await waitFor(() => expect(select.title).toContain("max_port_share_level"));
    expect(select.disabled).toBe(true);
  });
});
