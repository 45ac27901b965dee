-- The agents of a page of workspaces are read by build (getAgentsOfBuilds);
-- without this index each listing scanned every agent row (bench/scale.ts:
-- a sequential scan that grew with thousands of agents and their dead rows).
CREATE INDEX workspace_agents_build ON workspace_agents (build_id);
