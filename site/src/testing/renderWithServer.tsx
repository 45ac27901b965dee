import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactNode } from "react";
import { DenClient } from "../../../src/sdk/client/DenClient.js";
import { ClientProvider } from "../api/ClientContext.tsx";

export type FakeRequest = { method: string; url: URL; body: unknown; headers: Record<string, string> };
export type FakeAnswer = { status: number; body?: unknown };

/** The CSRF token the fake dashboard session has; changes must carry it in Den-CSRF-Token. */
export const TEST_CSRF_TOKEN = "csrf-test-token";

/**
 * Renders UI with an API client whose server is `answer`: component tests
 * of pure UI replace the network at the client's fetch, nothing else. The
 * requests are kept, with their parsed JSON bodies, in order.
 */
export function renderWithServer(ui: ReactNode, answer: (req: FakeRequest) => FakeAnswer | Promise<FakeAnswer>) {
  const requests: FakeRequest[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const text = typeof init?.body === "string" ? init.body : undefined;
    const req: FakeRequest = {
      method: init?.method ?? "GET",
      url: new URL(String(input)),
      body: text ? JSON.parse(text) : undefined,
      headers: (init?.headers ?? {}) as Record<string, string>,
    };
    requests.push(req);
    const { status, body } = await answer(req);
    return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  }) as typeof globalThis.fetch;
  const client = new DenClient({ url: "http://den.test", fetch, csrfToken: () => TEST_CSRF_TOKEN });
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const view = render(
    <ClientProvider client={client}>
      <QueryClientProvider client={queryClient}>{ui}</QueryClientProvider>
    </ClientProvider>,
  );
  return { ...view, requests, queryClient };
}
