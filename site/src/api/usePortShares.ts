import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { PortShareLevel, PortShareProtocol } from "../../../src/sdk/schemas/portShares.js";
import { useDenClient } from "./ClientContext.tsx";

/** How often the listening ports are asked for while the panel is open; react-query pauses it in hidden tabs. */
const LISTENING_PORTS_INTERVAL_MS = 3_000;

function portSharesKey(workspaceId: string) {
  return ["port-shares", workspaceId] as const;
}

/** The TCP ports listening inside the workspace, as the agent sees them, refreshed while `enabled`. */
export function useListeningPorts(agentId: string, enabled: boolean) {
  const client = useDenClient();
  return useQuery({
    queryKey: ["listening-ports", agentId],
    queryFn: () => client.portShares.listeningPorts(agentId),
    enabled,
    refetchInterval: LISTENING_PORTS_INTERVAL_MS,
  });
}

/** The workspace's shared ports and the highest level its template allows. */
export function usePortShares(workspaceId: string, enabled: boolean) {
  const client = useDenClient();
  return useQuery({ queryKey: portSharesKey(workspaceId), queryFn: () => client.portShares.list(workspaceId), enabled });
}

export type PortShareChange = { agent_name: string; port: number; share_level: PortShareLevel; protocol: PortShareProtocol };

/**
 * Shares a port at a level, or stops sharing it: the API takes `owner` (no
 * share) as a DELETE, any other level as an upsert.
 */
export function useChangePortShare(workspaceId: string) {
  const client = useDenClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (change: PortShareChange) => {
      if (change.share_level === "owner") return client.portShares.unshare(workspaceId, { agent_name: change.agent_name, port: change.port });
      await client.portShares.share(workspaceId, change);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: portSharesKey(workspaceId) }),
  });
}
