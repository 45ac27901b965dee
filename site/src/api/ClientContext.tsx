import { createContext, useContext, type ReactNode } from "react";
import type { DenClient } from "../../../src/sdk/client/DenClient.js";

const ClientContext = createContext<DenClient | null>(null);

/** Hands the API client to every page; main.tsx makes it, tests may pass their own. */
export function ClientProvider({ client, children }: { client: DenClient; children: ReactNode }) {
  return <ClientContext.Provider value={client}>{children}</ClientContext.Provider>;
}

export function useDenClient(): DenClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error("useDenClient outside of ClientProvider");
  return client;
}
