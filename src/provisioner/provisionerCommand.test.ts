import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { dockerOptions, loadDockerSettings } from "../drivers/docker/dockerOptions.js";
import { provisionerCommand, provisionerRegistryOptions } from "./provisionerCommand.js";

/** `den` as src/den.ts builds it for this role: the global --url, then the provisioner command. */
function den(): Command {
  return new Command("den").option("--url <url>").exitOverride().addCommand(provisionerCommand());
}

describe("den provisioner start", () => {
  it("lists the Docker options and their environment variables in --help", () => {
    const start = provisionerCommand().commands.find((c) => c.name() === "start")!;
    const help = start.helpInformation();
    for (const o of dockerOptions) {
      expect(help).toContain(o.flag);
      expect(help).toContain(o.env);
    }
  });

  it("refuses a Docker host it cannot use with one line naming the option, before taking any job", async () => {
    const started = den().parseAsync(["provisioner", "start", "--url", "http://127.0.0.1:9", "--psk", "key", "--docker-host", "bogus://x"], { from: "user" });
    const err = (await started.then(
      () => new Error("the command started"),
      (e: unknown) => e,
    )) as Error;
    expect(err.message).toMatch(/^--docker-host \(DEN_DOCKER_HOST\): .*"bogus:\/\/x".*unix:\/\/\/path\/to\/docker\.sock, tcp:\/\/host:port or ssh:\/\/\[user@\]host\[:port\]$/);
    expect(err.message).not.toContain("\n");
  });
});

describe("provisionerRegistryOptions", () => {
  const base = { url: "https://den.example.com", dataDir: "/var/lib/den", agentCommand: ["/usr/bin/node", "/opt/den/bin/den", "agent"] };

  it("hands the Docker options to the docker driver, with the server's URL for its agents", () => {
    const docker = loadDockerSettings({ dockerHost: "tcp://docker.internal:2376", dockerCertPath: "/etc/den/docker-tls", dockerSshConfig: "/etc/den/ssh_config", dockerAllowedHostPaths: " /srv/shared, /data ," }, {});
    const options = provisionerRegistryOptions({ ...base, docker });
    expect(options.docker).toMatchObject({ host: "tcp://docker.internal:2376", certPath: "/etc/den/docker-tls", sshConfig: "/etc/den/ssh_config", allowedHostPaths: ["/srv/shared", "/data"] });
    expect(options.docker?.agentUrl?.()).toBe("https://den.example.com");
    expect(options.dataDir).toBe("/var/lib/den");
    expect(options.process?.agent?.command).toEqual(base.agentCommand);
    expect(options.process?.agent?.url()).toBe("https://den.example.com");
  });

  it("takes Den's variables, then Docker's own, when no flag is given", () => {
    const fromDocker = loadDockerSettings({}, { DOCKER_HOST: "ssh://builder@docker-box", DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: "/certs" });
    expect(provisionerRegistryOptions({ ...base, docker: fromDocker }).docker).toMatchObject({ host: "ssh://builder@docker-box", certPath: "/certs", allowedHostPaths: [] });
    const fromDen = loadDockerSettings({}, { DOCKER_HOST: "tcp://other:2375", DEN_DOCKER_HOST: "unix:///run/den-docker.sock", DEN_DOCKER_ALLOWED_HOST_PATHS: "/srv" });
    expect(provisionerRegistryOptions({ ...base, docker: fromDen }).docker).toMatchObject({ host: "unix:///run/den-docker.sock", allowedHostPaths: ["/srv"] });
    expect(loadDockerSettings({ dockerHost: "tcp://flag:2375" }, { DEN_DOCKER_HOST: "unix:///run/env.sock" }).dockerHost).toBe("tcp://flag:2375");
  });
});
