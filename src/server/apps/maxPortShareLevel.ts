import { PortShareLevel } from "../../sdk/schemas/portShares.js";

const RANK: Record<PortShareLevel, number> = { owner: 0, authenticated: 1, public: 2 };

/**
 * The highest level a template lets its workspaces' ports be shared at, from
 * a stored den.yaml spec. A spec without the key (or without a spec at all)
 * means "owner": sharing is something a template opts into.
 */
export function maxPortShareLevel(spec: unknown): PortShareLevel {
  const value = spec !== null && typeof spec === "object" ? (spec as Record<string, unknown>).max_port_share_level : undefined;
  const parsed = PortShareLevel.safeParse(value);
  return parsed.success ? parsed.data : "owner";
}

/** Whether `level` opens a port to more people than `max` allows. */
export function exceedsPortShareLevel(level: PortShareLevel, max: PortShareLevel): boolean {
  return RANK[level] > RANK[max];
}

/** The level a share is honoured at: lowered to the template's maximum when the template has been tightened since. */
export function capPortShareLevel(level: PortShareLevel, max: PortShareLevel): PortShareLevel {
  return exceedsPortShareLevel(level, max) ? max : level;
}
