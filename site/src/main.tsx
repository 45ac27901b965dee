import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { RouterProvider } from "react-router";
import { ClientProvider } from "./api/ClientContext.tsx";
import { createDashboardClient } from "./api/denClient.ts";
import { isUnauthenticated } from "./api/errorMessage.ts";
import { createAppRouter } from "./createAppRouter.tsx";
import "./styles.css";

// The composition root of the dashboard: the client, the router and the query cache are made here once.
const client = createDashboardClient(window.location.origin);
const router = createAppRouter();

/** An expired session anywhere sends the person to log in, and back here afterwards. */
function onError(err: unknown) {
  const path = window.location.pathname;
  if (!isUnauthenticated(err) || path === "/login" || path === "/setup") return;
  void router.navigate(`/login?redirect=${encodeURIComponent(path + window.location.search)}`);
}

const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError }),
  mutationCache: new MutationCache({ onError }),
  defaultOptions: { queries: { retry: (count, err) => !isUnauthenticated(err) && count < 2, refetchOnWindowFocus: true } },
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <ClientProvider client={client}>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </ClientProvider>
  </StrictMode>,
);
