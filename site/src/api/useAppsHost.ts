import { useQuery } from "@tanstack/react-query";
import { useDenClient } from "./ClientContext.tsx";

/** How the server serves apps (wildcard host, path apps allowed); it changes only with a server restart. */
export function useAppsHost(enabled = true) {
  const client = useDenClient();
  return useQuery({ queryKey: ["applications", "host"], queryFn: () => client.portShares.host(), staleTime: 5 * 60_000, enabled });
}
