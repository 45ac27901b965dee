import type { AgentConnectionStatus } from "../../sdk/schemas/agentProtocol.js";
import { AGENT_HEARTBEAT_MS } from "./agentConnections.js";

export type AgentTimes = {
  created_at: Date;
  first_connected_at: Date | null;
  last_connected_at: Date | null;
  disconnected_at: Date | null;
};

/**
 * Connection status from the heartbeat columns, so that every replica derives
 * the same answer: a replica that died without writing disconnected_at leaves
 * a last_connected_at that simply goes stale.
 */
export function agentConnectionStatus(t: AgentTimes, now: Date, connectionTimeoutSeconds: number): AgentConnectionStatus {
  if (!t.first_connected_at || !t.last_connected_at) {
    const waited = now.getTime() - t.created_at.getTime();
    return connectionTimeoutSeconds > 0 && waited > connectionTimeoutSeconds * 1000 ? "timeout" : "connecting";
  }
  if (t.disconnected_at && t.disconnected_at.getTime() >= t.last_connected_at.getTime()) return "disconnected";
  if (now.getTime() - t.last_connected_at.getTime() > AGENT_HEARTBEAT_MS * 3) return "disconnected";
  return "connected";
}
