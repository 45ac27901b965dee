import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { ProvisionerJobLog } from "../../../src/sdk/schemas/provisionerJobs.js";
import { LogView } from "./LogView.tsx";

let nextId = 1;
function line(output: string, stage = "Starting", level: ProvisionerJobLog["level"] = "info", at = "2026-01-01T00:00:00.000Z"): ProvisionerJobLog {
  return { id: nextId++, created_at: at, stage, level, output };
}

afterEach(cleanup);

describe("LogView", () => {
  it("shows markup in log text as text, never as HTML", () => {
    const { container } = render(<LogView logs={[line('<img src=x onerror="window.pwned=1"><script>alert(1)</script>'), line("<b>bold?</b> &amp;")]} />);
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("script")).toBeNull();
    expect(container.querySelector("b")).toBeNull();
    expect(screen.getByText('<img src=x onerror="window.pwned=1"><script>alert(1)</script>')).toBeTruthy();
    expect(screen.getByText("<b>bold?</b> &amp;")).toBeTruthy();
  });

  it("renders ANSI colours as spans and drops other escape sequences", () => {
    const { container } = render(<LogView logs={[line("plain \u001b[31mred\u001b[0m \u001b[1;32mgreen bold\u001b[39;22m back\u001b[2K\u001b]0;title\u0007 end")]} />);
    const red = container.querySelector("span.ansi-31");
    expect(red?.textContent).toBe("red");
    const green = container.querySelector("span.ansi-32.ansi-bold");
    expect(green?.textContent).toBe("green bold");
    const text = container.querySelector(".line")!.textContent!;
    expect(text).toBe("plain red green bold back end");
    expect(text).not.toMatch(/\u001b/);
  });

  it("groups lines by stage with their duration and marks failed stages and error lines", () => {
    const { container } = render(
      <LogView
        logs={[
          line("setting up", "Setting up", "info", "2026-01-01T00:00:00.000Z"),
          line("done", "Setting up", "info", "2026-01-01T00:00:01.500Z"),
          line("boom", "Starting box", "error", "2026-01-01T00:00:02.000Z"),
        ]}
      />,
    );
    const stages = container.querySelectorAll(".stage");
    expect(stages).toHaveLength(2);
    expect(stages[0]!.querySelector("h4")!.textContent).toBe("Setting up1.5 s");
    expect(stages[1]!.classList.contains("stage-failed")).toBe(true);
    expect(stages[1]!.querySelector(".level-error")!.textContent).toBe("boom");
  });

  it("says so when there is no log yet", () => {
    render(<LogView logs={[]} />);
    expect(screen.getByText("No log lines yet.")).toBeTruthy();
  });
});
