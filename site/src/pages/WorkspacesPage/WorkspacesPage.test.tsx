import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router";
import { afterEach, describe, expect, it } from "vitest";
import { DenClient } from "../../../../src/sdk/client/DenClient.js";
import { ClientProvider } from "../../api/ClientContext.tsx";
import { WorkspacesPage } from "./WorkspacesPage.tsx";

type Answer = { status: number; body: unknown };

/** A client whose server answers `answer(url)`; the requested URLs are kept. */
function renderWith(answer: (url: URL) => Answer) {
  const requests: URL[] = [];
  const fetch = (async (input: RequestInfo | URL) => {
    const url = new URL(String(input));
    requests.push(url);
    const { status, body } = answer(url);
    return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  }) as typeof globalThis.fetch;
  const client = new DenClient({ url: "http://den.test", fetch });
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const router = createMemoryRouter([{ path: "/workspaces", element: <WorkspacesPage /> }], { initialEntries: ["/workspaces"] });
  render(
    <ClientProvider client={client}>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </ClientProvider>,
  );
  return { requests, router };
}

afterEach(cleanup);

describe("WorkspacesPage", () => {
  it("shows the server's message when the list fails", async () => {
    renderWith(() => ({ status: 400, body: { message: "Invalid workspace query.", validations: [{ field: "q", detail: 'unknown filter "colour"' }] } }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe('Cannot load workspaces: Invalid workspace query.: q: unknown filter "colour"');
  });

  it("shows the empty state with the filter, and sends a new filter to the server", async () => {
    const { requests, router } = renderWith(() => ({ status: 200, body: { workspaces: [], count: 0 } }));
    expect((await screen.findByText(/No workspace matches/)).textContent).toContain("owner:me");
    expect(requests[0]!.pathname).toBe("/api/v2/workspaces");
    expect(requests[0]!.searchParams.get("q")).toBe("owner:me");
    fireEvent.change(screen.getByLabelText("Filter workspaces"), { target: { value: "status:running template:x" } });
    fireEvent.click(screen.getByRole("button", { name: "Filter" }));
    await waitFor(() => expect(document.querySelector(".empty")?.textContent).toContain("No workspace matches status:running template:x"));
    expect(router.state.location.search).toBe("?q=status%3Arunning+template%3Ax");
    expect(requests.at(-1)!.searchParams.get("q")).toBe("status:running template:x");
  });

  it("says it is loading until the answer comes", () => {
    renderWith(() => ({ status: 200, body: { workspaces: [], count: 0 } }));
    expect(screen.getByRole("status").textContent).toBe("Loading workspaces…");
  });
});
