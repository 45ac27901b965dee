import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { initScript } from "./agentDeliveryRoutes.js";

describe("initScript", () => {
  it("is valid POSIX sh and quotes the access URL", () => {
    const script = initScript("http://example.com/den's/", "x64", "a".repeat(64), undefined);
    expect(spawnSync("sh", ["-n", "-c", script]).status).toBe(0);
    expect(script).toContain(`DEN_AGENT_URL=\${DEN_AGENT_URL:-'http://example.com/den'\\''s'}`);
    expect(script).toContain("key=aaaaaaaaaaaaaaaa");
  });

  it("fails with the server's reason when the agent was not built", () => {
    const script = initScript("http://127.0.0.1:1", "arm64", undefined, "den-agent-linux-arm64.tar.gz is missing on the server");
    const run = spawnSync("sh", ["-c", script], { env: { PATH: process.env.PATH, DEN_AGENT_TOKEN: "t" }, encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("the server has no agent for this machine: den-agent-linux-arm64.tar.gz is missing");
  });
});
