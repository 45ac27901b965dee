import type { Workspace, WorkspaceAgent } from "../../../src/sdk/schemas/workspaces.js";

const NOW = "2025-01-01T00:00:00.000Z";

/** A connected agent `main` with no apps, for component tests. */
export function testAgent(overrides: Partial<WorkspaceAgent> = {}): WorkspaceAgent {
  return {
    id: "00000000-0000-4000-8000-00000000a9e1",
    name: "main",
    resource_name: "box",
    status: "connected",
    lifecycle_state: "ready",
    created_at: NOW,
    first_connected_at: NOW,
    last_connected_at: NOW,
    lifecycle_detail: "",
    directory: "/home/alice",
    metadata: [],
    apps: [],
    ...overrides,
  };
}

/** alice's running workspace `dev` with the given agents, for component tests. */
export function testWorkspace(overrides: Partial<Workspace> = {}): Workspace {
  const id = "00000000-0000-4000-8000-0000000000d1";
  const ownerId = "00000000-0000-4000-8000-0000000000a1";
  return {
    id,
    name: "dev",
    owner_id: ownerId,
    owner_name: "alice",
    organization_id: "00000000-0000-4000-8000-0000000000e1",
    template_id: "00000000-0000-4000-8000-0000000000f1",
    template_name: "apps",
    template_display_name: "Apps",
    template_icon: "",
    template_active_version_id: null,
    created_at: NOW,
    updated_at: NOW,
    last_used_at: NOW,
    deleted: false,
    status: "running",
    outdated: false,
    latest_build: {
      id: "00000000-0000-4000-8000-0000000000b1",
      workspace_id: id,
      workspace_name: "dev",
      workspace_owner_id: ownerId,
      workspace_owner_name: "alice",
      build_number: 1,
      transition: "start",
      status: "running",
      template_version_id: "00000000-0000-4000-8000-0000000000c1",
      template_version_name: "v1",
      initiator_id: ownerId,
      initiator_name: "alice",
      created_at: NOW,
      updated_at: NOW,
      job: { id: "00000000-0000-4000-8000-0000000000c2", type: "workspace_build", status: "succeeded", error: null, created_at: NOW, started_at: NOW, completed_at: NOW, worker_id: null },
      resources: [],
      parameters: [],
    },
    agents: [testAgent()],
    ...overrides,
  };
}
