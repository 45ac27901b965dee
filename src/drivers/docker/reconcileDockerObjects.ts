import { engineMessage, type DockerEngine } from "./DockerEngine.js";
import { LABEL_MANAGED, LABEL_WORKSPACE_ID } from "./dockerLabels.js";

export type ReconcileResult = { removedContainers: string[]; removedVolumes: string[]; removedNetworks: string[] };

/**
 * Removes the containers, volumes and networks labelled den.managed=true whose
 * den.workspace_id is a deleted workspace (a delete that failed half-way, or
 * objects a killed provisioner made but never recorded). `deletedWorkspaces`
 * answers which of the given ids were deleted; ids it does not know stay
 * untouched, since several Den servers may share one engine. Objects without
 * Den's labels are never looked at: the engine filters on the label.
 */
export async function reconcileDockerObjects(engine: DockerEngine, deletedWorkspaces: (ids: string[]) => Promise<ReadonlySet<string>>): Promise<ReconcileResult> {
  const filters = JSON.stringify({ label: [`${LABEL_MANAGED}=true`] });
  const containers = (await engine.call("list Den's containers", "GET", "/containers/json", { query: { all: true, filters } })).body as Array<{ Id: string; Names: string[]; Labels: Record<string, string> }>;
  const volumes = ((await engine.call("list Den's volumes", "GET", "/volumes", { query: { filters } })).body as { Volumes: Array<{ Name: string; Labels: Record<string, string> | null }> | null }).Volumes ?? [];
  const networks = (await engine.call("list Den's networks", "GET", "/networks", { query: { filters } })).body as Array<{ Id: string; Name: string; Labels: Record<string, string> | null }>;
  const idOf = (labels: Record<string, string> | null) => (labels?.[LABEL_MANAGED] === "true" ? labels[LABEL_WORKSPACE_ID] : undefined);
  const ids = [...new Set([...containers.map((c) => idOf(c.Labels)), ...volumes.map((v) => idOf(v.Labels)), ...networks.map((n) => idOf(n.Labels))].filter((id): id is string => !!id))];
  const deleted = ids.length > 0 ? await deletedWorkspaces(ids) : new Set<string>();
  const orphan = (labels: Record<string, string> | null) => {
    const id = idOf(labels);
    return id !== undefined && deleted.has(id);
  };
  const result: ReconcileResult = { removedContainers: [], removedVolumes: [], removedNetworks: [] };
  // Containers first: a volume or network cannot go while a container uses it.
  for (const c of containers.filter((c) => orphan(c.Labels))) {
    const res = await engine.request("DELETE", `/containers/${c.Id}`, { query: { force: true, v: true } });
    if (res.status !== 204 && res.status !== 404) throw new Error(`remove the orphaned container ${c.Names[0] ?? c.Id}: ${engineMessage(res)}`);
    result.removedContainers.push((c.Names[0] ?? c.Id).replace(/^\//, ""));
  }
  for (const v of volumes.filter((v) => orphan(v.Labels))) {
    const res = await engine.request("DELETE", `/volumes/${encodeURIComponent(v.Name)}`);
    if (res.status !== 204 && res.status !== 404) throw new Error(`remove the orphaned volume ${v.Name}: ${engineMessage(res)}`);
    result.removedVolumes.push(v.Name);
  }
  for (const n of networks.filter((n) => orphan(n.Labels))) {
    const res = await engine.request("DELETE", `/networks/${n.Id}`);
    if (res.status !== 204 && res.status !== 200 && res.status !== 404) throw new Error(`remove the orphaned network ${n.Name}: ${engineMessage(res)}`);
    result.removedNetworks.push(n.Name);
  }
  return result;
}
