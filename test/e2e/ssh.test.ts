import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentWorkspaceEnv } from "../support/agentWorkspace.js";

let t: AgentWorkspaceEnv;
beforeAll(async () => {
  t = await AgentWorkspaceEnv.start();
});
afterAll(async () => {
  await t?.stop();
});

describe("den ssh", () => {
  it("runs a command", async () => {
    await t.createReady("dev");
    const run = await t.den(["ssh", "dev", "--", "echo", "ok"]);
    expect(run).toMatchObject({ code: 0, stdout: "ok\n" });
  });
});
