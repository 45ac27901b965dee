import { parseParameterValue, type ParameterSpec, type ParameterValue } from "../../sdk/schemas/templates.js";

/**
 * Typed values for expressions (`params.*`), from the string forms a build
 * carries. The values must already have passed validateParameterValues; a
 * value that does not convert here is a bug, not bad input.
 */
export function typedParameterValues(specs: readonly ParameterSpec[], values: Readonly<Record<string, string>>): Record<string, ParameterValue> {
  const typed: Record<string, ParameterValue> = {};
  for (const spec of specs) {
    const raw = Object.hasOwn(values, spec.name) ? values[spec.name] : spec.default;
    if (raw === undefined) throw new Error(`parameter "${spec.name}" has no value and no default`);
    const parsed = parseParameterValue(spec.type, raw);
    if (!parsed.ok) throw new Error(`parameter "${spec.name}": ${parsed.detail}`);
    typed[spec.name] = parsed.value;
  }
  return typed;
}
