import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frequencies } from '../schemas/catalog.js';
import { dayOf, formatDay, isoWeekday, localDay, nextPeriodStart, parseDay, periodAt, periodStartOf, periodsBetween, startOfDay } from './periods.js';

const zones = ['UTC', 'Europe/Berlin', 'America/Chicago', 'Pacific/Auckland', 'Asia/Kolkata', 'America/Santiago', 'Australia/Lord_Howe', 'Pacific/Honolulu'];
const day = (text: string) => parseDay(text);

describe('lab-local days', () => {
  it('Auckland and UTC labs are on different dates at the same instant', () => {
    const instant = new Date('2026-06-30T13:00:00Z');
    expect(formatDay(localDay(instant, 'UTC'))).toBe('2026-06-30');
    expect(formatDay(localDay(instant, 'Pacific/Auckland'))).toBe('2026-07-01');
    // So the Auckland lab is already in the third quarter while the UTC lab is still in the second.
    expect(formatDay(periodStartOf('Quarterly', localDay(instant, 'Pacific/Auckland')))).toBe('2026-07-01');
    expect(formatDay(periodStartOf('Quarterly', localDay(instant, 'UTC')))).toBe('2026-04-01');
  });

  it('starts days at local midnight across daylight-saving changes in Berlin and Chicago', () => {
    expect(startOfDay(day('2026-03-29'), 'Europe/Berlin').toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(startOfDay(day('2026-03-30'), 'Europe/Berlin').toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect(startOfDay(day('2026-10-25'), 'Europe/Berlin').toISOString()).toBe('2026-10-24T22:00:00.000Z');
    expect(startOfDay(day('2026-10-26'), 'Europe/Berlin').toISOString()).toBe('2026-10-25T23:00:00.000Z');
    expect(startOfDay(day('2026-03-08'), 'America/Chicago').toISOString()).toBe('2026-03-08T06:00:00.000Z');
    expect(startOfDay(day('2026-03-09'), 'America/Chicago').toISOString()).toBe('2026-03-09T05:00:00.000Z');
    expect(startOfDay(day('2026-11-01'), 'America/Chicago').toISOString()).toBe('2026-11-01T05:00:00.000Z');
    expect(startOfDay(day('2026-11-02'), 'America/Chicago').toISOString()).toBe('2026-11-02T06:00:00.000Z');
    // The 23- and 25-hour days are whole daily periods.
    const spring = periodAt('Daily', day('2026-03-29'), 'Europe/Berlin');
    expect(spring.dueEnd.getTime() - startOfDay(day('2026-03-29'), 'Europe/Berlin').getTime()).toBe(23 * 3_600_000);
    const autumn = periodAt('Daily', day('2026-11-01'), 'America/Chicago');
    expect(autumn.dueEnd.getTime() - startOfDay(day('2026-11-01'), 'America/Chicago').getTime()).toBe(25 * 3_600_000);
  });

  it('starts a day at its first instant where the clock skips midnight (Santiago)', () => {
    // Chile moves clocks from 00:00 to 01:00 on the first Sunday of September.
    const start = startOfDay(day('2026-09-06'), 'America/Santiago');
    expect(formatDay(localDay(start, 'America/Santiago'))).toBe('2026-09-06');
    expect(formatDay(localDay(new Date(start.getTime() - 1000), 'America/Santiago'))).toBe('2026-09-05');
  });

  it('every instant lies in its local day, in every zone', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }), fc.constantFrom(...zones), (ms, zone) => {
        const instant = new Date(ms);
        const today = localDay(instant, zone);
        expect(startOfDay(today, zone).getTime()).toBeLessThanOrEqual(ms);
        expect(startOfDay(today + 1, zone).getTime()).toBeGreaterThan(ms);
      }),
    );
  });
});

describe('periods', () => {
  it('uses ISO weeks from Monday, including week 53 of 2026', () => {
    expect(isoWeekday(day('2026-11-23'))).toBe(1);
    expect(formatDay(periodStartOf('Weekly', day('2026-11-29')))).toBe('2026-11-23');
    // 2026 starts on a Thursday, so it has 53 ISO weeks: the last runs Monday 28 December to Sunday 3 January.
    expect(formatDay(periodStartOf('Weekly', day('2027-01-03')))).toBe('2026-12-28');
    expect(formatDay(periodStartOf('Weekly', day('2026-12-31')))).toBe('2026-12-28');
    expect(formatDay(nextPeriodStart('Weekly', day('2026-12-28')))).toBe('2027-01-04');
  });

  it('handles 29 February, month, quarter and year ends', () => {
    expect(formatDay(periodStartOf('Monthly', day('2028-02-29')))).toBe('2028-02-01');
    expect(formatDay(nextPeriodStart('Monthly', day('2028-02-01')))).toBe('2028-03-01');
    expect(formatDay(nextPeriodStart('Daily', day('2028-02-28')))).toBe('2028-02-29');
    expect(formatDay(periodStartOf('Quarterly', day('2026-09-30')))).toBe('2026-07-01');
    expect(formatDay(periodStartOf('Quarterly', day('2026-10-01')))).toBe('2026-10-01');
    expect(formatDay(nextPeriodStart('Quarterly', day('2026-10-01')))).toBe('2027-01-01');
    expect(formatDay(periodStartOf('Annual', day('2026-12-31')))).toBe('2026-01-01');
    expect(formatDay(nextPeriodStart('Annual', day('2026-01-01')))).toBe('2027-01-01');
  });

  it('shortens the due window when configured (Monday to Wednesday, 1st to 10th)', () => {
    const weekly = periodAt('Weekly', day('2026-11-23'), 'America/New_York', { Weekly: 3 });
    expect(weekly.dueEnd.toISOString()).toBe('2026-11-26T05:00:00.000Z');
    const monthly = periodAt('Monthly', day('2026-11-01'), 'UTC', { Monthly: 10 });
    expect(monthly.dueEnd.toISOString()).toBe('2026-11-11T00:00:00.000Z');
    const longer = periodAt('Weekly', day('2026-11-23'), 'UTC', { Weekly: 30 });
    expect(longer.dueEnd.toISOString()).toBe('2026-11-30T00:00:00.000Z');
  });

  it('cuts every range of days into contiguous periods, each day in exactly one', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...frequencies),
        fc.integer({ min: dayOf(2020, 1, 1), max: dayOf(2035, 1, 1) }),
        fc.integer({ min: 0, max: 800 }),
        fc.constantFrom(...zones),
        (frequency, from, length, zone) => {
          const periods = periodsBetween(frequency, from, from + length, zone);
          expect(periods[0]!.start).toBeLessThanOrEqual(from);
          for (let i = 1; i < periods.length; i++) expect(periods[i]!.start).toBe(nextPeriodStart(frequency, periods[i - 1]!.start));
          const last = periods.at(-1)!;
          expect(last.start).toBeLessThanOrEqual(from + length);
          expect(nextPeriodStart(frequency, last.start)).toBeGreaterThan(from + length);
          for (const period of periods) {
            expect(periodStartOf(frequency, period.start)).toBe(period.start);
            expect(period.dueEnd.getTime()).toBe(startOfDay(nextPeriodStart(frequency, period.start), zone).getTime());
          }
        },
      ),
    );
  });
});
