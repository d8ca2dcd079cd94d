import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dueGroup, type DueGroup } from '../static-web/src/due-groups.js';

const zone = 'America/New_York';

describe('where an open checklist stands on Today', () => {
  // Thursday 2026-12-10, 09:00 in Boston.
  const now = new Date('2026-12-10T14:00:00Z');
  const cases: [string, string, DueGroup][] = [
    ['a daily due at midnight tonight', '2026-12-11T05:00:00Z', 'today'],
    ['a daily due at 17:00 today', '2026-12-10T22:00:00Z', 'today'],
    ['a weekly due at the end of Sunday', '2026-12-14T05:00:00Z', 'week'],
    ['a checklist due on Monday', '2026-12-15T05:00:00Z', 'month'],
    ['a monthly due at the end of December', '2027-01-01T05:00:00Z', 'month'],
    ['a quarterly due at the end of next March', '2027-04-01T04:00:00Z', 'later'],
  ];
  it.each(cases)('%s', (_, dueEnd, group) => {
    expect(dueGroup(dueEnd, zone, now)).toBe(group);
  });

  it('places a quarterly due in June, seen in May, later this year', () => {
    expect(dueGroup('2027-07-01T04:00:00Z', zone, new Date('2027-05-10T14:00:00Z'))).toBe('year');
  });

  it('judges the day in the lab, not in the browser or in UTC', () => {
    // 23:30 in Boston on Sunday the 13th is already Monday in UTC and in Tokyo.
    const lateSunday = new Date('2026-12-14T04:30:00Z');
    expect(dueGroup('2026-12-14T05:00:00Z', zone, lateSunday)).toBe('today');
    expect(dueGroup('2026-12-15T05:00:00Z', zone, lateSunday)).toBe('month');
    // In a Tokyo lab it is Monday afternoon: a checklist due before Monday's midnight there is today's.
    expect(dueGroup('2026-12-14T14:59:00Z', 'Asia/Tokyo', lateSunday)).toBe('today');
    expect(dueGroup('2026-12-15T05:00:00Z', 'Asia/Tokyo', lateSunday)).toBe('week');
  });

  it('never places a later due time in an earlier group', () => {
    const order: DueGroup[] = ['today', 'week', 'month', 'year', 'later'];
    const instant = fc.integer({ min: Date.parse('2020-01-01'), max: Date.parse('2035-01-01') });
    fc.assert(
      fc.property(instant, instant, instant, fc.constantFrom('America/New_York', 'Asia/Tokyo', 'Pacific/Auckland', 'UTC'), (now, first, second, timeZone) => {
        const [sooner, later] = first <= second ? [first, second] : [second, first];
        const at = new Date(now);
        expect(order.indexOf(dueGroup(new Date(sooner).toISOString(), timeZone, at))).toBeLessThanOrEqual(
          order.indexOf(dueGroup(new Date(later).toISOString(), timeZone, at)),
        );
      }),
      { numRuns: 2_000 },
    );
  });
});
