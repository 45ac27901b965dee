import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { ParameterSpec } from "../../../src/sdk/schemas/templates.js";
import { initialParameterValues, ParameterForm, validateParameterForm } from "./ParameterForm.tsx";

const specs = [
  ParameterSpec.parse({
    name: "region",
    display_name: "Region",
    type: "string",
    default: "eu",
    options: [
      { name: "Europe", value: "eu" },
      { name: "America", value: "us" },
    ],
  }),
  ParameterSpec.parse({ name: "cpus", type: "number", mutable: true, validation: { min: 1, max: 8 }, description: "How many CPUs" }),
  ParameterSpec.parse({ name: "user_name", type: "string", default: "dev", mutable: true, validation: { regex: "^[a-z]+$", error: "letters only, not {value}" } }),
  ParameterSpec.parse({ name: "gpu", type: "bool", default: "false", mutable: true }),
  ParameterSpec.parse({ name: "size", type: "string", default: "m", mutable: true, options: ["xs", "s", "m", "l", "xl"].map((v) => ({ name: v.toUpperCase(), value: v })) }),
];

/** The form as a page uses it: state, validation on submit, and what would be sent. */
function Harness({ lockImmutable = false, previous }: { lockImmutable?: boolean; previous?: Record<string, string> }) {
  const [values, setValues] = useState(() => initialParameterValues(specs, previous));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [sent, setSent] = useState<string>();
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        const checked = validateParameterForm(specs, values, previous ? "start" : "create", previous);
        if (!checked.ok) return setErrors(checked.errors);
        setErrors({});
        setSent(JSON.stringify(checked.values));
      }}
    >
      <ParameterForm specs={specs} values={values} errors={errors} lockImmutable={lockImmutable} onChange={(n, v) => setValues({ ...values, [n]: v })} />
      <button type="submit">Create</button>
      {sent ? <output>{sent}</output> : null}
    </form>
  );
}

afterEach(cleanup);

describe("ParameterForm", () => {
  it("renders a field per parameter type: radios for few options, a select for many, a checkbox for bool", () => {
    render(<Harness />);
    expect((screen.getByRole("radio", { name: "Europe" }) as HTMLInputElement).checked).toBe(true);
    expect((screen.getByRole("radio", { name: "America" }) as HTMLInputElement).checked).toBe(false);
    expect((screen.getByLabelText(/^size/) as HTMLSelectElement).value).toBe("m");
    expect(screen.getByLabelText(/^gpu/)).toHaveProperty("type", "checkbox");
    expect(document.getElementById(screen.getByLabelText(/^cpus/).getAttribute("aria-describedby")!)?.textContent).toBe("How many CPUs");
    // Region has no `mutable: true`: flagged.
    expect(document.querySelector('label[for="param-region"]')?.textContent).toContain("immutable");
    expect(document.querySelector('label[for="param-cpus"]')?.textContent).not.toContain("immutable");
    expect(document.querySelector('label[for="param-cpus"]')?.textContent).toContain("(required)");
  });

  it("shows validation messages before submitting and sends nothing", () => {
    render(<Harness />);
    fireEvent.click(screen.getByRole("button", { name: "Create" }));
    expect(screen.getByText('parameter "cpus" is required')).toBeTruthy();
    fireEvent.change(screen.getByLabelText(/^cpus/), { target: { value: "12" } });
    fireEvent.change(screen.getByLabelText(/^user_name/), { target: { value: "Bob1" } });
    fireEvent.click(screen.getByRole("button", { name: "Create" }));
    expect(screen.getByText(/must be between 1 and 8 \(got 12\)/)).toBeTruthy();
    expect(screen.getByText("letters only, not Bob1")).toBeTruthy();
    expect(screen.getByLabelText(/^cpus/).getAttribute("aria-invalid")).toBe("true");
    expect(screen.queryByRole("status")).toBeNull();
    expect(document.querySelector("output")).toBeNull();
  });

  it("sends the canonical values once every field is valid", () => {
    render(<Harness />);
    fireEvent.change(screen.getByLabelText(/^cpus/), { target: { value: "4.0" } });
    fireEvent.click(screen.getByRole("radio", { name: "America" }));
    fireEvent.click(screen.getByLabelText(/^gpu/));
    fireEvent.change(screen.getByLabelText(/^size/), { target: { value: "xl" } });
    fireEvent.click(screen.getByRole("button", { name: "Create" }));
    expect(JSON.parse(document.querySelector("output")!.textContent!)).toEqual({ region: "us", cpus: "4", user_name: "dev", gpu: "true", size: "xl" });
    expect(screen.queryAllByRole("alert")).toEqual([]);
  });

  it("locks immutable parameters of an existing workspace", () => {
    render(<Harness lockImmutable previous={{ region: "us", cpus: "2", user_name: "dev", gpu: "false", size: "s" }} />);
    expect((screen.getByRole("radio", { name: "America" }) as HTMLInputElement).checked).toBe(true);
    expect((screen.getByRole("radio", { name: "Europe" }) as HTMLInputElement).disabled).toBe(true);
    expect((screen.getByLabelText(/^cpus/) as HTMLInputElement).disabled).toBe(false);
    fireEvent.change(screen.getByLabelText(/^cpus/), { target: { value: "3" } });
    fireEvent.click(screen.getByRole("button", { name: "Create" }));
    expect(JSON.parse(document.querySelector("output")!.textContent!)).toMatchObject({ region: "us", cpus: "3" });
  });
});
