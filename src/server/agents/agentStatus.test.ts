import { describe, expect, it } from "vitest";
import { agentConnectionStatus } from "./agentStatus.js";

const t0 = new Date("2026-01-01T00:00:00Z");
const at = (s: number) => new Date(t0.getTime() + s * 1000);

describe("agentConnectionStatus", () => {
  it("is connecting until the first connection, then timeout after the template's limit", () => {
    const times = { created_at: t0, first_connected_at: null, last_connected_at: null, disconnected_at: null };
    expect(agentConnectionStatus(times, at(10), 120)).toBe("connecting");
    expect(agentConnectionStatus(times, at(121), 120)).toBe("timeout");
    expect(agentConnectionStatus(times, at(10_000), 0)).toBe("connecting");
  });

  it("is connected while heartbeats are fresh and disconnected once they stop or a disconnect is recorded", () => {
    const connected = { created_at: t0, first_connected_at: at(1), last_connected_at: at(100), disconnected_at: null };
    expect(agentConnectionStatus(connected, at(110), 120)).toBe("connected");
    expect(agentConnectionStatus(connected, at(200), 120)).toBe("disconnected");
    expect(agentConnectionStatus({ ...connected, disconnected_at: at(105) }, at(106), 120)).toBe("disconnected");
    // A reconnection after a recorded disconnect counts again.
    expect(agentConnectionStatus({ ...connected, disconnected_at: at(50) }, at(106), 120)).toBe("connected");
  });
});
