import { describe, expect, it } from "vitest";
import { CronError, parseCron } from "./cron.js";

/** Local time, as the schedule is evaluated in the agent's time zone. */
const at = (y: number, mo: number, d: number, h: number, mi: number) => new Date(y, mo - 1, d, h, mi);

describe("parseCron", () => {
  it("matches every minute with five stars", () => {
    const cron = parseCron("* * * * *");
    expect(cron.matches(at(2025, 3, 9, 13, 37))).toBe(true);
    expect(cron.matches(at(2024, 2, 29, 0, 0))).toBe(true);
  });

  it("matches fixed minutes and hours only", () => {
    const cron = parseCron("30 2 * * *");
    expect(cron.matches(at(2025, 1, 1, 2, 30))).toBe(true);
    expect(cron.matches(at(2025, 1, 1, 2, 31))).toBe(false);
    expect(cron.matches(at(2025, 1, 1, 3, 30))).toBe(false);
  });

  it("expands steps, ranges and lists", () => {
    const cron = parseCron("*/15 9-17/4 * * *");
    expect(cron.matches(at(2025, 1, 1, 9, 0))).toBe(true);
    expect(cron.matches(at(2025, 1, 1, 13, 45))).toBe(true);
    expect(cron.matches(at(2025, 1, 1, 17, 15))).toBe(true);
    expect(cron.matches(at(2025, 1, 1, 10, 0))).toBe(false);
    expect(cron.matches(at(2025, 1, 1, 9, 10))).toBe(false);
    const list = parseCron("0,5,50-52 * * * *");
    expect([0, 5, 50, 51, 52].every((m) => list.matches(at(2025, 1, 1, 0, m)))).toBe(true);
    expect(list.matches(at(2025, 1, 1, 0, 53))).toBe(false);
  });

  it("takes a start with a step as running to the end of the field", () => {
    const cron = parseCron("10/20 * * * *");
    expect([10, 30, 50].every((m) => cron.matches(at(2025, 1, 1, 0, m)))).toBe(true);
    expect(cron.matches(at(2025, 1, 1, 0, 0))).toBe(false);
  });

  it("understands month and weekday names, and 7 as Sunday", () => {
    // 2025-03-09 is a Sunday, 2025-03-10 a Monday.
    const sunday = parseCron("0 0 * * 7");
    expect(sunday.matches(at(2025, 3, 9, 0, 0))).toBe(true);
    expect(sunday.matches(at(2025, 3, 10, 0, 0))).toBe(false);
    const named = parseCron("0 0 * MAR mon-fri");
    expect(named.matches(at(2025, 3, 10, 0, 0))).toBe(true);
    expect(named.matches(at(2025, 3, 9, 0, 0))).toBe(false);
    expect(named.matches(at(2025, 4, 7, 0, 0))).toBe(false);
  });

  it("runs on either day when both day fields are restricted (crontab(5))", () => {
    const cron = parseCron("0 0 1 * mon");
    expect(cron.matches(at(2025, 3, 1, 0, 0))).toBe(true); // the 1st, a Saturday
    expect(cron.matches(at(2025, 3, 10, 0, 0))).toBe(true); // a Monday
    expect(cron.matches(at(2025, 3, 11, 0, 0))).toBe(false);
    // With the weekday unrestricted, the day of month alone decides.
    const monthly = parseCron("0 0 1 * *");
    expect(monthly.matches(at(2025, 3, 10, 0, 0))).toBe(false);
  });

  it("accepts the shorthands", () => {
    expect(parseCron("@hourly").matches(at(2025, 1, 1, 5, 0))).toBe(true);
    expect(parseCron("@hourly").matches(at(2025, 1, 1, 5, 1))).toBe(false);
    expect(parseCron("@daily").matches(at(2025, 1, 1, 0, 0))).toBe(true);
    expect(parseCron("@weekly").matches(at(2025, 3, 9, 0, 0))).toBe(true);
  });

  it.each([
    ["* * * *", /expected 5 fields/],
    ["60 * * * *", /minute field "60": 60 is out of range 0-59/],
    ["* 24 * * *", /hour field "24"/],
    ["* * 0 * *", /day of month field "0"/],
    ["* * * 13 *", /month field "13"/],
    ["* * * * 8", /day of week field "8"/],
    ["*/0 * * * *", /minute field "\*\/0": step "0"/],
    ["5-1 * * * *", /runs backwards/],
    ["a * * * *", /"a" is not a number/],
    ["1,,2 * * * *", /malformed/],
    ["* * * * funday", /not a number or a name/],
  ])("rejects %j naming the field", (expression, message) => {
    expect(() => parseCron(expression)).toThrow(CronError);
    expect(() => parseCron(expression)).toThrow(message);
  });
});
