import { describe, expect, it } from "vitest";
import { clientWebSocketOptions, maskingIsMoot } from "./clientWebSocketOptions.js";

describe("clientWebSocketOptions", () => {
  it("uses a zero masking key only where no intermediary can read the frames", () => {
    expect(maskingIsMoot("wss://den.example.com/api/v2/workspaceagents/me/connect")).toBe(true);
    expect(maskingIsMoot("ws://127.0.0.1:3000/x")).toBe(true);
    expect(maskingIsMoot("ws://localhost:3000/x")).toBe(true);
    expect(maskingIsMoot("ws://[::1]:3000/x")).toBe(true);
    expect(maskingIsMoot("ws://den.example.com/x")).toBe(false);
    expect(maskingIsMoot("ws://10.0.0.5:3000/x")).toBe(false);
    expect(maskingIsMoot("not a url")).toBe(false);
  });

  it("keeps ws's random masks on plain connections to other hosts", () => {
    expect(clientWebSocketOptions("ws://den.example.com/x")).toEqual({ perMessageDeflate: false });
    expect(clientWebSocketOptions("wss://den.example.com/x").generateMask).toBeTypeOf("function");
  });
});
