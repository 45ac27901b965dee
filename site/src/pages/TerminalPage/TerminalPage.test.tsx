import { cleanup, screen } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router";
import { afterEach, describe, expect, it } from "vitest";
import { renderWithServer } from "../../testing/renderWithServer.tsx";
import { testAgent, testWorkspace } from "../../testing/workspaceFixture.ts";
import { TerminalPage } from "./TerminalPage.tsx";

const ws = testWorkspace({
  agents: [
    testAgent({
      apps: [
        { slug: "top", display_name: "Top", command: "htop", subdomain: false, share: "owner", hidden: false, health: "disabled" },
        { slug: "web", display_name: "Web", url: "http://localhost:8080", subdomain: false, share: "owner", hidden: false, health: "disabled" },
      ],
    }),
  ],
});

function renderTerminal(path: string) {
  const router = createMemoryRouter([{ path: "/:user/:target/terminal", element: <TerminalPage /> }], { initialEntries: [path] });
  return renderWithServer(<RouterProvider router={router} />, (req) =>
    req.url.pathname === "/api/v2/users/alice/workspace/dev" ? { status: 200, body: ws } : { status: 404, body: { message: "Not found." } },
  );
}

afterEach(cleanup);

describe("TerminalPage with ?app=", () => {
  // Only commands the template declares run: the URL names an app, never a command.
  for (const slug of ["web", "nope"]) {
    it(`refuses ${slug}, which is not a command app of the agent`, async () => {
      renderTerminal(`/@alice/dev.main/terminal?app=${slug}`);
      expect((await screen.findByText(/has no command app/)).textContent).toContain(`Agent main has no command app "${slug}".`);
      expect(document.querySelector("[data-testid=terminal]")).toBeNull();
    });
  }
});
