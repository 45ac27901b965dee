import { useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { WorkspaceName } from "../../../../src/sdk/schemas/workspaces.js";
import { useDenClient } from "../../api/ClientContext.tsx";
import { useMe } from "../../api/useMe.ts";
import { initialParameterValues, ParameterForm, validateParameterForm } from "../../components/ParameterForm.tsx";
import { ErrorBox, QueryState } from "../../components/QueryState.tsx";
import { workspaceUrl } from "../../modules/workspaceUrls.ts";

/** A field's message goes once the person edits it; the others stay until the next submit. */
function withoutKey(errors: Record<string, string>, key: string): Record<string, string> {
  if (!(key in errors)) return errors;
  const { [key]: _removed, ...rest } = errors;
  return rest;
}

/** Pick a template, fill in its parameters, name the workspace; then go straight to it. */
export function CreateWorkspacePage() {
  const client = useDenClient();
  const navigate = useNavigate();
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const templates = useQuery({ queryKey: ["templates"], queryFn: () => client.templates.list() });
  const templateName = params.get("template") ?? templates.data?.[0]?.name ?? "";
  const template = templates.data?.find((t) => t.name === templateName);
  const specs = useQuery({
    queryKey: ["templateversions", template?.active_version_id, "parameters"],
    queryFn: () => client.templates.versionParameters(template!.active_version_id),
    enabled: !!template,
  });
  const [name, setName] = useState("");
  const [values, setValues] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  useEffect(() => {
    if (specs.data) {
      setValues(initialParameterValues(specs.data));
      setErrors({});
    }
  }, [specs.data]);

  const create = useMutation({
    mutationFn: (parameters: Record<string, string>) =>
      client.workspaces.create("me", {
        name,
        template_id: template!.id,
        rich_parameter_values: Object.entries(parameters).map(([n, value]) => ({ name: n, value })),
      }),
    onSuccess: (ws) => void navigate(workspaceUrl(ws.owner_name, ws.name)),
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const problems: Record<string, string> = {};
    const checkedName = WorkspaceName.safeParse(name);
    if (!checkedName.success) problems["workspace-name"] = checkedName.error.issues[0]?.message ?? "is not valid";
    const checked = validateParameterForm(specs.data ?? [], values, "create");
    if (!checked.ok) Object.assign(problems, checked.errors);
    setErrors(problems);
    if (Object.keys(problems).length > 0 || !checked.ok) return;
    create.mutate(checked.values);
  };

  return (
    <>
      <h1>New workspace</h1>
      <QueryState query={templates} what="templates" isEmpty={(list) => list.length === 0} empty={<>No templates yet: an owner or template admin adds one on the Templates page.</>}>
        {(list) => (
          <form className="card" onSubmit={submit} noValidate>
            <div className="field">
              <label htmlFor="template">Template</label>
              <select id="template" value={templateName} onChange={(e) => setParams({ template: e.target.value })}>
                {list.map((t) => (
                  <option key={t.id} value={t.name}>
                    {t.display_name || t.name}
                  </option>
                ))}
              </select>
              {template?.description ? <p className="help">{template.description}</p> : null}
            </div>
            <div className={errors["workspace-name"] ? "field field-invalid" : "field"}>
              <label htmlFor="workspace-name">Workspace name</label>
              <input
                id="workspace-name"
                value={name}
                autoComplete="off"
                aria-invalid={errors["workspace-name"] ? true : undefined}
                aria-describedby="workspace-name-help"
                onChange={(e) => {
                  setName(e.target.value);
                  setErrors(withoutKey(errors, "workspace-name"));
                }}
              />
              <p className="help" id="workspace-name-help">
                Lower-case letters, digits and inner dashes; it becomes part of the host name <code>den.{name || "<name>"}</code>
                {me.data ? ` and of the URL /@${me.data.username}/${name || "<name>"}` : ""}.
              </p>
              {errors["workspace-name"] ? <p className="field-error" role="alert">Name {errors["workspace-name"]}</p> : null}
            </div>
            <h2>Parameters</h2>
            <QueryState query={specs} what="parameters">
              {(data) => (
                <ParameterForm
                  specs={data}
                  values={values}
                  errors={errors}
                  onChange={(n, v) => {
                    setValues({ ...values, [n]: v });
                    setErrors(withoutKey(errors, n));
                  }}
                />
              )}
            </QueryState>
            {create.isError ? <ErrorBox error={create.error} /> : null}
            <button type="submit" className="primary" disabled={create.isPending || !specs.data}>
              {create.isPending ? "Creating…" : "Create workspace"}
            </button>
          </form>
        )}
      </QueryState>
    </>
  );
}
