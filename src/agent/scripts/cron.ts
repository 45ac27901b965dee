/**
 * A five-field cron schedule (minute hour day-of-month month day-of-week), as
 * in crontab(5): `*`, numbers, ranges `a-b`, steps `*\/n` and `a-b/n`, lists
 * `a,b`, month and weekday names, 7 for Sunday, and the @hourly/@daily/
 * @weekly/@monthly/@yearly shorthands. Times are the agent's local time.
 */
export type CronSchedule = {
  expression: string;
  matches(date: Date): boolean;
};

type Field = { name: string; min: number; max: number; names?: string[] };

const FIELDS: Field[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] },
  // 7 is accepted as Sunday as well as 0 (crontab(5)).
  { name: "day of week", min: 0, max: 7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
];

const SHORTHANDS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

export class CronError extends Error {
  override name = "CronError";
}

/** Parses `expression`; throws a CronError naming the field at fault. */
export function parseCron(expression: string): CronSchedule {
  const trimmed = expression.trim();
  const expanded = SHORTHANDS[trimmed.toLowerCase()] ?? trimmed;
  const parts = expanded.split(/\s+/).filter(Boolean);
  if (parts.length !== 5) {
    throw new CronError(`cron ${JSON.stringify(expression)}: expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`);
  }
  const sets = parts.map((part, i) => parseField(expression, part, FIELDS[i]!));
  const [minutes, hours, days, months, weekdays] = sets as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  if (weekdays.has(7)) weekdays.add(0);
  // crontab(5): when both day fields are restricted, a day matching either one runs.
  const dayRestricted = parts[2] !== "*" && !parts[2]!.startsWith("*/");
  const weekdayRestricted = parts[4] !== "*" && !parts[4]!.startsWith("*/");
  return {
    expression,
    matches(date: Date): boolean {
      if (!minutes.has(date.getMinutes()) || !hours.has(date.getHours()) || !months.has(date.getMonth() + 1)) return false;
      const dayOk = days.has(date.getDate());
      const weekdayOk = weekdays.has(date.getDay());
      if (dayRestricted && weekdayRestricted) return dayOk || weekdayOk;
      return dayOk && weekdayOk;
    },
  };
}

function parseField(expression: string, text: string, field: Field): Set<number> {
  const fail = (why: string) => new CronError(`cron ${JSON.stringify(expression)}: ${field.name} field ${JSON.stringify(text)}: ${why}`);
  const values = new Set<number>();
  for (const item of text.split(",")) {
    const [rangeText, stepText, extra] = item.split("/");
    if (extra !== undefined || rangeText === undefined || rangeText === "") throw fail("malformed");
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) throw fail(`step ${JSON.stringify(stepText)} must be a whole number from 1`);
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (rangeText === "*") {
      from = field.min;
      to = field.name === "day of week" ? 6 : field.max;
    } else {
      const [a, b, more] = rangeText.split("-");
      if (more !== undefined || a === undefined) throw fail("malformed range");
      from = parseValue(a, field, fail);
      to = b === undefined ? (stepText !== undefined ? field.max : from) : parseValue(b, field, fail);
      if (from > to) throw fail(`range ${from}-${to} runs backwards`);
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

function parseValue(text: string, field: Field, fail: (why: string) => Error): number {
  const named = field.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return field.name === "month" ? named + 1 : named;
  if (!/^\d+$/.test(text)) throw fail(`${JSON.stringify(text)} is not a number${field.names ? " or a name" : ""}`);
  const value = Number(text);
  if (value < field.min || value > field.max) throw fail(`${value} is out of range ${field.min}-${field.max}`);
  return value;
}
