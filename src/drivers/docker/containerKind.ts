import { isAbsolute, relative, resolve } from "node:path";
import { DriverAbortError, type AgentLaunch, type BuildContext, type ResourceRequest, type ResourceState } from "../driver.js";
import { EngineError, engineMessage, EngineTimeoutError, type DockerEngine } from "./DockerEngine.js";
import { denLabels, dockerName, ownerOf } from "./dockerLabels.js";
import { checkContainerSettings, describeIssues, joinsNetwork, type ContainerSettings } from "./dockerSettings.js";
import { ensureImage } from "./ensureImage.js";
import { agentEntrypoint } from "./agentEntrypoint.js";

export type ContainerKindOptions = {
  /** The server's access URL, which agents in containers dial; without it, agents are not launched. */
  agentUrl?: () => string;
  /** Host folders that bind mounts may use (a source must be one of them or below one). */
  allowedHostPaths: readonly string[];
  /** How long after its start an exit of the container fails the create (with its output). */
  startWindowMs: number;
};

type EngineInfo = { NCPU: number; MemTotal: number; Architecture: string };

/**
 * A container, started at once; output `id` and `name`. It runs with an init
 * (tini) as PID 1, so SIGTERM reaches the agent and stop is quick. When an
 * agent is declared in it, the agent is its main process (agentEntrypoint.ts).
 * A create that fails removes what it made, so nothing half-created stays.
 */
export async function createContainer(engine: DockerEngine, ctx: BuildContext, req: ResourceRequest, opts: ContainerKindOptions): Promise<ResourceState> {
  const checked = checkContainerSettings(req.settings, "evaluated");
  if (!checked.settings) throw new Error(describeIssues(req.name, checked.issues));
  const settings = checked.settings;
  const info = (await engine.call(`resource ${req.name}: ask the Docker engine about the host`, "GET", "/info")).body as EngineInfo;
  checkLimits(req.name, settings, info);
  await checkMounts(engine, req.name, settings, opts.allowedHostPaths);
  await checkNetworks(engine, req.name, settings);
  await ensureImage(engine, ctx, req.name, settings.image);
  if (ctx.signal.aborted) throw new DriverAbortError(`creating container ${req.name} was canceled`, { cause: ctx.signal.reason });
  const name = settings.name ?? dockerName("den", ctx.workspace.ownerName, ctx.workspace.name, req.name);
  await clearName(engine, ctx, req.name, name);

  const agents = req.agents ?? [];
  if (agents.length > 0 && !opts.agentUrl) throw new Error(`resource ${req.name}: agent ${agents[0]!.name} runs here, but this provisioner has no access URL for agents`);
  const launch = agents.length > 0 ? agentEntrypoint(settings, agents as AgentLaunch[], opts.agentUrl!(), info.Architecture) : undefined;
  if (launch) ctx.log("info", `The agent ${agents[0]!.name} is the main process of ${name}; it downloads itself from ${opts.agentUrl!()}`);
  const body = {
    Image: settings.image,
    ...(launch ? { Entrypoint: launch.entrypoint, Cmd: launch.cmd } : { ...(settings.entrypoint ? { Entrypoint: settings.entrypoint } : {}), ...(settings.command ? { Cmd: settings.command } : {}) }),
    Env: Object.entries({ ...settings.env, ...launch?.env }).map(([k, v]) => `${k}=${v}`),
    WorkingDir: settings.workingDir ?? "",
    User: settings.user ?? "",
    Labels: { ...settings.labels, ...denLabels(ctx, req.name) },
    Hostname: dockerName(ctx.workspace.name).slice(0, 63),
    StopTimeout: settings.graceSeconds,
    HostConfig: {
      Init: true,
      NetworkMode: settings.networkMode,
      ExtraHosts: settings.extraHosts,
      Mounts: settings.mounts.map((m) => ({ Type: m.type, Source: m.source, Target: m.target, ReadOnly: m.readOnly })),
      ...(settings.cpus !== undefined ? { NanoCpus: Math.round(settings.cpus * 1e9) } : {}),
      ...(settings.memoryBytes !== undefined ? { Memory: settings.memoryBytes } : {}),
    },
    // On a user-defined network the other containers of the workspace reach this one by its resource name too.
    ...(joinsNetwork(settings.networkMode) ? { NetworkingConfig: { EndpointsConfig: { [settings.networkMode]: { Aliases: [req.name] } } } } : {}),
  };
  const created = await engine.request("POST", "/containers/create", { query: { name }, body });
  if (created.status === 409) throw new Error(`resource ${req.name}: name: a container named ${name} appeared meanwhile (${engineMessage(created)}); run the build again`);
  if (created.status !== 201) throw new Error(`resource ${req.name}: create container ${name}: ${explainStartError(engineMessage(created))}`);
  const id = (created.body as { Id: string }).Id;
  const state: ResourceState = { name: req.name, driver: "docker", kind: "container", lifetime: req.lifetime, outputs: { id, name }, data: { id, name, graceSeconds: settings.graceSeconds } };
  try {
    await ctx.recordState(state);
    // Engine API 1.41 takes one network at create; the others are joined before the start.
    for (const [i, network] of settings.networks.entries()) {
      const joined = await engine.request("POST", `/networks/${encodeURIComponent(network)}/connect`, { body: { Container: id, EndpointConfig: { Aliases: [req.name] } } });
      if (joined.status !== 200) throw new Error(`resource ${req.name}: networks.${i}: cannot connect ${name} to the network ${network}: ${engineMessage(joined)}`);
    }
    const started = await engine.request("POST", `/containers/${id}/start`);
    if (started.status !== 204 && started.status !== 304) throw new Error(`resource ${req.name}: start container ${name}: ${explainStartError(engineMessage(started))}`);
    // The usual failures (no curl in the image, a wrong command) end the container at once: say so here, with its output.
    const exited = await engine
      .request("POST", `/containers/${id}/wait`, { query: { condition: "not-running" }, timeoutMs: opts.startWindowMs })
      .catch((err: unknown) => (err instanceof EngineTimeoutError ? undefined : Promise.reject(err)));
    if (exited?.status === 200) {
      const tail = await containerLogTail(engine, id);
      const code = (exited.body as { StatusCode?: number } | undefined)?.StatusCode;
      throw new Error(`resource ${req.name}: the container ${name} exited at once with code ${code}; a container resource must keep running.${tail ? ` Its last output:\n${tail}` : ""}`);
    }
  } catch (err) {
    await engine.request("DELETE", `/containers/${id}`, { query: { force: true } }).catch(() => undefined);
    throw err;
  }
  ctx.log("info", `Started the container ${name} (${id.slice(0, 12)}) from ${settings.image}`);
  return state;
}

export async function containerExists(engine: DockerEngine, state: ResourceState): Promise<boolean> {
  const { id } = recorded(state);
  const res = await engine.request("GET", `/containers/${id}/json`);
  if (res.status === 404) return false;
  if (res.status !== 200) throw new Error(`resource ${state.name}: inspect container ${id}: ${engineMessage(res)}`);
  return (res.body as { State: { Running: boolean } }).State.Running;
}

/**
 * SIGTERM (the agent then runs its stop scripts), SIGKILL after the grace
 * period, then removal. The container's anonymous volumes go with it; named
 * volumes (the home) stay.
 */
export async function destroyContainer(engine: DockerEngine, ctx: BuildContext, state: ResourceState): Promise<void> {
  const { id, name, graceSeconds } = recorded(state);
  const stopped = await engine.request("POST", `/containers/${id}/stop`, { query: { t: graceSeconds }, timeoutMs: (graceSeconds + 60) * 1000 });
  if (stopped.status === 404) return void ctx.log("info", `The container ${name} was already gone`);
  if (stopped.status !== 204 && stopped.status !== 304) throw new Error(`resource ${state.name}: stop container ${name}: ${engineMessage(stopped)}`);
  const removed = await engine.request("DELETE", `/containers/${id}`, { query: { force: true, v: true } });
  if (removed.status !== 204 && removed.status !== 404) throw new Error(`resource ${state.name}: remove container ${name}: ${engineMessage(removed)}`);
  ctx.log("info", `Stopped and removed the container ${name}`);
}

function checkLimits(resource: string, s: ContainerSettings, info: EngineInfo): void {
  if (s.cpus !== undefined && s.cpus > info.NCPU) throw new Error(`resource ${resource}: cpus: ${s.cpus} is more than the Docker host has (${info.NCPU}); give at most ${info.NCPU}`);
  if (s.memoryBytes !== undefined && s.memoryBytes > info.MemTotal) {
    throw new Error(`resource ${resource}: memory: ${gib(s.memoryBytes)} is more than the Docker host has (${gib(info.MemTotal)})`);
  }
}

/** Volumes must exist (a mount would otherwise create an empty, unlabelled one); host paths must be allowed. */
async function checkMounts(engine: DockerEngine, resource: string, s: ContainerSettings, allowed: readonly string[]): Promise<void> {
  for (const [i, m] of s.mounts.entries()) {
    if (m.type === "bind") {
      const source = resolve(m.source);
      const ok = allowed.some((root) => {
        const rel = relative(resolve(root), source);
        return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
      });
      if (!ok) {
        throw new Error(
          `resource ${resource}: mounts.${i}.host_path: ${m.source} is not a host folder this server allows${allowed.length ? ` (allowed: ${allowed.join(", ")})` : " (none are allowed)"}; an admin can allow folders with --docker-allowed-host-paths`,
        );
      }
    } else {
      const res = await engine.request("GET", `/volumes/${encodeURIComponent(m.source)}`);
      if (res.status === 404) throw new Error(`resource ${resource}: mounts.${i}.volume: there is no Docker volume named ${m.source}; declare a docker volume resource and mount \${{ resources.<name>.name }}`);
      if (res.status !== 200) throw new Error(`resource ${resource}: mounts.${i}.volume: cannot inspect volume ${m.source}: ${engineMessage(res)}`);
    }
  }
}

/** The networks a container joins must exist: the engine's own error would not say which setting names them. */
async function checkNetworks(engine: DockerEngine, resource: string, s: ContainerSettings): Promise<void> {
  const named = [...(joinsNetwork(s.networkMode) ? [{ path: "network_mode", network: s.networkMode }] : []), ...s.networks.map((network, i) => ({ path: `networks.${i}`, network }))];
  for (const { path, network } of named) {
    const res = await engine.request("GET", `/networks/${encodeURIComponent(network)}`);
    if (res.status === 404) throw new Error(`resource ${resource}: ${path}: there is no Docker network named ${network}; declare a docker network resource and use \${{ resources.<name>.name }}`);
    if (res.status !== 200) throw new Error(`resource ${resource}: ${path}: cannot inspect network ${network}: ${engineMessage(res)}`);
  }
}

/** A container left under our name by this workspace (a crashed build) is removed; anyone else's is a clash. */
async function clearName(engine: DockerEngine, ctx: BuildContext, resource: string, name: string): Promise<void> {
  const res = await engine.request("GET", `/containers/${encodeURIComponent(name)}/json`);
  if (res.status === 404) return;
  if (res.status !== 200) throw new EngineError(res.status, engineMessage(res), `resource ${resource}: inspect container ${name}`);
  const found = res.body as { Id: string; Config: { Labels?: Record<string, string> } };
  const owner = ownerOf(found.Config.Labels, ctx.workspace.id);
  if (owner !== "ours") {
    throw new Error(
      `resource ${resource}: name: a container named ${name} already exists and is not this workspace's (${owner === "foreign" ? "it is not Den's" : "it belongs to another Den workspace"}); set another name or remove that container`,
    );
  }
  ctx.log("info", `Removing the container ${name} left by an earlier build of this workspace`);
  await engine.call(`resource ${resource}: remove the leftover container ${name}`, "DELETE", `/containers/${found.Id}`, { query: { force: true }, ok: [204, 404] });
}

function explainStartError(message: string): string {
  if (/mount|bind source path|no such file or directory/i.test(message)) return `${message} (check the mounts: the source must exist on the Docker host)`;
  if (/executable file not found|exec format/i.test(message)) return `${message} (check command and entrypoint: the program must exist in the image)`;
  return message;
}

/** The last lines of a container's output (the log stream of a container without TTY has 8-byte frame headers). */
async function containerLogTail(engine: DockerEngine, id: string): Promise<string> {
  const res = await engine.request("GET", `/containers/${id}/logs`, { query: { stdout: 1, stderr: 1, tail: 20 } }).catch(() => undefined);
  if (!res || res.status !== 200) return "";
  return res.text.replace(/[\u0000-\u0002]\u0000\u0000\u0000[\s\S]{4}/g, "").trim();
}

function recorded(state: ResourceState): { id: string; name: string; graceSeconds: number } {
  const { id, name, graceSeconds } = state.data;
  if (typeof id !== "string" || !/^[0-9a-f]{12,64}$/.test(id) || typeof name !== "string") throw new Error(`resource ${state.name}: the recorded state is not that of a docker container (id and name expected)`);
  return { id, name, graceSeconds: typeof graceSeconds === "number" && graceSeconds >= 0 ? graceSeconds : 10 };
}

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}
