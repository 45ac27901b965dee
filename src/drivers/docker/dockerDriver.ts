import type { BuildContext, Driver, ResourceRequest, ResourceState } from "../driver.js";
import { containerExists, createContainer, destroyContainer } from "./containerKind.js";
import { DockerEngine } from "./DockerEngine.js";
import { checkContainerSettings, checkImageSettings, checkNetworkSettings, checkVolumeSettings } from "./dockerSettings.js";
import { createImage, destroyImage, imageExists } from "./imageKind.js";
import { createNetwork, destroyNetwork, networkExists } from "./networkKind.js";
import { createVolume, destroyVolume, volumeExists } from "./volumeKind.js";

export type DockerDriverOptions = {
  /** unix:///var/run/docker.sock (the default), tcp://host:port or ssh://[user@]host[:port]; a function so that a test can point it elsewhere. */
  host?: string | (() => string);
  /** Folder with ca.pem, cert.pem and key.pem: tcp:// hosts are then reached over mutual TLS. */
  certPath?: string;
  /** An ssh_config file for ssh:// hosts (ssh -F): identity, known hosts, proxy. */
  sshConfig?: string;
  /** The server's access URL, which agents in containers download from and dial. */
  agentUrl?: () => string;
  /** Host folders that templates may bind-mount. Default: none. */
  allowedHostPaths?: readonly string[];
  /** How long after its start a container's exit fails the create. Default 500 ms. */
  startWindowMs?: number;
};

/**
 * The `docker` driver: volumes (persistent), containers (ephemeral), images
 * (named or built from the template) and networks (ephemeral) on a Docker
 * engine, every object labelled with its workspace (see dockerLabels.ts).
 * The engine is asked again at each call, so a server started before
 * dockerd works once it is up.
 */
export function createDockerDriver(opts: DockerDriverOptions = {}): Driver {
  let cached: DockerEngine | undefined;
  const engine = () => {
    const host = (typeof opts.host === "function" ? opts.host() : opts.host) || "unix:///var/run/docker.sock";
    if (cached?.host !== host) {
      cached?.close();
      cached = new DockerEngine(host, { certPath: opts.certPath, sshConfig: opts.sshConfig });
    }
    return cached;
  };
  const containerOptions = { agentUrl: opts.agentUrl, allowedHostPaths: opts.allowedHostPaths ?? [], startWindowMs: opts.startWindowMs ?? 500 };
  return {
    name: "docker",
    kinds: {
      volume: { defaultLifetime: "persistent", validate: (s) => checkVolumeSettings(s, "template").issues },
      container: { defaultLifetime: "ephemeral", validate: (s) => checkContainerSettings(s, "template").issues },
      image: { defaultLifetime: "persistent", validate: (s, files) => checkImageSettings(s, "template", files).issues },
      // A network holds no data: made at start, removed at stop, like the containers on it.
      network: { defaultLifetime: "ephemeral", validate: (s) => checkNetworkSettings(s, "template").issues },
    },
    async create(ctx: BuildContext, req: ResourceRequest): Promise<ResourceState> {
      if (req.kind === "volume") return createVolume(engine(), ctx, req);
      if (req.kind === "container") return createContainer(engine(), ctx, req, containerOptions);
      if (req.kind === "image") return createImage(engine(), ctx, req);
      if (req.kind === "network") return createNetwork(engine(), ctx, req);
      throw unknownKind(req.name, req.kind);
    },
    async exists(state: ResourceState): Promise<boolean> {
      if (state.kind === "volume") return volumeExists(engine(), state);
      if (state.kind === "container") return containerExists(engine(), state);
      if (state.kind === "image") return imageExists(engine(), state);
      if (state.kind === "network") return networkExists(engine(), state);
      throw unknownKind(state.name, state.kind);
    },
    async destroy(ctx: BuildContext, state: ResourceState): Promise<void> {
      if (state.kind === "volume") return destroyVolume(engine(), ctx, state);
      if (state.kind === "container") return destroyContainer(engine(), ctx, state);
      if (state.kind === "image") return destroyImage(ctx, state);
      if (state.kind === "network") return destroyNetwork(engine(), ctx, state);
      throw unknownKind(state.name, state.kind);
    },
    close() {
      cached?.close();
      cached = undefined;
    },
  };
}

function unknownKind(resource: string, kind: string): Error {
  return new Error(`resource ${resource}: the docker driver has no kind "${kind}"; its kinds: volume, container, image, network`);
}
