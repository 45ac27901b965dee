import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasCommand, requirePrerequisite } from "../../../test/support/prerequisites.js";
import { eventually, startTestSshHost, TEST_HOST, waitForOutput, type TestSshHost } from "./startTestSshHost.js";

const hasTools = requirePrerequisite(
  "ssh, ssh-agent, ssh-add, ssh-keygen (openssh-client)",
  ["ssh", "ssh-agent", "ssh-add", "ssh-keygen"].every(hasCommand),
  "apt-get install openssh-client",
);

describe.runIf(hasTools)("agent forwarding with OpenSSH (ssh -A)", () => {
  let host: TestSshHost;
  let agentSocket: string;
  beforeAll(async () => {
    host = await startTestSshHost();
    agentSocket = join(host.local, "agent.sock");
    // -D keeps the developer's ssh-agent in the foreground, so close() can end it.
    const agent = host.spawn("ssh-agent", ["-D", "-a", agentSocket]);
    await waitForOutput(agent, "stdout", /SSH_AUTH_SOCK=/);
    const keygen = await host.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "den-forwarded-key", "-f", join(host.local, "id_test")]);
    expect(keygen.code).toBe(0);
    const add = await host.run("ssh-add", [join(host.local, "id_test")], { env: { SSH_AUTH_SOCK: agentSocket } });
    expect(add.code).toBe(0);
  });
  afterAll(() => host.close());

  it("lets ssh-add in the session list the developer's key, and removes the socket after", async () => {
    const run = await host.ssh(["-A", TEST_HOST, 'ssh-add -l; echo "sock=$SSH_AUTH_SOCK"'], { env: { SSH_AUTH_SOCK: agentSocket } });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^256 SHA256:\S+ den-forwarded-key \(ED25519\)$/m);
    const sock = run.stdout.match(/^sock=(\/.+)$/m)?.[1];
    expect(sock).toMatch(/\/den-ssh-agent-[^/]+\/agent\.sock$/);
    await eventually(() => !existsSync(dirname(sock as string)), "the agent socket's directory is removed");
  });

  it("offers no agent to sessions that did not ask for one", async () => {
    const run = await host.ssh([TEST_HOST, 'echo "[${SSH_AUTH_SOCK-}]"'], { env: { SSH_AUTH_SOCK: agentSocket } });
    expect(run).toMatchObject({ code: 0, stdout: "[]\n" });
  });
});
