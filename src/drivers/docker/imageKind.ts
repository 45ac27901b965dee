import { DriverAbortError, type BuildContext, type ResourceRequest, type ResourceState } from "../driver.js";
import { engineMessage, type DockerEngine } from "./DockerEngine.js";
import { denLabels } from "./dockerLabels.js";
import { checkImageSettings, describeIssues, type ImageBuild } from "./dockerSettings.js";
import { ensureImage } from "./ensureImage.js";
import { contextTar, imageBuildContext } from "./imageBuildContext.js";

/** A build may run for long without printing anything (a big download in a RUN step); past this it is given up. */
const BUILD_IDLE_MS = 30 * 60_000;

/**
 * An image; outputs `name` (what a container's `image` takes) and `id`.
 * - Named (`name` only): it must be on the Docker host, and is pulled when
 *   it is not and a registry answers. Den did not make it, so destroying the
 *   resource leaves it alone.
 * - Built (`build`): from a Dockerfile in the template folder, tagged
 *   `<name or den-<resource>>:<first 12 hex digits of the content hash>`
 *   (imageBuildContext.ts). An image with that tag is used as it is; else
 *   the context is sent to the engine's /build and its output streamed into
 *   the build log. A built image is a cache that every workspace of the
 *   template shares, so destroying the resource leaves it too.
 */
export async function createImage(engine: DockerEngine, ctx: BuildContext, req: ResourceRequest): Promise<ResourceState> {
  const checked = checkImageSettings(req.settings, "evaluated");
  if (!checked.settings) throw new Error(describeIssues(req.name, checked.issues));
  const settings = checked.settings;
  if (settings.build) return createBuiltImage(engine, ctx, req, settings.build, settings.name);
  const { name } = settings;
  const id = await ensureImage(engine, ctx, req.name, name);
  const state: ResourceState = { name: req.name, driver: "docker", kind: "image", lifetime: req.lifetime, outputs: { name, id }, data: { name, id } };
  await ctx.recordState(state);
  ctx.log("info", `Using the image ${name} (${shortId(id)})`);
  return state;
}

async function createBuiltImage(engine: DockerEngine, ctx: BuildContext, req: ResourceRequest, build: ImageBuild, repository: string | undefined): Promise<ResourceState> {
  if (!ctx.templateFiles) throw new Error(`resource ${req.name}: build: this provisioner gives drivers no template files, so it cannot build images`);
  let context: ReturnType<typeof imageBuildContext>;
  try {
    context = imageBuildContext(await ctx.templateFiles(), build);
  } catch (err) {
    throw new Error(`resource ${req.name}: ${(err as Error).message}`, { cause: err });
  }
  const tag = `${repository ?? defaultRepository(req.name)}:${context.hash.slice(0, 12)}`;
  const found = await engine.request("GET", `/images/${encodeURIComponent(tag)}/json`);
  let id: string;
  if (found.status === 200) {
    id = (found.body as { Id: string }).Id;
    ctx.log("info", `The image ${tag} is already built from these files; using it as it is`);
  } else if (found.status === 404) {
    id = await runBuild(engine, ctx, req.name, tag, build, contextTar(context.files));
  } else {
    throw new Error(`resource ${req.name}: cannot inspect image ${tag}: ${engineMessage(found)}`);
  }
  const state: ResourceState = { name: req.name, driver: "docker", kind: "image", lifetime: req.lifetime, outputs: { name: tag, id }, data: { name: tag, id, built: true } };
  await ctx.recordState(state);
  return state;
}

/** POST /build with the context; each line of Docker's output goes to the build log. Answers the new image's id. */
async function runBuild(engine: DockerEngine, ctx: BuildContext, resource: string, tag: string, build: ImageBuild, tar: Buffer): Promise<string> {
  ctx.log("info", `Building the image ${tag} from ${build.context || "the template folder"} (${build.dockerfile}, ${tar.length} bytes of context)`);
  let step = "";
  let failure: string | undefined;
  let pending = "";
  const output = (text: string) => {
    const lines = (pending + text).split("\n");
    pending = lines.pop()!;
    // Docker colours a step's stderr with terminal escapes, which mean nothing in the build log.
    for (const line of lines.map((l) => l.replace(/\x1b\[[0-9;]*m/g, "").trimEnd())) {
      if (/^Step \d+\/\d+ :/.test(line)) step = line;
      if (line) ctx.log("info", line);
    }
  };
  let res;
  try {
    res = await engine.request("POST", "/build", {
      query: {
        t: tag,
        dockerfile: build.dockerfile,
        rm: true,
        forcerm: true,
        labels: JSON.stringify(denLabels(ctx, resource)),
        ...(Object.keys(build.args).length > 0 ? { buildargs: JSON.stringify(build.args) } : {}),
        ...(build.target ? { target: build.target } : {}),
      },
      raw: { contentType: "application/x-tar", data: tar },
      timeoutMs: BUILD_IDLE_MS,
      signal: ctx.signal,
      // Docker streams one JSON object per line: {stream}, {status}, {aux}, or {error, errorDetail} when a step fails.
      onLine: (line) => {
        if (!line.trim()) return;
        let message: { stream?: string; status?: string; progress?: string; error?: string; errorDetail?: { message?: string } };
        try {
          message = JSON.parse(line) as typeof message;
        } catch {
          return output(line + "\n");
        }
        if (typeof message.stream === "string") output(message.stream);
        else if (typeof message.status === "string" && !message.progress) output(message.status + "\n");
        if (message.error !== undefined || message.errorDetail !== undefined) failure = message.errorDetail?.message ?? message.error;
      },
    });
  } catch (err) {
    if (ctx.signal.aborted) throw new DriverAbortError(`building the image ${tag} was canceled`, { cause: err });
    throw err;
  }
  output("\n");
  if (res.status !== 200) throw new Error(`resource ${resource}: build: Docker refused to build ${tag}: ${engineMessage(res)}`);
  if (failure !== undefined) throw new Error(`resource ${resource}: build: building ${tag} failed${step ? ` at "${step}"` : ""}: ${failure.trim()}`);
  const built = await engine.request("GET", `/images/${encodeURIComponent(tag)}/json`);
  if (built.status !== 200) throw new Error(`resource ${resource}: build: Docker ended the build of ${tag} without an image: ${engineMessage(built)}`);
  const id = (built.body as { Id: string }).Id;
  ctx.log("info", `Built the image ${tag} (${shortId(id)})`);
  return id;
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
  const name = String(state.data.name);
  if (state.data.built === true) {
    ctx.log("info", `Leaving the built image ${name} on the Docker host: other workspaces of the template use it too (docker image prune -a --filter label=den.managed=true removes unused ones)`);
  } else {
    ctx.log("info", `Leaving the image ${name} on the Docker host`);
  }
}

/** den-<resource>, in the lower case Docker requires of repositories. */
function defaultRepository(resource: string): string {
  return `den-${resource.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "")}`;
}

function shortId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}
