import { useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { Workspace } from "../../../../src/sdk/schemas/workspaces.js";
import { useDenClient } from "../../api/ClientContext.tsx";
import { initialParameterValues, ParameterForm, validateParameterForm } from "../../components/ParameterForm.tsx";
import { ErrorBox, QueryState } from "../../components/QueryState.tsx";
import { isTransitional } from "../../components/StatusBadge.tsx";

/** The build's parameter values; mutable ones can change, which takes a new start build. */
export function ParametersPanel({ ws }: { ws: Workspace }) {
  const client = useDenClient();
  const versionId = ws.latest_build.template_version_id;
  const specs = useQuery({ queryKey: ["templateversions", versionId, "parameters"], queryFn: () => client.templates.versionParameters(versionId) });
  const previous = Object.fromEntries(ws.latest_build.parameters.map((p) => [p.name, p.value]));
  const [values, setValues] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const previousKey = JSON.stringify(previous);
  useEffect(() => {
    if (specs.data) setValues(initialParameterValues(specs.data, JSON.parse(previousKey) as Record<string, string>));
  }, [specs.data, previousKey]);
  const apply = useMutation({
    mutationFn: async (changed: Record<string, string>) => {
      if (ws.status === "running") {
        await client.workspaces.createBuild(ws.id, { transition: "stop" });
        const deadline = Date.now() + 5 * 60_000;
        while (isTransitional((await client.workspaces.get(ws.id)).status)) {
          if (Date.now() > deadline) throw new Error("the workspace did not stop within 5 minutes");
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
      await client.workspaces.createBuild(ws.id, {
        transition: "start",
        rich_parameter_values: Object.entries(changed).map(([name, value]) => ({ name, value })),
      });
    },
  });
  return (
    <section className="card" aria-labelledby="params-head">
      <h2 id="params-head">Parameters</h2>
      <QueryState query={specs} what="parameters">
        {(data) => (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              const checked = validateParameterForm(data, values, "start", previous);
              if (!checked.ok) return setErrors(checked.errors);
              setErrors({});
              const changed = Object.fromEntries(Object.entries(checked.values).filter(([name, value]) => previous[name] !== value));
              apply.mutate(changed);
            }}
          >
            <ParameterForm specs={data} values={values} errors={errors} lockImmutable onChange={(n, v) => setValues({ ...values, [n]: v })} />
            {apply.isError ? <ErrorBox error={apply.error} /> : null}
            {data.some((spec) => spec.mutable) ? (
              <button type="submit" disabled={apply.isPending || isTransitional(ws.status)}>
                {ws.status === "running" ? "Restart with these values" : "Start with these values"}
              </button>
            ) : null}
          </form>
        )}
      </QueryState>
    </section>
  );
}
