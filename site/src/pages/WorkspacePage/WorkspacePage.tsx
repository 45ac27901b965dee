import { useMutation } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "react-router";
import type { DenClient } from "../../../../src/sdk/client/DenClient.js";
import type { CreateWorkspaceBuildRequest, Workspace } from "../../../../src/sdk/schemas/workspaces.js";
import { useDenClient } from "../../api/ClientContext.tsx";
import { useWorkspace } from "../../api/useWorkspace.ts";
import { ConfirmButton } from "../../components/ConfirmButton.tsx";
import { CopyCommand } from "../../components/CopyCommand.tsx";
import { ErrorBox, QueryState } from "../../components/QueryState.tsx";
import { isTransitional, StatusBadge } from "../../components/StatusBadge.tsx";
import { parseUserRef, terminalUrl } from "../../modules/workspaceUrls.ts";
import { AgentsPanel } from "./AgentsPanel.tsx";
import { BuildPanel } from "./BuildPanel.tsx";
import { ParametersPanel } from "./ParametersPanel.tsx";

type Action = "start" | "stop" | "restart" | "update" | "delete";

/** Stop, wait for the stop build to end (no event here: poll with a deadline), then start. */
async function restart(client: DenClient, ws: Workspace): Promise<void> {
  await client.workspaces.createBuild(ws.id, { transition: "stop" });
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    const now = await client.workspaces.get(ws.id);
    if (!isTransitional(now.status)) break;
    if (Date.now() > deadline) throw new Error("the workspace did not stop within 5 minutes");
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await client.workspaces.createBuild(ws.id, { transition: "start" });
}

/** `/@<user>/<workspace>`: status, builds and their logs, agents, and what can be done with it. */
export function WorkspacePage() {
  const params = useParams();
  const owner = parseUserRef(params.user);
  if (!owner || !params.workspace) return <p className="error">Not a workspace URL: use /@user/workspace.</p>;
  return <WorkspaceView owner={owner} name={params.workspace} />;
}

function WorkspaceView({ owner, name }: { owner: string; name: string }) {
  const client = useDenClient();
  const navigate = useNavigate();
  const workspace = useWorkspace(owner, name);
  const action = useMutation({
    mutationFn: async ({ ws, act }: { ws: Workspace; act: Action }) => {
      if (act === "restart") return restart(client, ws);
      const req: CreateWorkspaceBuildRequest =
        act === "update" ? { transition: "start", template_version_id: ws.template_active_version_id ?? undefined } : { transition: act };
      await client.workspaces.createBuild(ws.id, req);
    },
    onSuccess: (_, { act }) => {
      if (act === "delete") void navigate("/workspaces");
    },
  });
  return (
    <QueryState query={workspace} what={`workspace ${owner}/${name}`}>
      {(ws) => {
        const busy = isTransitional(ws.status) || action.isPending;
        const stopped = ws.status === "stopped" || ws.status === "failed" || ws.status === "canceled";
        const firstAgent = ws.agents[0];
        return (
          <>
            <div className="page-head">
              <h1>
                {ws.owner_name}/{ws.name} <StatusBadge status={ws.status} />
              </h1>
              <span className="muted">
                {ws.template_display_name || ws.template_name} · build #{ws.latest_build.build_number} ({ws.latest_build.template_version_name})
              </span>
            </div>
            <div className="toolbar" role="toolbar" aria-label="Workspace actions">
              {stopped ? (
                <button type="button" className="primary" disabled={busy} onClick={() => action.mutate({ ws, act: "start" })}>
                  Start
                </button>
              ) : null}
              {ws.status === "running" ? (
                <>
                  {firstAgent ? (
                    <Link className="button primary" to={terminalUrl(ws.owner_name, ws.name, firstAgent.name)}>
                      Terminal
                    </Link>
                  ) : null}
                  <button type="button" disabled={busy} onClick={() => action.mutate({ ws, act: "stop" })}>
                    Stop
                  </button>
                  <ConfirmButton label="Restart" confirmLabel="Yes, restart" disabled={busy} onConfirm={() => action.mutate({ ws, act: "restart" })} />
                </>
              ) : null}
              {ws.outdated ? (
                <button type="button" disabled={busy} onClick={() => action.mutate({ ws, act: "update" })}>
                  Update to {ws.template_name}'s active version
                </button>
              ) : null}
              <ConfirmButton label="Delete" confirmLabel={`Yes, delete ${ws.name}`} disabled={busy} onConfirm={() => action.mutate({ ws, act: "delete" })}>
                <span>Deletes every resource of {ws.name}, its home too.</span>
              </ConfirmButton>
            </div>
            {action.isError ? <ErrorBox error={action.error} /> : null}
            <section aria-label="Connect">
              <CopyCommand label="SSH with den" command={`den ssh ${ws.name}`} />
              <CopyCommand label="OpenSSH (after den config-ssh)" command={`ssh den.${ws.name}`} />
            </section>
            <BuildPanel ws={ws} />
            <AgentsPanel ws={ws} />
            <ParametersPanel ws={ws} />
          </>
        );
      }}
    </QueryState>
  );
}
