import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextOccurrence, parseSchedule, type Schedule } from './ncrontab.js';

function matches(schedule: Schedule, date: Date): boolean {
  const byDay = schedule.days.has(date.getUTCDate());
  const byWeekday = schedule.weekdays.has(date.getUTCDay());
  const day = schedule.dayRestricted && schedule.weekdayRestricted ? byDay || byWeekday : byDay && byWeekday;
  return (
    schedule.seconds.has(date.getUTCSeconds()) &&
    schedule.minutes.has(date.getUTCMinutes()) &&
    schedule.hours.has(date.getUTCHours()) &&
    schedule.months.has(date.getUTCMonth() + 1) &&
    day
  );
}

describe('NCRONTAB schedules', () => {
  it('finds the next run of common schedules', () => {
    const from = new Date('2026-11-22T10:17:30Z');
    expect(nextOccurrence(parseSchedule('0 0 * * * *'), from)?.toISOString()).toBe('2026-11-22T11:00:00.000Z');
    expect(nextOccurrence(parseSchedule('0 */15 * * * *'), from)?.toISOString()).toBe('2026-11-22T10:30:00.000Z');
    expect(nextOccurrence(parseSchedule('30 5 2 1 * *'), from)?.toISOString()).toBe('2026-12-01T02:05:30.000Z');
    expect(nextOccurrence(parseSchedule('0 0 9 * * Mon-Fri'), from)?.toISOString()).toBe('2026-11-23T09:00:00.000Z');
    expect(nextOccurrence(parseSchedule('0 0 0 29 Feb *'), from)?.toISOString()).toBe('2028-02-29T00:00:00.000Z');
  });

  it('rejects expressions that are not six valid fields', () => {
    expect(() => parseSchedule('0 * * * *')).toThrow(/six fields/);
    expect(() => parseSchedule('61 * * * * *')).toThrow(/second/);
    expect(() => parseSchedule('0 0 25 * * *')).toThrow(/hour/);
    expect(() => parseSchedule('0 0 0 * * */0')).toThrow(/step/);
  });

  it('always answers a matching time after the start with no matching second in between', () => {
    const field = (min: number, max: number) =>
      fc.oneof(
        fc.constant('*'),
        fc.integer({ min, max }).map(String),
        fc.integer({ min: 1, max: 7 }).map((step) => `*/${step}`),
        fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
      );
    const expression = fc
      .tuple(field(0, 59), field(0, 59), field(0, 23), fc.constant('*'), fc.constant('*'), fc.constant('*'))
      .map((fields) => fields.join(' '));
    fc.assert(
      fc.property(expression, fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }), (text, from) => {
        const schedule = parseSchedule(text);
        const next = nextOccurrence(schedule, from)!;
        expect(next.getTime()).toBeGreaterThan(from.getTime());
        expect(matches(schedule, next)).toBe(true);
        // Daily-or-finer schedules fire within a day, so every second before it can be checked.
        for (let time = Math.floor(from.getTime() / 1000) * 1000 + 1000; time < next.getTime(); time += 1000) {
          if (matches(schedule, new Date(time))) return false;
        }
        return true;
      }),
      { numRuns: 60 },
    );
  });
});
