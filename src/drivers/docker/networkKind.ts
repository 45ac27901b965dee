import { DriverAbortError, type BuildContext, type ResourceRequest, type ResourceState } from "../driver.js";
import { engineMessage, type DockerEngine } from "./DockerEngine.js";
import { denLabels, dockerName, ownerOf } from "./dockerLabels.js";
import { checkNetworkSettings, describeIssues } from "./dockerSettings.js";

/**
 * A user-defined Docker network, outputs `name` and `id`. Containers join it
 * with `network_mode: ${{ resources.<name>.name }}` (or `networks: […]`),
 * and reach each other there by container name and by resource name. Its
 * default name comes from the workspace id, so it is the same at every
 * start; one that already carries this workspace's labels (a build that
 * crashed before recording it) is taken over, any other is a name clash.
 */
export async function createNetwork(engine: DockerEngine, ctx: BuildContext, req: ResourceRequest): Promise<ResourceState> {
  const checked = checkNetworkSettings(req.settings, "evaluated");
  if (!checked.settings) throw new Error(describeIssues(req.name, checked.issues));
  if (ctx.signal.aborted) throw new DriverAbortError(`creating network ${req.name} was canceled`, { cause: ctx.signal.reason });
  const settings = checked.settings;
  const name = settings.name ?? dockerName("den", ctx.workspace.id, req.name);
  const existing = await engine.request("GET", `/networks/${encodeURIComponent(name)}`);
  // Inspect also answers for an id or a prefix of one: only a network of that very name is ours or a clash.
  const found = existing.status === 200 ? (existing.body as { Id: string; Name: string; Labels?: Record<string, string> }) : undefined;
  if (found?.Name === name) {
    const owner = ownerOf(found.Labels, ctx.workspace.id);
    if (owner !== "ours") {
      throw new Error(
        `resource ${req.name}: name: a Docker network named ${name} already exists and is not this workspace's (${owner === "foreign" ? "it is not Den's" : "it belongs to another Den workspace"}); choose another name or remove that network`,
      );
    }
    ctx.log("info", `Using the existing network ${name}`);
    return record(ctx, req, name, found.Id);
  }
  if (existing.status !== 200 && existing.status !== 404) throw new Error(`resource ${req.name}: cannot inspect network ${name}: ${engineMessage(existing)}`);
  const created = await engine.request("POST", "/networks/create", {
    body: { Name: name, Driver: settings.driver, Internal: settings.internal, CheckDuplicate: true, Labels: { ...settings.labels, ...denLabels(ctx, req.name) } },
  });
  if (created.status === 409) throw new Error(`resource ${req.name}: name: a network named ${name} appeared meanwhile (${engineMessage(created)}); run the build again`);
  if (created.status !== 201) throw new Error(`resource ${req.name}: create network ${name} (driver ${settings.driver}): ${engineMessage(created)}`);
  const id = (created.body as { Id: string }).Id;
  ctx.log("info", `Created the ${settings.internal ? "internal " : ""}${settings.driver} network ${name}`);
  return record(ctx, req, name, id);
}

async function record(ctx: BuildContext, req: ResourceRequest, name: string, id: string): Promise<ResourceState> {
  const state: ResourceState = { name: req.name, driver: "docker", kind: "network", lifetime: req.lifetime, outputs: { name, id }, data: { name, id } };
  await ctx.recordState(state);
  return state;
}

export async function networkExists(engine: DockerEngine, state: ResourceState): Promise<boolean> {
  const { id } = recorded(state);
  const res = await engine.request("GET", `/networks/${id}`);
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw new Error(`resource ${state.name}: cannot inspect network ${id}: ${engineMessage(res)}`);
}

/** Containers are destroyed before the network they joined (reverse order of creation), so it is free by then. */
export async function destroyNetwork(engine: DockerEngine, ctx: BuildContext, state: ResourceState): Promise<void> {
  const { id, name } = recorded(state);
  const res = await engine.request("DELETE", `/networks/${id}`);
  if (res.status === 404) return void ctx.log("info", `The network ${name} was already gone`);
  // Docker 20.10 answers 403, later versions 409, for a network that containers still use.
  if (res.status === 403 || res.status === 409) throw new Error(`resource ${state.name}: the network ${name} still has containers attached (${engineMessage(res)}); stop or disconnect them, then build again`);
  if (res.status !== 204 && res.status !== 200) throw new Error(`resource ${state.name}: remove network ${name}: ${engineMessage(res)}`);
  ctx.log("info", `Removed the network ${name}`);
}

function recorded(state: ResourceState): { id: string; name: string } {
  const { id, name } = state.data;
  if (typeof id !== "string" || !/^[0-9a-f]{12,64}$/.test(id) || typeof name !== "string") throw new Error(`resource ${state.name}: the recorded state is not that of a docker network (id and name expected)`);
  return { id, name };
}
