import type { BuildContext, ResourceRequest, ResourceState } from "../driver.js";
import { engineMessage, type DockerEngine } from "./DockerEngine.js";
import { checkImageSettings, describeIssues } from "./dockerSettings.js";
import { ensureImage } from "./ensureImage.js";

/**
 * An image that must be on the Docker host (pulled when it is not and a
 * registry answers); outputs `name` and `id`. Den did not make it, so
 * destroying the resource leaves the image alone. Building from a Dockerfile
 * in the template folder is not supported yet (dockerSettings.ts says so at
 * import).
 */
export async function createImage(engine: DockerEngine, ctx: BuildContext, req: ResourceRequest): Promise<ResourceState> {
  const checked = checkImageSettings(req.settings, "evaluated");
  if (!checked.settings) throw new Error(describeIssues(req.name, checked.issues));
  const { name } = checked.settings;
  const id = await ensureImage(engine, ctx, req.name, name);
  const state: ResourceState = { name: req.name, driver: "docker", kind: "image", lifetime: req.lifetime, outputs: { name, id }, data: { name, id } };
  await ctx.recordState(state);
  ctx.log("info", `Using the image ${name} (${id.replace(/^sha256:/, "").slice(0, 12)})`);
  return state;
}

export async function imageExists(engine: DockerEngine, state: ResourceState): Promise<boolean> {
  const name = state.data.name;
  if (typeof name !== "string") throw new Error(`resource ${state.name}: the recorded state is not that of a docker image (name expected)`);
  const res = await engine.request("GET", `/images/${encodeURIComponent(name)}/json`);
  if (res.status === 404) return false;
  if (res.status !== 200) throw new Error(`resource ${state.name}: inspect image ${name}: ${engineMessage(res)}`);
  return true;
}

export function destroyImage(ctx: BuildContext, state: ResourceState): void {
  ctx.log("info", `Leaving the image ${String(state.data.name)} on the Docker host`);
}
