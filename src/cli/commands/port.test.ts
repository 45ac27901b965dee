import { describe, expect, it } from "vitest";
import type { WorkspacePortShare } from "../../sdk/schemas/portShares.js";
import { portRows } from "./port.js";

const share = (agent: string, port: number, level: "authenticated" | "public", protocol: "http" | "https" = "http"): WorkspacePortShare => ({
  workspace_id: "00000000-0000-4000-8000-000000000000",
  agent_name: agent,
  port,
  share_level: level,
  protocol,
  created_at: "2024-01-01T00:00:00.000Z",
  updated_at: "2024-01-01T00:00:00.000Z",
});

describe("portRows", () => {
  it("merges listening ports with shares, one row per agent and port, and marks what is unknown", () => {
    const listening = new Map([
      [
        "main",
        [
          { port: 8080, network: "tcp" as const, process_name: "python3" },
          { port: 8080, network: "tcp6" as const, process_name: "python3" },
          { port: 3000, network: "tcp" as const, process_name: "node" },
        ],
      ],
    ]);
    const rows = portRows([share("main", 3000, "public", "https"), share("main", 9000, "authenticated"), share("side", 22, "authenticated")], listening, (agent, port, protocol) => `${protocol}:${port}.${agent}`);
    expect(rows).toEqual([
      { agent_name: "main", port: 3000, listening: true, process_name: "node", share_level: "public", protocol: "https", url: "https:3000.main" },
      { agent_name: "main", port: 8080, listening: true, process_name: "python3", share_level: "owner", protocol: "http", url: "http:8080.main" },
      { agent_name: "main", port: 9000, listening: false, process_name: "", share_level: "authenticated", protocol: "http", url: "http:9000.main" },
      { agent_name: "side", port: 22, listening: undefined, process_name: "", share_level: "authenticated", protocol: "http", url: "http:22.side" },
    ]);
  });
});
