import type { AgentStats } from "../../sdk/schemas/agentProtocol.js";

export type SessionType = keyof AgentStats["sessions"];

/**
 * Open sessions by type, for the `stats` report; the server derives the
 * workspace's last use from it. Bytes come from the connection (see
 * AgentConnection), which carries every session.
 */
export class SessionStats {
  private readonly counts: Record<SessionType, number> = { ssh: 0, vscode: 0, pty: 0, "port-forward": 0 };

  /** Counts a session of `type` as open; call the returned function once it ends (extra calls do nothing). */
  open(type: SessionType): () => void {
    this.counts[type]++;
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      this.counts[type]--;
    };
  }

  snapshot(bytes: { rx: number; tx: number }): AgentStats {
    return { sessions: { ...this.counts }, rx_bytes: bytes.rx, tx_bytes: bytes.tx, collected_at: new Date().toISOString() };
  }
}
