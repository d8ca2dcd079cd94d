import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { UsageSchedule } from '../schemas/catalog.js';
import type { ReadingReason, StoredMeter, UsageOpening } from '../schemas/meters.js';
import { nextDueDate } from './calibration-rules.js';
import {
  afterReading,
  calendarDueDay,
  confirmOpenings,
  firstUsageState,
  newMeter,
  readingProblem,
  thresholdRecordId,
  thresholdsPassed,
  usageCauseWords,
  usageFollowUp,
  usageRecordId,
} from './meters.js';
import { formatDay, parseDay } from './periods.js';

const schedule = (scheduleId: string, every: number, units?: number): UsageSchedule => ({
  scheduleId,
  meter: 'Spindle hours',
  every,
  dueWithin: units === undefined ? { days: 14 } : { units },
  tasks: [{ taskId: 'T1', text: 'Service the spindle', kind: 'check' }],
});

describe('meters (SPEC §15)', () => {
  it('URS-140 counts from the first reading, and a lower reading needs a reason and starts a new count', () => {
    const start = newMeter('M1', 'Spindle hours', 'h', '2026-01-01T00:00:00.000Z');
    const first = afterReading(start, 1200, 'a');
    expect(first).toMatchObject({ value: 1200, total: 0, readings: 1 });
    const second = afterReading(first, 1450, 'b');
    expect(second.total).toBe(250);
    expect(readingProblem(second, 10, undefined)).toBe(
      'Value 10 is lower than the last reading of Spindle hours (1450 h): give the reason replaced or reset to start a new count.',
    );
    expect(readingProblem(second, 10, 'replaced')).toBeNull();
    const replaced = afterReading(second, 10, 'c');
    expect(replaced).toMatchObject({ value: 10, total: 260, readings: 3 });
  });

  it('names each threshold passed once, and the records whose units window a reading passed', () => {
    expect(thresholdsPassed(0, 499.9, 500)).toEqual([]);
    expect(thresholdsPassed(0, 500, 500)).toEqual([500]);
    expect(thresholdsPassed(500, 1600, 500)).toEqual([1000, 1500]);
    const move = (before: number, after: number) => ({ before, after, today: '2026-03-01', at: 'now' });
    const start = { ...newMeter('M1', 'Spindle hours', 'h', 'a'), value: 0, total: 480 };
    const first = usageFollowUp('mill-1', start, [schedule('U1', 500, 50)], move(480, 540));
    expect(first.opens.map(({ opening }) => [opening.id, opening.total, opening.cause])).toEqual([[usageRecordId('mill-1', 'M1', 'U1', 1), 500, 'units']]);
    expect(first.missIds).toEqual([]);
    const later = usageFollowUp('mill-1', first.meter, [schedule('U1', 500, 50)], move(540, 600));
    expect(later.opens).toEqual([]);
    expect(later.missIds).toEqual([usageRecordId('mill-1', 'M1', 'U1', 1)]);
    // A jump over a threshold and its window at once opens the record already past its window.
    const jump = usageFollowUp('mill-1', start, [schedule('U1', 500, 50)], move(480, 600));
    expect(jump.opens.map(({ opening }) => opening.id)).toEqual(jump.missIds);
  });

  it('URS-144 counts a meter on from the records opened by threshold before, watching those still inside their window', () => {
    // 1,030 h counted the earlier way opened the records at 500 and 1,000; the one at 1,000 is due by 1,050.
    const state = firstUsageState('mill-1', 'M1', schedule('U1', 500, 50), 1030, '2026-03-01');
    expect(state).toMatchObject({ opened: 2, sinceTotal: 1000, watching: [{ id: thresholdRecordId('mill-1', 'M1', 'U1', 1000), dueAtTotal: 1050 }] });
    const meter = { ...newMeter('M1', 'Spindle hours', 'h', 'a'), value: 1030, total: 1030 };
    const moved = usageFollowUp('mill-1', meter, [schedule('U1', 500, 50)], { before: 1030, after: 1510, today: '2026-03-02', at: 'now' });
    expect(moved.missIds).toEqual([thresholdRecordId('mill-1', 'M1', 'U1', 1000)]);
    expect(moved.opens.map(({ opening }) => [opening.occurrence, opening.total])).toEqual([[3, 1500]]);
  });

  it('URS-144 whichever comes first: the months open a record at the meter as it stands, and the count restarts from each opening', () => {
    const spindle = { ...schedule('U1', 500), orEveryMonths: 6 };
    const meter = { ...newMeter('M1', 'Spindle hours', 'h', 'a'), value: 0, total: 0 };
    const started = usageFollowUp('mill-1', meter, [spindle], { before: 0, after: 100, today: '2026-01-31', at: 'a' });
    expect(started.opens).toEqual([]);
    expect(calendarDueDay(started.meter.usage![0]!, spindle)).toBe('2026-07-31');
    const early = usageFollowUp('mill-1', started.meter, [spindle], { before: 100, after: 100, today: '2026-07-30', at: 'b' });
    expect(early.opens).toEqual([]);
    const byMonths = usageFollowUp('mill-1', early.meter, [spindle], { before: 100, after: 100, today: '2026-07-31', at: 'c' });
    expect(byMonths.opens.map(({ opening }) => [opening.occurrence, opening.cause, opening.total, opening.day])).toEqual([[1, 'calendar', 100, '2026-07-31']]);
    // Counted from 100 h on 31 July: 599 h opens nothing, 600 h opens the next by units.
    const notYet = usageFollowUp('mill-1', byMonths.meter, [spindle], { before: 100, after: 599, today: '2026-08-10', at: 'd' });
    expect(notYet.opens).toEqual([]);
    const byUnits = usageFollowUp('mill-1', notYet.meter, [spindle], { before: 599, after: 600, today: '2026-08-11', at: 'e' });
    expect(byUnits.opens.map(({ opening }) => [opening.occurrence, opening.cause, opening.total])).toEqual([[2, 'units', 600]]);
    expect(calendarDueDay(byUnits.meter.usage![0]!, spindle)).toBe('2027-02-11');
    expect(usageCauseWords({ cause: 'calendar', threshold: 100, unit: 'h', months: 6 })).toBe('6 months since the last service');
    expect(usageCauseWords({ cause: 'units', threshold: 600, unit: 'h' })).toBe('passed 600 h');
  });

  /**
   * A model of the store: the machine replaced on its version (ETag), usage records created only if
   * absent. Readings and lab runs interleave as the scheduler picks: a reading reads the machine,
   * writes it if no one overtook it (else reads again), then creates the records of its openings,
   * unless it crashes there. A lab run reads which unconfirmed openings are stored, then changes the
   * machine the same way (dropping those, opening what the months call for) and creates every
   * opening still unconfirmed. The records stored must be, none twice, the openings computed by a
   * plain walk over the machine writes in the order they happened, unit by unit.
   */
  it('URS-141 URS-145 opens each record due by units or by months once, whatever readings and lab runs arrive together, reset, out of order or lost', () => {
    const firstDay = parseDay('2026-01-01');
    const event = fc.oneof(
      fc.record({
        kind: fc.constant<'reading'>('reading'),
        value: fc.integer({ min: 0, max: 3_000 }),
        reason: fc.option(fc.constantFrom<ReadingReason>('replaced', 'reset'), { nil: undefined }),
        crashes: fc.boolean(),
        day: fc.integer({ min: 0, max: 720 }),
      }),
      fc.record({ kind: fc.constant<'run'>('run'), day: fc.integer({ min: 0, max: 720 }) }),
    );
    fc.assert(
      fc.property(
        fc.array(event, { minLength: 1, maxLength: 14 }),
        fc.array(fc.nat(), { minLength: 0, maxLength: 200 }),
        fc.integer({ min: 200, max: 700 }),
        fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
        (arrivals, picks, every, months) => {
          // Arrivals come in the order of their days; the scheduler still lets a later one write first.
          const events = [...arrivals.sort((a, b) => a.day - b.day), { kind: 'run' as const, day: 721 }];
          const schedules = [schedule('U1', every), { ...schedule('U2', every * 2), ...(months === undefined ? {} : { orEveryMonths: months }) }];
          const store = {
            version: 0,
            meter: newMeter('M1', 'Spindle hours', 'h', 'x') as StoredMeter,
            records: new Map<string, { count: number; opening: UsageOpening }>(),
          };
          const written: { before: number; after: number; day: string }[] = [];
          type Worker = { step: 'stored' | 'read' | 'write' | 'open' | 'done'; seen?: number; storedIds?: Set<string>; pending: UsageOpening[] };
          const workers: Worker[] = events.map((each) => ({ step: each.kind === 'run' ? 'stored' : 'read', pending: [] }));
          const unconfirmed = (meter: StoredMeter) => (meter.usage ?? []).flatMap((state) => state.unconfirmed);
          const create = (openings: UsageOpening[]) => {
            for (const opening of openings) {
              const found = store.records.get(opening.id);
              // Created only if absent: a second create of the id fails and writes nothing, which is
              // right only if it meant the same record; one that meant another would be lost.
              if (!found) store.records.set(opening.id, { count: 1, opening });
              else if (JSON.stringify(found.opening) !== JSON.stringify(opening)) found.count += 1;
            }
          };
          const advance = (index: number) => {
            const worker = workers[index]!;
            const happening = events[index]!;
            const today = formatDay(firstDay + happening.day);
            if (worker.step === 'stored') {
              worker.storedIds = new Set(
                unconfirmed(store.meter)
                  .filter((opening) => store.records.has(opening.id))
                  .map((opening) => opening.id),
              );
              worker.step = 'read';
            } else if (worker.step === 'read') {
              worker.seen = store.version;
              worker.step = 'write';
            } else if (worker.step === 'write') {
              if (store.version !== worker.seen) {
                worker.step = 'read';
                return;
              }
              const before = store.meter;
              if (happening.kind === 'reading') {
                if (readingProblem(before, happening.value, happening.reason) !== null) {
                  worker.step = 'done';
                  return;
                }
                const read = afterReading(before, happening.value, 'now');
                const followed = usageFollowUp('mill-1', read, schedules, { before: before.total, after: read.total, today, at: 'now' });
                store.meter = followed.meter;
                worker.pending = happening.crashes ? [] : followed.opens.map(({ opening }) => opening);
              } else {
                const confirmed = confirmOpenings(before, worker.storedIds!);
                store.meter = usageFollowUp('mill-1', confirmed, schedules, { before: confirmed.total, after: confirmed.total, today, at: 'now' }).meter;
                worker.pending = unconfirmed(store.meter);
              }
              store.version += 1;
              written.push({ before: before.total, after: store.meter.total, day: today });
              worker.step = 'open';
            } else if (worker.step === 'open') {
              create(worker.pending);
              worker.step = 'done';
            }
          };
          for (const pick of picks) {
            const waiting = workers
              .slice(0, -1)
              .map((worker, index) => [worker, index] as const)
              .filter(([worker]) => worker.step !== 'done');
            if (waiting.length === 0) break;
            advance(waiting[pick % waiting.length]![1]);
          }
          // Whatever the scheduler left undone runs to the end, in order; the last lab run comes last.
          for (let index = 0; index < workers.length; index++) while (workers[index]!.step !== 'done') advance(index);

          for (const each of schedules) {
            // The plain walk: each write moves the meter from `before` to `after` on its day.
            let count = 0;
            let sinceTotal: number | null = null;
            let sinceDay = '';
            const expected: [number, string, number][] = [];
            for (const { before, after, day } of written) {
              if (sinceTotal === null) {
                sinceTotal = 0;
                sinceDay = day;
              }
              if (each.orEveryMonths !== undefined && day >= nextDueDate(sinceDay, { months: each.orEveryMonths })) {
                expected.push([++count, 'calendar', before]);
                [sinceTotal, sinceDay] = [before, day];
              }
              for (let unit = before + 1; unit <= after; unit++) {
                if (unit - sinceTotal >= each.every) {
                  expected.push([++count, 'units', unit]);
                  [sinceTotal, sinceDay] = [unit, day];
                }
              }
            }
            const stored = [...store.records.values()]
              .filter(({ opening }) => opening.id.includes(`|${each.scheduleId}|`))
              .map(({ opening }): [number, string, number] => [opening.occurrence, opening.cause, opening.total])
              .sort((a, b) => a[0] - b[0]);
            expect(stored).toEqual(expected);
          }
          expect([...store.records.values()].every(({ count }) => count === 1)).toBe(true);
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
