import {
  checkParameterValue,
  parseParameterValue,
  type ParameterSpec,
  type ParameterType,
  type TemplateError,
} from "../../sdk/schemas/templates.js";
import type { ParameterInput } from "./templateSchema.js";
import type { YamlSource } from "./YamlSource.js";

/**
 * Turns den.yaml parameters into ParameterSpecs (values in their string
 * form) and checks what the schema alone cannot: duplicate names, defaults
 * and options of the declared type that pass the parameter's own validation,
 * and validation rules that fit the type.
 */
export function checkParameters(
  source: YamlSource,
  items: readonly { index: number; input: ParameterInput }[],
): { specs: ParameterSpec[]; errors: TemplateError[] } {
  const errors: TemplateError[] = [];
  const specs: ParameterSpec[] = [];
  const firstLine = new Map<string, number>();
  for (const { index, input } of items) {
    const base = ["parameters", index] as const;
    const fail = (path: (string | number)[], message: string) => errors.push({ ...source.positionOf([...base, ...path]), message });
    const count = errors.length;
    const seen = firstLine.get(input.name);
    if (seen !== undefined) fail(["name"], `duplicate parameter "${input.name}" (first declared on line ${seen})`);
    else firstLine.set(input.name, source.positionOf([...base, "name"]).line);

    const options = (input.options ?? []).map((option, i) => {
      const value = stringForm(input.type, option.value, true);
      if (!value.ok) fail(["options", i, "value"], `option value ${value.detail}`);
      return { ...option, value: value.ok ? value.value : String(option.value) };
    });
    const values = options.map((option) => option.value);
    values.forEach((value, i) => {
      if (values.indexOf(value) !== i) fail(["options", i, "value"], `duplicate option value ${JSON.stringify(value)}`);
    });

    const validation = input.validation;
    if (validation) {
      const textual = input.type === "string" || input.type === "list(string)";
      if (validation.regex !== undefined) {
        if (!textual) fail(["validation", "regex"], `regex validation applies to string and list(string) parameters, not ${input.type}`);
        const problem = regexProblem(validation.regex);
        if (problem) fail(["validation", "regex"], `invalid regex: ${problem}`);
        if (validation.error === undefined) fail(["validation"], "a regex validation needs an error text to show when a value does not match");
      }
      for (const key of ["min", "max", "monotonic"] as const) {
        if (validation[key] !== undefined && input.type !== "number") fail(["validation", key], `${key} applies to number parameters, not ${input.type}`);
      }
      if (validation.min !== undefined && validation.max !== undefined && validation.min > validation.max) {
        fail(["validation", "min"], `min (${validation.min}) is greater than max (${validation.max})`);
      }
      if (validation.error !== undefined && validation.regex === undefined && validation.min === undefined && validation.max === undefined) {
        fail(["validation", "error"], "error is only shown for a regex, min or max validation");
      }
    }

    let defaultValue: string | undefined;
    if (input.default !== undefined) {
      const converted = stringForm(input.type, input.default, false);
      if (!converted.ok) fail(["default"], `default ${converted.detail}`);
      else defaultValue = converted.value;
    }
    if (input.ephemeral && !input.mutable) fail(["ephemeral"], "an ephemeral parameter must also be mutable");
    if (input.ephemeral && input.default === undefined) fail(["ephemeral"], "an ephemeral parameter needs a default");

    const spec: ParameterSpec = {
      name: input.name,
      ...(input.display_name !== undefined && { display_name: input.display_name }),
      ...(input.description !== undefined && { description: input.description }),
      ...(input.icon !== undefined && { icon: input.icon }),
      type: input.type,
      ...(defaultValue !== undefined && { default: defaultValue }),
      mutable: input.mutable,
      ephemeral: input.ephemeral,
      required: input.default === undefined,
      options,
      ...(validation !== undefined && { validation }),
      ...(input.order !== undefined && { order: input.order }),
    };
    // Only a spec that is sound in itself can judge its own default and options.
    if (errors.length === count) {
      const withoutOptions = { ...spec, options: [] };
      options.forEach((option, i) => {
        const checked = checkParameterValue(withoutOptions, option.value);
        if (!checked.ok) fail(["options", i, "value"], `option value fails the parameter's validation: ${checked.detail}`);
      });
      if (defaultValue !== undefined) {
        const checked = checkParameterValue(spec, defaultValue);
        if (!checked.ok) fail(["default"], `default fails the parameter's own validation: ${checked.detail}`);
      }
    }
    specs.push(spec);
  }
  return { specs, errors };
}

type Converted = { ok: true; value: string } | { ok: false; detail: string };

/**
 * The string form of a YAML value for a parameter of `type`. Strings must be
 * written as YAML strings: `1.20` would otherwise silently become "1.2".
 */
function stringForm(type: ParameterType, value: string | number | boolean | string[], option: boolean): Converted {
  const itemType = option && type === "list(string)" ? "string" : type;
  const describeValue = JSON.stringify(value);
  switch (itemType) {
    case "string":
      return typeof value === "string" ? { ok: true, value } : { ok: false, detail: `${describeValue} must be a string: quote it` };
    case "number":
      if (typeof value === "number") return { ok: true, value: String(value) };
      if (typeof value === "string") {
        const parsed = parseParameterValue("number", value);
        return parsed.ok ? { ok: true, value: String(parsed.value) } : { ok: false, detail: parsed.detail };
      }
      return { ok: false, detail: `${describeValue} is not a number` };
    case "bool":
      if (typeof value === "boolean") return { ok: true, value: String(value) };
      if (value === "true" || value === "false") return { ok: true, value };
      return { ok: false, detail: `${describeValue} is not a bool: use true or false` };
    case "list(string)":
      if (Array.isArray(value)) return { ok: true, value: JSON.stringify(value) };
      if (typeof value === "string") {
        const parsed = parseParameterValue("list(string)", value);
        return parsed.ok ? { ok: true, value: JSON.stringify(parsed.value) } : { ok: false, detail: parsed.detail };
      }
      return { ok: false, detail: `${describeValue} is not a list of strings` };
  }
}

function regexProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
