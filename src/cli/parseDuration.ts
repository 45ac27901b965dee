const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * Parses a duration as people type it on the command line — "30d", "12h",
 * "1h30m", "90s" — into whole seconds, the unit the API uses. Throws an
 * Error whose message says what is accepted.
 */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  const parts = /^(?:\d+[smhdw])+$/.test(trimmed) ? trimmed.match(/\d+[smhdw]/g) : null;
  if (!parts) {
    throw new Error(`"${text}" is not a duration: use a number and a unit (s, m, h, d or w), e.g. 30d, 12h or 1h30m`);
  }
  let seconds = 0;
  for (const part of parts) seconds += Number(part.slice(0, -1)) * UNIT_SECONDS[part.slice(-1)]!;
  if (!Number.isSafeInteger(seconds)) throw new Error(`"${text}" is too long a duration`);
  return seconds;
}

/** The inverse for messages: 2592000 → "30d", 5400 → "1h30m". */
export function formatDuration(seconds: number): string {
  if (seconds <= 0) return "0s";
  let rest = Math.floor(seconds);
  let out = "";
  for (const unit of ["d", "h", "m", "s"]) {
    const size = UNIT_SECONDS[unit]!;
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}
