import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "react-router";
import type { Template } from "../../../../src/sdk/schemas/templateApi.js";
import { useDenClient } from "../../api/ClientContext.tsx";
import { hasRole, useMe } from "../../api/useMe.ts";
import { ErrorBox, QueryState } from "../../components/QueryState.tsx";
import { templateUrl } from "../../modules/workspaceUrls.ts";

/** What GET /templates/examples answers (src/server/templates/exampleRoute.ts). */
type TemplateExample = { name: string; display_name: string; description: string };

/** The templates of the organization, and the bundled examples an admin can add in one click. */
export function TemplatesPage() {
  const client = useDenClient();
  const me = useMe();
  const templates = useQuery({ queryKey: ["templates"], queryFn: () => client.templates.list() });
  const admin = hasRole(me.data, "template-admin");
  return (
    <>
      <div className="page-head">
        <h1>Templates</h1>
      </div>
      <QueryState
        query={templates}
        what="templates"
        isEmpty={(list) => list.length === 0}
        empty={admin ? "No templates yet: start from an example below." : "No templates yet: ask an owner or template admin to add one."}
      >
        {(list) => (
          <table className="table" aria-label="Templates">
            <thead>
              <tr>
                <th>Name</th>
                <th>Description</th>
                <th>Active version</th>
                <th>
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((t: Template) => (
                <tr key={t.id}>
                  <td>
                    <Link to={templateUrl(t.name)}>{t.display_name || t.name}</Link> <span className="muted">{t.name}</span>
                  </td>
                  <td>{t.description}</td>
                  <td>{t.active_version_name}</td>
                  <td>
                    <Link className="button" to={`/workspaces/new?template=${encodeURIComponent(t.name)}`}>
                      Create workspace
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
      {admin ? <ExamplesSection existing={templates.data ?? []} /> : null}
    </>
  );
}

function ExamplesSection({ existing }: { existing: Template[] }) {
  const client = useDenClient();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const examples = useQuery({ queryKey: ["template-examples"], queryFn: () => client.http.request<TemplateExample[]>("GET", "/templates/examples") });
  const create = useMutation({
    mutationFn: (name: string) => client.http.request<Template>("POST", `/organizations/default/templates/examples/${encodeURIComponent(name)}`, { body: {} }),
    onSuccess: async (template) => {
      await queryClient.invalidateQueries({ queryKey: ["templates"] });
      void navigate(templateUrl(template.name));
    },
  });
  return (
    <section className="card" aria-labelledby="examples-head">
      <h2 id="examples-head">Start from an example</h2>
      <QueryState query={examples} what="examples" isEmpty={(list) => list.length === 0}>
        {(list) => (
          <ul className="examples">
            {list.map((example) => {
              const taken = existing.some((t) => t.name === example.name);
              return (
                <li key={example.name}>
                  <strong>{example.display_name}</strong> <span className="muted">{example.name}</span>
                  <p>{example.description}</p>
                  <button type="button" className="primary" disabled={create.isPending || taken} onClick={() => create.mutate(example.name)}>
                    {taken ? "Added" : create.isPending && create.variables === example.name ? "Adding…" : `Use ${example.display_name}`}
                  </button>
                </li>
              );
            })}
          </ul>
        )}
      </QueryState>
      {create.isError ? <ErrorBox error={create.error} /> : null}
    </section>
  );
}
