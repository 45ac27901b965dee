import type { BuildContext } from "../driver.js";
import { engineMessage, type DockerEngine } from "./DockerEngine.js";

/**
 * The image's id. An image missing on the Docker host is pulled; when that
 * fails too (no registry reachable, a typo), the error says both.
 */
export async function ensureImage(engine: DockerEngine, ctx: BuildContext, resource: string, image: string): Promise<string> {
  const found = await engine.request("GET", `/images/${encodeURIComponent(image)}/json`);
  if (found.status === 200) return (found.body as { Id: string }).Id;
  if (found.status !== 404) throw new Error(`resource ${resource}: image: cannot inspect ${image}: ${engineMessage(found)}`);
  ctx.log("info", `Image ${image} is not on the Docker host; pulling it`);
  const [fromImage, tag] = splitTag(image);
  const pulled = await engine.request("POST", "/images/create", { query: { fromImage, tag }, timeoutMs: 10 * 60_000 });
  // A pull answers 200 and streams progress; a failure half-way is a line with "error" in it.
  const streamed = /"error"\s*:\s*"([^"]*)"/.exec(pulled.text)?.[1];
  if (pulled.status !== 200 || streamed) {
    const why = streamed ?? engineMessage(pulled);
    throw new Error(
      `resource ${resource}: image: ${image} is not on the Docker host and pulling it failed (${why}). ` +
        `Build or load it on that host (docker build -t ${image} …, docker load) or fix the name.`,
    );
  }
  const again = await engine.request("GET", `/images/${encodeURIComponent(image)}/json`);
  if (again.status !== 200) throw new Error(`resource ${resource}: image: ${image} was pulled but cannot be inspected: ${engineMessage(again)}`);
  return (again.body as { Id: string }).Id;
}

function splitTag(image: string): [string, string] {
  if (image.includes("@")) return [image, ""];
  const slash = image.lastIndexOf("/");
  const colon = image.lastIndexOf(":");
  return colon > slash ? [image.slice(0, colon), image.slice(colon + 1)] : [image, "latest"];
}
