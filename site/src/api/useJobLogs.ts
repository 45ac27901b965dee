import { useEffect, useState } from "react";
import type { ProvisionerJobLog } from "../../../src/sdk/schemas/provisionerJobs.js";
import { useDenClient } from "./ClientContext.tsx";
import { apiWebSocketUrl } from "./denClient.ts";

/**
 * The log of a provisioner job (a build or a version import) at `path`
 * (e.g. /workspacebuilds/{id}/logs): followed over the WebSocket until the
 * job ends, then the server closes it. Lines are kept in id order, once each.
 */
export function useJobLogs(path: string | undefined): { logs: ProvisionerJobLog[]; error: string | undefined } {
  const client = useDenClient();
  const [logs, setLogs] = useState<ProvisionerJobLog[]>([]);
  const [error, setError] = useState<string>();
  useEffect(() => {
    setLogs([]);
    setError(undefined);
    if (!path) return;
    const socket = new WebSocket(apiWebSocketUrl(client, path, { follow: "true" }));
    let lastId = 0;
    socket.onmessage = (event: MessageEvent<string>) => {
      const line = JSON.parse(event.data) as ProvisionerJobLog;
      if (line.id <= lastId) return;
      lastId = line.id;
      setLogs((prev) => [...prev, line]);
    };
    socket.onclose = (event) => {
      if (event.code >= 4000) setError(event.reason || `log stream closed (${event.code})`);
    };
    return () => socket.close();
  }, [path, client]);
  return { logs, error };
}
