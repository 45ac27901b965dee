import { describe, expect, it } from "vitest";
import { AgentManifest } from "../sdk/schemas/agentProtocol.js";
import { testManifest } from "./AgentTestServer.js";
import { ManifestError, parseManifest } from "./parseManifest.js";

const valid = testManifest("/home/alice", {
  env: { A: "1" },
  scripts: [
    { name: "s", run_on: "start", script: "true", blocks_login: true, timeout: 10 },
    { name: "c", run_on: "cron", cron: "* * * * *", script: "true", blocks_login: false, timeout: 0 },
  ],
  metadata: [{ key: "k", display_name: "K", script: "echo", interval: 5, timeout: 2 }],
  apps: [
    { slug: "web", display_name: "Web", icon: "/icon/web.svg", url: "http://127.0.0.1:8080/", subdomain: true, share: "public", healthcheck: { url: "http://127.0.0.1:8080/healthz", interval: 5, threshold: 3 }, hidden: false, order: -1 },
    { slug: "shell", command: "bash", subdomain: false, share: "owner", hidden: true },
  ],
});

/** Manifests as a server of another version might send them, each with one thing wrong. */
const invalid: Array<[string, unknown, RegExp]> = [
  ["not an object", "manifest", /^manifest: must be an object/],
  ["no agent_id", { ...valid, agent_id: undefined }, /^agent_id: must be a string/],
  ["env with a number", { ...valid, env: { A: 1 } }, /^env\.A: must be a string/],
  ["scripts not an array", { ...valid, scripts: {} }, /^scripts: must be an array/],
  ["unknown run_on", { ...valid, scripts: [{ name: "x", run_on: "later", script: "" }] }, /^scripts\[0\]\.run_on: must be start, stop or cron/],
  ["negative timeout", { ...valid, scripts: [{ name: "x", run_on: "start", script: "", timeout: -1 }] }, /^scripts\[0\]\.timeout: /],
  ["blocks_login a string", { ...valid, scripts: [{ name: "x", run_on: "start", script: "", blocks_login: "yes" }] }, /blocks_login: must be true or false/],
  ["interval 0", { ...valid, metadata: [{ key: "k", display_name: "K", script: "", interval: 0 }] }, /^metadata\[0\]\.interval: /],
  ["an app without slug", { ...valid, apps: [{ url: "http://localhost/" }] }, /^apps\[0\]\.slug: must be a string/],
  ["an unknown share level", { ...valid, apps: [{ slug: "a", share: "everyone" }] }, /^apps\[0\]\.share: must be owner, authenticated or public/],
  ["a health check interval of 0", { ...valid, apps: [{ slug: "a", healthcheck: { url: "http://localhost/", interval: 0, threshold: 1 } }] }, /^apps\[0\]\.healthcheck\.interval: /],
  ["a health check without url", { ...valid, apps: [{ slug: "a", healthcheck: { interval: 1, threshold: 1 } }] }, /^apps\[0\]\.healthcheck\.url: must be a string/],
  ["a fractional order", { ...valid, apps: [{ slug: "a", order: 0.5 }] }, /^apps\[0\]\.order: must be a whole number$/],
  ["fractional idle timeout", { ...valid, pty_idle_timeout: 1.5 }, /^pty_idle_timeout: /],
];

describe("parseManifest", () => {
  it("accepts what the protocol's schema accepts, with the same defaults", () => {
    expect(parseManifest(valid)).toEqual(AgentManifest.parse(valid));
    const sparse = { ...valid, scripts: [{ name: "x", run_on: "stop", script: "true" }], metadata: [{ key: "k", display_name: "K", script: "", interval: 1 }], apps: [{ slug: "a", url: "http://localhost/" }] };
    expect(parseManifest(sparse)).toEqual(AgentManifest.parse(sparse));
  });

  it.each(invalid)("rejects a manifest with %s, as the schema does, naming the field", (_what, manifest, message) => {
    expect(AgentManifest.safeParse(manifest).success).toBe(false);
    expect(() => parseManifest(manifest)).toThrow(ManifestError);
    expect(() => parseManifest(manifest)).toThrow(message);
  });
});
