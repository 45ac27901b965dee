import type { ParameterSpec } from "../../../src/sdk/schemas/templates.js";
import { isParameterRequired, validateParameterValues, type ParameterTransition } from "../../../src/sdk/schemas/templates.js";

/** The starting values of a form: each parameter's previous value, else its default, else empty. */
export function initialParameterValues(specs: readonly ParameterSpec[], previous: Readonly<Record<string, string>> = {}): Record<string, string> {
  const values: Record<string, string> = {};
  for (const spec of specs) values[spec.name] = previous[spec.name] ?? spec.default ?? (spec.type === "bool" ? "false" : "");
  return values;
}

/**
 * Checks the form with the same rules as the server (validateParameterValues)
 * and answers one message per parameter name. An empty required field counts
 * as missing, not as the empty string.
 */
export function validateParameterForm(
  specs: readonly ParameterSpec[],
  values: Readonly<Record<string, string>>,
  transition: ParameterTransition,
  previous?: Readonly<Record<string, string>>,
): { ok: true; values: Record<string, string> } | { ok: false; errors: Record<string, string> } {
  const given: Record<string, string> = {};
  for (const spec of specs) {
    const value = values[spec.name];
    if (value === undefined || (value === "" && spec.type !== "string")) continue;
    if (value === "" && isParameterRequired(spec)) continue;
    given[spec.name] = value;
  }
  const result = validateParameterValues(specs, given, { transition, previous });
  if (result.ok) return result;
  const errors: Record<string, string> = {};
  for (const error of result.errors) errors[error.field.replace(/^parameter\./, "")] = error.detail;
  return { ok: false, errors };
}

type Props = {
  specs: readonly ParameterSpec[];
  values: Readonly<Record<string, string>>;
  errors: Readonly<Record<string, string>>;
  onChange: (name: string, value: string) => void;
  /** On an existing workspace, immutable parameters are shown but cannot change. */
  lockImmutable?: boolean;
};

/** Form fields generated from a template version's parameters. */
export function ParameterForm({ specs, values, errors, onChange, lockImmutable = false }: Props) {
  if (specs.length === 0) return <p className="muted">This template has no parameters.</p>;
  const ordered = [...specs].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  return (
    <div className="parameters">
      {ordered.map((spec) => {
        const id = `param-${spec.name}`;
        const error = errors[spec.name];
        const disabled = lockImmutable && !spec.mutable;
        const describedBy = [spec.description ? `${id}-help` : "", error ? `${id}-error` : ""].join(" ").trim() || undefined;
        const common = { id, name: spec.name, disabled, "aria-invalid": error ? true : undefined, "aria-describedby": describedBy };
        const value = values[spec.name] ?? "";
        return (
          <div className={error ? "field field-invalid" : "field"} key={spec.name}>
            <label htmlFor={id}>
              {spec.display_name || spec.name}
              {isParameterRequired(spec) ? <span className="required"> (required)</span> : null}
              {!spec.mutable ? <span className="tag" title="Cannot be changed after the workspace is created">immutable</span> : null}
            </label>
            {spec.description ? (
              <p className="help" id={`${id}-help`}>
                {spec.description}
              </p>
            ) : null}
            {spec.options.length > 0 && spec.options.length <= 4 && spec.type !== "list(string)" ? (
              <div role="radiogroup" aria-labelledby={`${id}-legend`} className="radios">
                <span id={`${id}-legend`} hidden>
                  {spec.display_name || spec.name}
                </span>
                {spec.options.map((option) => (
                  <label key={option.value} className="radio">
                    <input
                      type="radio"
                      name={spec.name}
                      value={option.value}
                      disabled={disabled}
                      checked={value === option.value}
                      onChange={() => onChange(spec.name, option.value)}
                    />
                    {option.name}
                  </label>
                ))}
              </div>
            ) : spec.options.length > 0 && spec.type !== "list(string)" ? (
              <select {...common} value={value} onChange={(e) => onChange(spec.name, e.target.value)}>
                {value === "" ? <option value="">Choose…</option> : null}
                {spec.options.map((option) => (
                  <option key={option.value} value={option.value}>
                    {option.name}
                  </option>
                ))}
              </select>
            ) : spec.type === "bool" ? (
              <input {...common} type="checkbox" checked={value === "true"} onChange={(e) => onChange(spec.name, e.target.checked ? "true" : "false")} />
            ) : spec.type === "list(string)" ? (
              <textarea {...common} value={value} placeholder='["a","b"]' onChange={(e) => onChange(spec.name, e.target.value)} />
            ) : (
              <input {...common} type="text" inputMode={spec.type === "number" ? "decimal" : undefined} value={value} onChange={(e) => onChange(spec.name, e.target.value)} />
            )}
            {error ? (
              <p className="field-error" id={`${id}-error`} role="alert">
                {error}
              </p>
            ) : null}
          </div>
        );
      })}
    </div>
  );
}
