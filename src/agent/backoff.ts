/** Exponential back-off settings: the ceiling doubles from `baseMs` up to `maxMs`. */
export type Backoff = { baseMs: number; maxMs: number };

export const defaultBackoff: Backoff = { baseMs: 250, maxMs: 30_000 };

/**
 * The wait before reconnection attempt `attempt` (0 for the first retry),
 * with "full jitter": a uniform pick between 0 and the exponential ceiling.
 * Jitter keeps a fleet of agents that lost the same server from all dialling
 * back in the same instant when it returns.
 */
export function backoffDelay(attempt: number, backoff: Backoff = defaultBackoff, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
