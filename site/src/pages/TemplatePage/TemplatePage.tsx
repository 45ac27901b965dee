import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import type { Template } from "../../../../src/sdk/schemas/templateApi.js";
import { useDenClient } from "../../api/ClientContext.tsx";
import { hasRole, useMe } from "../../api/useMe.ts";
import { QueryState } from "../../components/QueryState.tsx";
import { UploadVersion } from "./UploadVersion.tsx";

/** `/templates/<name>`: versions, the active version's parameters and resources, and its README as plain text. */
export function TemplatePage() {
  const { name = "" } = useParams();
  const client = useDenClient();
  const template = useQuery({ queryKey: ["template", name], queryFn: () => client.templates.getByName(name) });
  return (
    <QueryState query={template} what={`template ${name}`}>
      {(t) => <TemplateView template={t} />}
    </QueryState>
  );
}

function TemplateView({ template }: { template: Template }) {
  const client = useDenClient();
  const me = useMe();
  const versions = useQuery({ queryKey: ["template-versions", template.id], queryFn: () => client.templates.listVersions(template.id) });
  const active = useQuery({ queryKey: ["templateversion", template.active_version_id], queryFn: () => client.templates.getVersion(template.active_version_id) });
  const params = useQuery({
    queryKey: ["templateversions", template.active_version_id, "parameters"],
    queryFn: () => client.templates.versionParameters(template.active_version_id),
  });
  const resources = useQuery({
    queryKey: ["templateversions", template.active_version_id, "resources"],
    queryFn: () => client.templates.versionResources(template.active_version_id),
  });
  return (
    <>
      <div className="page-head">
        <h1>{template.display_name || template.name}</h1>
        <Link className="button primary" to={`/workspaces/new?template=${encodeURIComponent(template.name)}`}>
          Create workspace
        </Link>
      </div>
      <p>{template.description}</p>
      <p className="muted">
        Active version {template.active_version_name} · created by {template.created_by_name} · usable by every member of the organization
      </p>
      <section className="card" aria-labelledby="params-head">
        <h2 id="params-head">Parameters</h2>
        <QueryState query={params} what="parameters" isEmpty={(list) => list.length === 0} empty="This template has no parameters.">
          {(list) => (
            <table className="table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Type</th>
                  <th>Default</th>
                  <th>Mutable</th>
                  <th>Description</th>
                </tr>
              </thead>
              <tbody>
                {list.map((p) => (
                  <tr key={p.name}>
                    <td>{p.display_name || p.name}</td>
                    <td>{p.type}</td>
                    <td>{p.default ?? <em>required</em>}</td>
                    <td>{p.mutable ? "yes" : "no"}</td>
                    <td>{p.description}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </QueryState>
      </section>
      <section className="card" aria-labelledby="resources-head">
        <h2 id="resources-head">Resources</h2>
        <QueryState query={resources} what="resources" isEmpty={(r) => r.resources.length === 0}>
          {(r) => (
            <ul>
              {r.resources.map((res) => (
                <li key={res.name}>
                  <strong>{res.name}</strong> {res.driver}/{res.kind}, {res.lifetime}
                  {r.agents.filter((a) => a.resource === res.name).map((a) => ` · agent ${a.name}`)}
                </li>
              ))}
            </ul>
          )}
        </QueryState>
      </section>
      <section className="card" aria-labelledby="readme-head">
        <h2 id="readme-head">README</h2>
        <QueryState query={active} what="the README" isEmpty={(v) => v.readme.trim() === ""} empty="This version has no README.">
          {/* Shown as text: a README comes from whoever pushed the template and is never trusted as HTML. */}
          {(v) => <pre className="readme">{v.readme}</pre>}
        </QueryState>
      </section>
      <section className="card" aria-labelledby="versions-head">
        <h2 id="versions-head">Versions</h2>
        <QueryState query={versions} what="versions" isEmpty={(list) => list.length === 0}>
          {(list) => (
            <table className="table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Import</th>
                  <th>Message</th>
                  <th>By</th>
                  <th>Created</th>
                </tr>
              </thead>
              <tbody>
                {list.map((v) => (
                  <tr key={v.id}>
                    <td>
                      {v.name} {v.id === template.active_version_id ? <span className="tag">active</span> : null}
                    </td>
                    <td>{v.job.status}</td>
                    <td>{v.message}</td>
                    <td>{v.created_by_name}</td>
                    <td>{new Date(v.created_at).toLocaleString()}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </QueryState>
        {hasRole(me.data, "template-admin") ? <UploadVersion template={template} /> : null}
      </section>
    </>
  );
}
