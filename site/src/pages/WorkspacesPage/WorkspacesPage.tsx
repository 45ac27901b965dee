import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import type { Workspace } from "../../../../src/sdk/schemas/workspaces.js";
import { useDenClient } from "../../api/ClientContext.tsx";
import { errorMessage } from "../../api/errorMessage.ts";
import { QueryState } from "../../components/QueryState.tsx";
import { isTransitional, StatusBadge } from "../../components/StatusBadge.tsx";
import { workspaceUrl } from "../../modules/workspaceUrls.ts";

const DEFAULT_FILTER = "owner:me";

/**
 * All workspaces the person may see, filtered by the server's query language
 * (`owner:me status:running template:x name`). The list polls: fast while a
 * workspace is changing, slowly otherwise, so badges follow builds without
 * one event stream per row.
 */
export function WorkspacesPage() {
  const client = useDenClient();
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? DEFAULT_FILTER;
  const [draft, setDraft] = useState(q);
  const list = useQuery({
    queryKey: ["workspaces", q],
    queryFn: () => client.workspaces.list({ q, limit: 500 }),
    refetchInterval: (query) => (query.state.data?.workspaces.some((ws) => isTransitional(ws.status)) ? 1500 : 10_000),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setParams(draft.trim() === DEFAULT_FILTER ? {} : { q: draft.trim() });
  };
  return (
    <>
      <div className="page-head">
        <h1>Workspaces</h1>
        <Link className="button primary" to="/workspaces/new">
          New workspace
        </Link>
      </div>
      <form role="search" className="filter" onSubmit={submit}>
        <label htmlFor="workspace-filter" className="visually-hidden">
          Filter workspaces
        </label>
        <input
          id="workspace-filter"
          type="search"
          value={draft}
          placeholder="owner:me status:running template:name"
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit">Filter</button>
      </form>
      <QueryState
        query={list}
        what="workspaces"
        isEmpty={(data) => data.workspaces.length === 0}
        empty={
          <>
            No workspace matches <code>{q}</code>. <Link to="/workspaces/new">Create one</Link>.
          </>
        }
      >
        {(data) => (
          <table className="table" aria-label="Workspaces">
            <thead>
              <tr>
                <th>Name</th>
                <th>Owner</th>
                <th>Template</th>
                <th>Status</th>
                <th>Last used</th>
                <th>
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.workspaces.map((ws) => (
                <WorkspaceRow key={ws.id} ws={ws} />
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
    </>
  );
}

function WorkspaceRow({ ws }: { ws: Workspace }) {
  const client = useDenClient();
  const queryClient = useQueryClient();
  const build = useMutation({
    mutationFn: (transition: "start" | "stop") => client.workspaces.createBuild(ws.id, { transition }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["workspaces"] }),
  });
  const canStart = ws.status === "stopped" || ws.status === "failed" || ws.status === "canceled";
  return (
    <tr data-workspace={ws.name}>
      <td>
        <Link to={workspaceUrl(ws.owner_name, ws.name)}>{ws.name}</Link>
        {ws.outdated ? <span className="tag">outdated</span> : null}
      </td>
      <td>{ws.owner_name}</td>
      <td>{ws.template_display_name || ws.template_name}</td>
      <td>
        <StatusBadge status={ws.status} />
      </td>
      <td>{new Date(ws.last_used_at).toLocaleString()}</td>
      <td className="actions">
        {canStart ? (
          <button type="button" disabled={build.isPending} onClick={() => build.mutate("start")} aria-label={`Start ${ws.name}`}>
            Start
          </button>
        ) : ws.status === "running" ? (
          <button type="button" disabled={build.isPending} onClick={() => build.mutate("stop")} aria-label={`Stop ${ws.name}`}>
            Stop
          </button>
        ) : null}
        {build.isError ? <span className="field-error">{errorMessage(build.error)}</span> : null}
      </td>
    </tr>
  );
}
