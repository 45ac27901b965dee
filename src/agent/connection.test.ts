import { describe, expect, it } from "vitest";
import { AGENT_TOKEN_HEADER } from "../sdk/schemas/agentProtocol.js";
import { connectUrl, TOKEN_HEADER } from "./connection.js";

describe("the agent's connection", () => {
  it("sends the protocol's token header", () => {
    expect(TOKEN_HEADER).toBe(AGENT_TOKEN_HEADER);
  });

  it("dials the WebSocket endpoint of the server's URL, keeping a path prefix", () => {
    expect(connectUrl("http://den.example.com")).toBe("ws://den.example.com/api/v2/workspaceagents/me/connect");
    expect(connectUrl("https://example.com/den/")).toBe("wss://example.com/den/api/v2/workspaceagents/me/connect");
    expect(connectUrl("http://127.0.0.1:3000/?x=1#y")).toBe("ws://127.0.0.1:3000/api/v2/workspaceagents/me/connect");
  });
});
