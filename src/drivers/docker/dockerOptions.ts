import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { parseDockerHost } from "./DockerEngine.js";
import type { DockerDriverOptions } from "./dockerDriver.js";

/**
 * The options that say which Docker engine the docker driver uses and what it
 * may mount, declared once for every role that runs the driver: `den server`
 * (whose serverOptions include them) and `den provisioner start`.
 */
export type DockerOption = {
  /** Key in DockerSettings, in ServerConfig and in the server's YAML file. */
  key: keyof DockerSettings;
  flag: string;
  env: string;
  kind: "string";
  default: string;
  defaultNote?: string;
  description: string;
};

export const dockerOptions: DockerOption[] = [
  { key: "dockerHost", flag: "--docker-host", env: "DEN_DOCKER_HOST", kind: "string", default: "", defaultNote: "$DOCKER_HOST, else unix:///var/run/docker.sock", description: "Docker Engine the docker driver uses: unix:///path/to/docker.sock, tcp://host:port or ssh://[user@]host[:port] (runs `docker system dial-stdio` on that host over ssh, as the docker CLI does)." },
  { key: "dockerCertPath", flag: "--docker-cert-path", env: "DEN_DOCKER_CERT_PATH", kind: "string", default: "", defaultNote: "$DOCKER_CERT_PATH when DOCKER_TLS_VERIFY is set", description: "Folder with ca.pem, cert.pem and key.pem: a tcp:// Docker host is then reached over mutual TLS (as docker --tlsverify). Empty: plain TCP." },
  { key: "dockerSshConfig", flag: "--docker-ssh-config", env: "DEN_DOCKER_SSH_CONFIG", kind: "string", default: "", description: "An ssh_config file that ssh uses (ssh -F) to reach an ssh:// Docker host: IdentityFile, UserKnownHostsFile, ProxyJump. Empty: the ~/.ssh/config and keys of the user Den runs as." },
  { key: "dockerAllowedHostPaths", flag: "--docker-allowed-host-paths", env: "DEN_DOCKER_ALLOWED_HOST_PATHS", kind: "string", default: "", description: "Comma-separated host folders that docker templates may bind-mount (a mount source must be one of them or below one). Empty allows no host path." },
];

/** The checks of the Docker options; the server's config schema takes them in as they are. */
export const DockerSettings = z.object({
  dockerHost: z.string().superRefine((v, ctx) => {
    if (v === "") return;
    try {
      parseDockerHost(v);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
    }
  }),
  dockerCertPath: z.string(),
  dockerSshConfig: z.string(),
  dockerAllowedHostPaths: z.string(),
});
export type DockerSettings = z.infer<typeof DockerSettings>;

/**
 * Fills an empty host and certificate folder from Docker's own variables, as
 * every Docker client honours them: DOCKER_HOST, and DOCKER_CERT_PATH (or
 * ~/.docker) when DOCKER_TLS_VERIFY is set.
 */
export function fillFromDockerEnvironment(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  if (raw.dockerHost === "" && env.DOCKER_HOST) raw.dockerHost = env.DOCKER_HOST;
  if (raw.dockerCertPath === "" && env.DOCKER_TLS_VERIFY && env.DOCKER_TLS_VERIFY !== "0") raw.dockerCertPath = env.DOCKER_CERT_PATH || join(env.HOME || homedir(), ".docker");
}

/** A Docker option whose value does not parse; the message names its flag and environment variable. */
export class DockerOptionError extends Error {
  override name = "DockerOptionError";
}

/**
 * Resolves the Docker options of a role without a config file: the given
 * value (a flag), then Den's environment variable, then Docker's own
 * variables, then the default.
 */
export function loadDockerSettings(given: Partial<Record<keyof DockerSettings, string>>, env: NodeJS.ProcessEnv): DockerSettings {
  const raw: Record<string, unknown> = {};
  for (const opt of dockerOptions) raw[opt.key] = given[opt.key] ?? env[opt.env] ?? opt.default;
  fillFromDockerEnvironment(raw, env);
  const parsed = DockerSettings.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const opt = dockerOptions.find((o) => o.key === issue.path[0])!;
    throw new DockerOptionError(`${opt.flag} (${opt.env}): ${issue.message}`);
  }
  return parsed.data;
}

/** What the docker driver takes from the settings; the caller adds the agents' URL. */
export function dockerDriverOptions(settings: DockerSettings): Pick<DockerDriverOptions, "host" | "certPath" | "sshConfig" | "allowedHostPaths"> {
  return {
    host: settings.dockerHost,
    certPath: settings.dockerCertPath,
    sshConfig: settings.dockerSshConfig,
    allowedHostPaths: settings.dockerAllowedHostPaths
      .split(",")
      .map((p) => p.trim())
      .filter((p) => p !== ""),
  };
}
