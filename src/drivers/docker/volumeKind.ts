import { DriverAbortError, type BuildContext, type ResourceRequest, type ResourceState } from "../driver.js";
import { engineMessage, type DockerEngine } from "./DockerEngine.js";
import { denLabels, dockerName, ownerOf } from "./dockerLabels.js";
import { checkVolumeSettings, describeIssues } from "./dockerSettings.js";

/**
 * A Docker volume, output `name`. Its default name is made from the
 * workspace id, so it stays the same across builds; one that already carries
 * this workspace's labels (a build that crashed before recording it) is
 * taken over, one that is not ours is a name clash.
 */
export async function createVolume(engine: DockerEngine, ctx: BuildContext, req: ResourceRequest): Promise<ResourceState> {
  const checked = checkVolumeSettings(req.settings, "evaluated");
  if (!checked.settings) throw new Error(describeIssues(req.name, checked.issues));
  if (ctx.signal.aborted) throw new DriverAbortError(`creating volume ${req.name} was canceled`, { cause: ctx.signal.reason });
  const name = checked.settings.name ?? dockerName("den", ctx.workspace.id, req.name);
  const existing = await engine.request("GET", `/volumes/${encodeURIComponent(name)}`);
  const state: ResourceState = { name: req.name, driver: "docker", kind: "volume", lifetime: req.lifetime, outputs: { name }, data: { name } };
  if (existing.status === 200) {
    const owner = ownerOf((existing.body as { Labels?: Record<string, string> }).Labels, ctx.workspace.id);
    if (owner !== "ours") {
      throw new Error(
        `resource ${req.name}: name: a Docker volume named ${name} already exists and is not this workspace's (${owner === "foreign" ? "it is not Den's" : "it belongs to another Den workspace"}); choose another name or remove that volume`,
      );
    }
    await ctx.recordState(state);
    ctx.log("info", `Using the existing volume ${name}`);
    return state;
  }
  if (existing.status !== 404) throw new Error(`resource ${req.name}: cannot inspect volume ${name}: ${engineMessage(existing)}`);
  await engine.call(`resource ${req.name}: create volume ${name}`, "POST", "/volumes/create", { body: { Name: name, Labels: { ...checked.settings.labels, ...denLabels(ctx, req.name) } } });
  await ctx.recordState(state);
  ctx.log("info", `Created the volume ${name}`);
  return state;
}

export async function volumeExists(engine: DockerEngine, state: ResourceState): Promise<boolean> {
  const name = recordedName(state);
  const res = await engine.request("GET", `/volumes/${encodeURIComponent(name)}`);
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw new Error(`resource ${state.name}: cannot inspect volume ${name}: ${engineMessage(res)}`);
}

export async function destroyVolume(engine: DockerEngine, ctx: BuildContext, state: ResourceState): Promise<void> {
  const name = recordedName(state);
  const res = await engine.request("DELETE", `/volumes/${encodeURIComponent(name)}`);
  if (res.status === 404) return void ctx.log("info", `The volume ${name} was already gone`);
  if (res.status === 409) throw new Error(`resource ${state.name}: the volume ${name} is still in use by a container (${engineMessage(res)}); remove that container, then delete again`);
  if (res.status !== 204) throw new Error(`resource ${state.name}: remove volume ${name}: ${engineMessage(res)}`);
  ctx.log("info", `Removed the volume ${name}`);
}

function recordedName(state: ResourceState): string {
  const name = state.data.name;
  if (typeof name !== "string" || name === "") throw new Error(`resource ${state.name}: the recorded state is not that of a docker volume (name expected)`);
  return name;
}
