import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { WORKSPACE_WATCH_EVENT, type Workspace } from "../../../src/sdk/schemas/workspaces.js";
import { useDenClient } from "./ClientContext.tsx";

export function workspaceKey(owner: string, name: string) {
  return ["workspace", owner, name] as const;
}

/**
 * One workspace by owner and name, kept current by its server-sent events
 * (`/workspaces/{id}/watch`); EventSource reconnects by itself when dropped.
 */
export function useWorkspace(owner: string, name: string) {
  const client = useDenClient();
  const queryClient = useQueryClient();
  const key = workspaceKey(owner, name);
  const query = useQuery<Workspace>({ queryKey: key, queryFn: () => client.workspaces.getByOwnerAndName(owner, name) });
  const id = query.data?.id;
  useEffect(() => {
    if (!id) return;
    const events = new EventSource(client.workspaces.watchUrl(id), { withCredentials: true });
    events.addEventListener(WORKSPACE_WATCH_EVENT, (event) => {
      const ws = JSON.parse((event as MessageEvent<string>).data) as Workspace;
      queryClient.setQueryData(workspaceKey(owner, name), ws);
      void queryClient.invalidateQueries({ queryKey: ["workspace-builds", ws.id] });
    });
    return () => events.close();
    // The key parts are strings: re-subscribe only when the workspace changes.
  }, [id, owner, name, client, queryClient]);
  return query;
}
