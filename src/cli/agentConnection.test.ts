import { describe, expect, it } from "vitest";
import { joinCommand } from "./commands/ssh.js";
import { closeError, parseAgentTarget } from "./agentConnection.js";

describe("parseAgentTarget", () => {
  it("splits [owner/]workspace[.agent]", () => {
    expect(parseAgentTarget("dev")).toEqual({ workspace: "dev" });
    expect(parseAgentTarget("dev.main")).toEqual({ workspace: "dev", agent: "main" });
    expect(parseAgentTarget("alice/dev.main")).toEqual({ workspace: "alice/dev", agent: "main" });
    expect(() => parseAgentTarget("dev.")).toThrow(/names no agent after the dot/);
  });
});

describe("closeError", () => {
  it("reads 4000 + status as the server's refusal, and a normal close as no error", () => {
    expect(closeError(4409, "The agent is not connected")).toMatchObject({ message: "The agent is not connected", status: 409 });
    expect(closeError(4404, "")).toMatchObject({ status: 404, message: "the server ended the relay (status 404)" });
    expect(closeError(1000, "")).toBeUndefined();
    expect(closeError(1006, "")?.message).toBe("the connection to the server was lost");
  });
});

describe("joinCommand", () => {
  it("passes one argument as a command line and quotes several one by one", () => {
    expect(joinCommand(["make && ls"])).toBe("make && ls");
    expect(joinCommand(["sh", "-c", "exit 3"])).toBe("sh -c 'exit 3'");
    expect(joinCommand(["echo", "it's"])).toBe(`echo 'it'\\''s'`);
  });
});
