import { describe, expect, it } from "vitest";
import { AgentConfigError, loadAgentConfig } from "./agentConfig.js";

describe("loadAgentConfig", () => {
  const env = { DEN_AGENT_URL: "https://den.example.com", DEN_AGENT_TOKEN: "tok" };

  it("reads the URL and token from the environment, with info logs by default", () => {
    expect(loadAgentConfig({}, env)).toEqual({ url: "https://den.example.com", token: "tok", logLevel: "info" });
    expect(loadAgentConfig({}, { ...env, DEN_AGENT_LOG_LEVEL: "debug" }).logLevel).toBe("debug");
    expect(loadAgentConfig({ logLevel: "warn" }, { ...env, DEN_AGENT_LOG_LEVEL: "debug" }).logLevel).toBe("warn");
  });

  it.each([
    [{}, { DEN_AGENT_TOKEN: "tok" }, /^DEN_AGENT_URL: must be the server's http/],
    [{}, { ...env, DEN_AGENT_URL: "ftp://x" }, /^DEN_AGENT_URL: .*got "ftp:\/\/x"/],
    [{}, { DEN_AGENT_URL: env.DEN_AGENT_URL, DEN_AGENT_TOKEN: " " }, /^DEN_AGENT_TOKEN: must be set/],
    [{ logLevel: "loud" }, env, /^--log-level: must be one of .*got "loud"/],
    [{}, { ...env, DEN_AGENT_LOG_LEVEL: "loud" }, /^DEN_AGENT_LOG_LEVEL: /],
  ])("rejects %j %j naming the setting", (flags, environment, message) => {
    expect(() => loadAgentConfig(flags, environment)).toThrow(AgentConfigError);
    expect(() => loadAgentConfig(flags, environment)).toThrow(message);
  });
});
