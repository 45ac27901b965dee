import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { JobWatcher } from "../../../test/support/jobWatcher.js";
import { createTestTemplate, promoteNewVersion } from "../../../test/support/templates.js";
import { createTestServer, type TestServer } from "../../../test/support/testServer.js";
import { killRecordedProcesses, WorkspaceTestApi } from "../../../test/support/workspaces.js";
import type { ProvisionerJobLog } from "../../sdk/schemas/provisionerJobs.js";
import type { Template } from "../../sdk/schemas/templateApi.js";
import type { Workspace, WorkspaceBuild } from "../../sdk/schemas/workspaces.js";
import { createFirstOwner, createTestUser, type TestUser } from "../users/testUsers.js";

const TEMPLATE = `
name: params
parameters:
  - {name: greeting, type: string, default: hello, mutable: true, validation: {regex: "^[a-z]+$", error: "lower-case letters only"}}
  - {name: region, type: string, options: [{name: Europe, value: eu}, {name: America, value: us}]}
  - {name: cpus, type: number, default: 2, mutable: true, validation: {min: 1, max: 8}}
resources:
  box: {driver: process, kind: process, lifetime: ephemeral, command: ["sleep", "infinity"]}
`;

let server: TestServer;
let jobs: JobWatcher;
let api: WorkspaceTestApi;
let owner: TestUser;
let alice: TestUser;
let bob: TestUser;
let template: Template;
let url: string;

beforeAll(async () => {
  server = await createTestServer();
  await server.app.listen({ host: "127.0.0.1", port: 0 });
  const address = server.app.server.address();
  if (!address || typeof address === "string") throw new Error("no TCP address");
  url = `http://127.0.0.1:${address.port}`;
  jobs = await JobWatcher.start(server);
  api = new WorkspaceTestApi(server, jobs);
  owner = await createFirstOwner(server.app);
  alice = await createTestUser(server.app, owner, "alice");
  bob = await createTestUser(server.app, owner, "bob");
  template = await createTestTemplate(server, jobs, owner.token, "params", { "den.yaml": TEMPLATE });
});

afterAll(async () => {
  if (server) await killRecordedProcesses(server);
  await jobs?.close();
  await server?.stop();
});

type ErrorBody = { message: string; validations?: Array<{ field: string; detail: string }> };

describe("creating a workspace", () => {
  it("checks the name, the template and every parameter, naming the field, and stores nothing", async () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ name: "Not A Label", template_id: template.id, rich_parameter_values: [{ name: "region", value: "eu" }] }, "name", /DNS label/],
      [{ name: "x" }, "template_id", /exactly one/],
      [{ name: "x", template_id: template.id, template_version_id: template.active_version_id }, "template_id", /exactly one/],
      [{ name: "x", template_id: "00000000-0000-4000-8000-000000000000" }, "template_id", /no such template/],
      [{ name: "x", template_id: template.id }, "rich_parameter_values.region", /required/],
      [{ name: "x", template_id: template.id, rich_parameter_values: [{ name: "region", value: "mars" }] }, "rich_parameter_values.region", /not one of the options/],
      [{ name: "x", template_id: template.id, rich_parameter_values: [{ name: "region", value: "eu" }, { name: "cpus", value: "99" }] }, "rich_parameter_values.cpus", /between 1 and 8/],
      [{ name: "x", template_id: template.id, rich_parameter_values: [{ name: "region", value: "eu" }, { name: "colour", value: "red" }] }, "rich_parameter_values.colour", /unknown parameter/],
      [{ name: "x", template_id: template.id, rich_parameter_values: [{ name: "region", value: "eu" }, { name: "region", value: "us" }] }, "rich_parameter_values.region", /twice/],
      [{ name: "x", template_id: template.id, extra: 1 }, "extra", /unknown field/],
    ];
    for (const [body, field, detail] of cases) {
      const res = await api.call(alice.token, "POST", "/users/me/workspaces", body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      const v = (res.json() as ErrorBody).validations?.find((x) => x.field === field);
      expect(v?.detail, `${JSON.stringify(body)} → ${res.body}`).toMatch(detail);
    }
    const count = await server.database.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM workspaces");
    expect(count.rows[0]!.n).toBe(0);
  });

  it("refuses a second workspace of the same name (409) and lets members create only their own", async () => {
    const body = { name: "dup", template_id: template.id, rich_parameter_values: [{ name: "region", value: "eu" }] };
    const ws = await api.createAndSettle(alice.token, body);
    const dup = await api.call(alice.token, "POST", "/users/alice/workspaces", body);
    expect(dup.statusCode).toBe(409);
    expect((dup.json() as ErrorBody).message).toMatch(/already have a workspace named "dup"/);
    expect((await api.call(bob.token, "POST", "/users/alice/workspaces", { ...body, name: "sneaky" })).statusCode).toBe(403);
    // Someone else may use the name.
    const bobs = await api.createAndSettle(bob.token, body);
    expect(bobs.owner_name).toBe("bob");
    // An owner creates for others.
    const forAlice = await api.createAndSettle(owner.token, { ...body, name: "gift" }, "alice");
    expect(forAlice).toMatchObject({ owner_name: "alice", status: "running", latest_build: { initiator_name: "admin" } });
    for (const w of [ws, bobs, forAlice]) await api.settle(owner.token, await api.build(owner.token, w.id, { transition: "delete" }));
  });
});

describe("access", () => {
  it("hides a member's workspace from other members exactly like a missing one, and shows it to owners", async () => {
    const ws = await api.createAndSettle(alice.token, { name: "private", template_id: template.id, rich_parameter_values: [{ name: "region", value: "us" }] });
    const missing = await api.call(bob.token, "GET", "/workspaces/00000000-0000-4000-8000-000000000000");
    for (const [method, path, payload] of [
      ["GET", `/workspaces/${ws.id}`],
      ["GET", "/users/alice/workspace/private"],
      ["PATCH", `/workspaces/${ws.id}`, { name: "mine" }],
      ["POST", `/workspaces/${ws.id}/builds`, { transition: "stop" }],
      ["GET", `/workspaces/${ws.id}/builds`],
      ["GET", `/workspaces/${ws.id}/watch`],
      ["GET", `/workspacebuilds/${ws.latest_build.id}`],
      ["GET", `/workspacebuilds/${ws.latest_build.id}/logs`],
      ["PATCH", `/workspacebuilds/${ws.latest_build.id}/cancel`],
    ] as const) {
      const res = await api.call(bob.token, method, path, payload);
      expect(res.statusCode, `${method} ${path}`).toBe(404);
      if (path.startsWith("/workspaces/")) expect(res.json()).toEqual(missing.json());
    }
    const bobsList = await api.ok<{ workspaces: Workspace[] }>(bob.token, "GET", "/workspaces?q=owner:alice");
    expect(bobsList.workspaces).toEqual([]);

    expect((await api.ok<Workspace>(owner.token, "GET", "/users/alice/workspace/private")).id).toBe(ws.id);
    const all = await api.ok<{ workspaces: Workspace[] }>(owner.token, "GET", "/workspaces?q=owner:alice");
    expect(all.workspaces.map((w) => w.name)).toContain("private");
    const stopped = await api.settle(owner.token, await api.build(owner.token, ws.id, { transition: "stop" }));
    expect(stopped).toMatchObject({ status: "stopped", latest_build: { initiator_name: "admin" } });
    await api.settle(alice.token, await api.build(alice.token, ws.id, { transition: "delete" }));
  });
});

describe("builds", () => {
  it("keeps immutable parameters, changes mutable ones, carries the rest over, and updates to the active version", async () => {
    const ws = await api.createAndSettle(alice.token, {
      name: "params",
      template_id: template.id,
      rich_parameter_values: [{ name: "region", value: "eu" }, { name: "cpus", value: "4" }],
    });
    const immutable = await api.call(alice.token, "POST", `/workspaces/${ws.id}/builds`, { transition: "start", rich_parameter_values: [{ name: "region", value: "us" }] });
    expect(immutable.statusCode).toBe(400);
    expect((immutable.json() as ErrorBody).validations).toEqual([{ field: "rich_parameter_values.region", detail: expect.stringMatching(/immutable/) }]);
    const onStop = await api.call(alice.token, "POST", `/workspaces/${ws.id}/builds`, { transition: "stop", rich_parameter_values: [{ name: "cpus", value: "3" }] });
    expect(onStop.statusCode).toBe(400);
    expect((await api.call(alice.token, "POST", `/workspaces/${ws.id}/builds`, { transition: "reboot" })).statusCode).toBe(400);

    const changed = await api.settle(alice.token, await api.build(alice.token, ws.id, { transition: "start", rich_parameter_values: [{ name: "greeting", value: "hi" }] }));
    expect(changed.status).toBe("running");
    expect(Object.fromEntries(changed.latest_build.parameters.map((p) => [p.name, p.value]))).toEqual({ greeting: "hi", region: "eu", cpus: "4" });

    const v2 = await promoteNewVersion(server, jobs, owner.token, template.id, { "den.yaml": TEMPLATE.replace("default: hello", "default: howdy") });
    const outdated = await api.get(alice.token, ws.id);
    expect(outdated.outdated).toBe(true);
    const updated = await api.settle(alice.token, await api.build(alice.token, ws.id, { transition: "start", template_version_id: v2.id }));
    expect(updated).toMatchObject({ status: "running", outdated: false, latest_build: { template_version_id: v2.id } });
    expect(updated.latest_build.parameters).toContainEqual({ name: "greeting", value: "hi" });
    await api.settle(alice.token, await api.build(alice.token, ws.id, { transition: "delete" }));
  });

  it("serves build logs as JSON and, when following, over a WebSocket that closes when the build ends", async () => {
    const ws = await api.create(alice.token, { name: "logs", template_id: template.id, rich_parameter_values: [{ name: "region", value: "eu" }] });
    const socket = new WebSocket(`${url.replace("http", "ws")}/api/v2/workspacebuilds/${ws.latest_build.id}/logs?follow=true`, { headers: { "Den-Session-Token": alice.token } });
    const followed: ProvisionerJobLog[] = [];
    socket.on("message", (data: WebSocket.RawData) => followed.push(JSON.parse(data.toString()) as ProvisionerJobLog));
    const [code, reason] = await new Promise<[number, string]>((resolve, reject) => {
      socket.on("close", (c, r) => resolve([c, r.toString()]));
      socket.on("error", reject);
    });
    expect([code, reason]).toEqual([1000, "succeeded"]);
    const logs = await api.ok<ProvisionerJobLog[]>(alice.token, "GET", `/workspacebuilds/${ws.latest_build.id}/logs`);
    expect(followed).toEqual(logs);
    expect(logs.map((l) => l.stage)).toContain("Creating box (process.process)");
    const after = await api.ok<ProvisionerJobLog[]>(alice.token, "GET", `/workspacebuilds/${ws.latest_build.id}/logs?after=${logs[1]!.id}`);
    expect(after).toEqual(logs.slice(2));
    const notUpgraded = await api.call(alice.token, "GET", `/workspacebuilds/${ws.latest_build.id}/logs?follow=true`);
    expect(notUpgraded.statusCode).toBe(400);
    await api.settle(alice.token, await api.build(alice.token, ws.id, { transition: "delete" }));
  });

  it("renames a workspace, refusing a name in use", async () => {
    const body = { template_id: template.id, rich_parameter_values: [{ name: "region", value: "eu" }] };
    const a = await api.createAndSettle(alice.token, { ...body, name: "first" });
    const b = await api.createAndSettle(alice.token, { ...body, name: "second" });
    expect((await api.call(alice.token, "PATCH", `/workspaces/${a.id}`, { name: "second" })).statusCode).toBe(409);
    expect((await api.call(alice.token, "PATCH", `/workspaces/${a.id}`, { name: "Bad Name" })).statusCode).toBe(400);
    expect((await api.ok<Workspace>(alice.token, "PATCH", `/workspaces/${a.id}`, { name: "renamed" })).name).toBe("renamed");
    expect((await api.ok<Workspace>(alice.token, "GET", "/users/me/workspace/renamed")).id).toBe(a.id);
    for (const w of [a, b]) await api.settle(alice.token, await api.build(alice.token, w.id, { transition: "delete" }));
  });
});

describe("GET /workspaces/{id}/watch", () => {
  it("sends the workspace on connect and again when its status changes", async () => {
    const ws = await api.createAndSettle(alice.token, { name: "watched", template_id: template.id, rich_parameter_values: [{ name: "region", value: "eu" }] });
    const abort = new AbortController();
    const res = await fetch(`${url}/api/v2/workspaces/${ws.id}/watch`, { headers: { "Den-Session-Token": alice.token }, signal: abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = readEvents(res.body!);
    try {
      const first = await events.next();
      expect(first.value).toMatchObject({ id: ws.id, status: "running" });
      let build: WorkspaceBuild | undefined;
      const seen: string[] = [];
      for (;;) {
        // Ask for the stop only once the first event is in, so that the change is what the stream reports.
        build ??= await api.build(alice.token, ws.id, { transition: "stop" });
        const next = await events.next();
        if (next.done) throw new Error(`stream ended after ${seen.join(", ")}`);
        seen.push(next.value.status);
        if (next.value.status === "stopped") break;
      }
      expect(seen.at(-1)).toBe("stopped");
      expect(seen.every((s) => ["pending", "stopping", "stopped"].includes(s))).toBe(true);
    } finally {
      abort.abort();
    }
    await api.settle(alice.token, await api.build(alice.token, ws.id, { transition: "delete" }));
  });
});

describe("closing the server", () => {
  // Last in this file: it closes the app that the other tests use.
  it("ends open watch streams so that closing does not wait for them", async () => {
    const ws = await api.createAndSettle(alice.token, { name: "closing", template_id: template.id, rich_parameter_values: [{ name: "region", value: "eu" }] });
    const res = await fetch(`${url}/api/v2/workspaces/${ws.id}/watch`, { headers: { "Den-Session-Token": alice.token } });
    const events = readEvents(res.body!);
    expect((await events.next()).value).toMatchObject({ id: ws.id });
    const closing = server.app.close().then(() => "closed");
    // Far above what a close takes; without the preClose hook the watch holds the close until the client goes.
    const deadline = new Promise((resolve) => setTimeout(resolve, 20_000, "still open after 20 s").unref());
    expect(await Promise.race([closing, deadline])).toBe("closed");
    expect((await events.next()).done).toBe(true);
  });
});

/** Parses `event: data` frames of a server-sent event stream into workspaces. */
async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<Workspace> {
  const decoder = new TextDecoder();
  let buffer = "";
  const reader = body.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame.split("\n").find((l) => l.startsWith("data: "));
      if (frame.includes("event: data") && data) yield JSON.parse(data.slice(6)) as Workspace;
    }
  }
}
