import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startListeningTestServer, type ListeningTestServer } from "../../test/support/cli.js";
import { DenClient } from "../sdk/client/DenClient.js";
import { versionLogsPath } from "../sdk/client/templates.js";
import type { ProvisionerJobLog } from "../sdk/schemas/provisionerJobs.js";
import { createVersion, tarOf, uploadArchive } from "../server/templates/testTemplates.js";
import { createFirstOwner } from "../server/users/testUsers.js";
import { followLogs, printJobLog } from "./followLogs.js";

const log = (id: number, stage: string, output: string, level: ProvisionerJobLog["level"] = "info"): ProvisionerJobLog => ({
  id,
  created_at: new Date(0).toISOString(),
  stage,
  level,
  output,
});

describe("printJobLog", () => {
  it("prints a header when the stage changes, without repeating the stage's opening line", () => {
    const out: string[] = [];
    const state = { stage: undefined as string | undefined };
    for (const l of [log(1, "Unpack", "Unpack"), log(2, "Unpack", "2 files"), log(3, "Check", "Check"), log(4, "Check", "odd", "warn"), log(5, "Check", "den.yaml:1:1: bad", "error")]) {
      printJobLog(l, state, (line) => out.push(line));
    }
    expect(out).toEqual(["==> Unpack", "2 files", "==> Check", "warning: odd", "den.yaml:1:1: bad"]);
  });
});

describe("followLogs against a server", () => {
  let env: ListeningTestServer;
  let client: DenClient;
  beforeAll(async () => {
    env = await startListeningTestServer();
    const owner = await createFirstOwner(env.server.app);
    client = new DenClient({ url: env.url, token: owner.token });
  });
  afterAll(async () => {
    await env?.stop();
  });

  async function startImport(denYaml: string): Promise<string> {
    const file = await uploadArchive(env.server.app, client.token!, await tarOf({ "den.yaml": denYaml }));
    return (await createVersion(env.server.app, client.token!, { file_id: file.id })).id;
  }

  it("prints the log of an import until it ends and answers its status and errors", async () => {
    const id = await startImport("cost: lots\n");
    const out: string[] = [];
    const result = await followLogs({ client, path: versionLogsPath(id), write: (line) => out.push(line) });
    expect(result.status).toBe("failed");
    expect(result.errors).toEqual([expect.stringMatching(/^den\.yaml:1:7: cost: must be a number/)]);
    expect(out).toContain("==> Checking den.yaml");
    expect(out).toContainEqual(expect.stringMatching(/^den\.yaml:1:7: /));
    const all = await client.templates.versionLogs(id);
    expect(result.lastLogId).toBe(all.at(-1)!.id);

    const rest: string[] = [];
    const again = await followLogs({ client, path: versionLogsPath(id), after: all.at(-2)!.id, write: (line) => rest.push(line) });
    expect(again.status).toBe("failed");
    const last = all.at(-1)!;
    expect(rest).toEqual([`==> ${last.stage}`, last.output]);
  });

  it("turns a refused request into one clear error", async () => {
    const id = await startImport("cost: 1\n");
    const anonymous = new DenClient({ url: env.url, token: "bad-token" });
    await expect(followLogs({ client: anonymous, path: versionLogsPath(id), write: () => undefined })).rejects.toThrow(/cannot follow the logs at .*logs: Your session token is invalid/);
  });
});
