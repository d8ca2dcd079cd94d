import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { UsageSchedule } from '../schemas/catalog.js';
import type { Meter, ReadingReason } from '../schemas/meters.js';
import { afterReading, newMeter, readingProblem, thresholdsPassed, usageFollowUp, usageRecordId } from './meters.js';

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
    const before = { ...newMeter('M1', 'Spindle hours', 'h', 'a'), value: 0, total: 480 };
    const after = { ...before, value: 540, total: 540 };
    const { opens, missIds } = usageFollowUp('mill-1', before, after, [schedule('U1', 500, 50)]);
    expect(opens.map((open) => open.id)).toEqual([usageRecordId('mill-1', 'M1', 'U1', 500)]);
    expect(missIds).toEqual([]);
    const later = usageFollowUp('mill-1', after, { ...after, value: 600, total: 600 }, [schedule('U1', 500, 50)]);
    expect(later.opens).toEqual([]);
    expect(later.missIds).toEqual([usageRecordId('mill-1', 'M1', 'U1', 500)]);
    // A jump over a threshold and its window at once opens the record already Missed.
    const jump = usageFollowUp('mill-1', before, { ...before, value: 600, total: 600 }, [schedule('U1', 500, 50)]);
    expect(jump.opens.map((open) => open.id)).toEqual(jump.missIds);
  });

  /**
   * A model of the store: the machine replaced on its version (ETag), usage records created only if
   * absent (their ids deterministic). Concurrent readings interleave as the scheduler picks: each
   * reads the machine, writes it if no one overtook it (else reads again), then creates the records
   * its own move of the total calls for.
   */
  it('URS-141 opens one record per threshold crossed, none twice, whatever readings arrive together, reset or out of order', () => {
    const reading = fc.record({
      value: fc.integer({ min: 0, max: 3_000 }),
      reason: fc.option(fc.constantFrom<ReadingReason>('replaced', 'reset'), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(reading, { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { minLength: 0, maxLength: 200 }),
        fc.integer({ min: 50, max: 700 }),
        (readings, picks, every) => {
          const schedules = [schedule('U1', every), schedule('U2', every * 3)];
          const store = { version: 0, meter: newMeter('M1', 'Spindle hours', 'h', 'x') as Meter, records: new Map<string, number>() };
          type Worker = { step: 'read' | 'write' | 'open' | 'done'; seen?: { version: number; meter: Meter }; pending: string[] };
          const workers: Worker[] = readings.map(() => ({ step: 'read', pending: [] }));
          const advance = (index: number) => {
            const worker = workers[index]!;
            const { value, reason } = readings[index]!;
            if (worker.step === 'read') {
              worker.seen = { version: store.version, meter: store.meter };
              worker.step = 'write';
            } else if (worker.step === 'write') {
              if (store.version !== worker.seen!.version) {
                worker.step = 'read';
                return;
              }
              if (readingProblem(store.meter, value, reason) !== null) {
                worker.step = 'done';
                return;
              }
              const before = store.meter;
              store.meter = afterReading(before, value, 'now');
              store.version += 1;
              worker.pending = usageFollowUp('mill-1', before, store.meter, schedules).opens.map((open) => open.id);
              worker.step = 'open';
            } else if (worker.step === 'open') {
              const id = worker.pending.shift();
              if (id !== undefined && !store.records.has(id)) store.records.set(id, (store.records.get(id) ?? 0) + 1);
              if (worker.pending.length === 0) worker.step = 'done';
            }
          };
          for (const pick of picks) {
            const waiting = workers.map((worker, index) => [worker, index] as const).filter(([worker]) => worker.step !== 'done');
            if (waiting.length === 0) break;
            advance(waiting[pick % waiting.length]![1]);
          }
          // Whatever the scheduler left undone runs to the end, in order.
          for (let index = 0; index < workers.length; index++) while (workers[index]!.step !== 'done') advance(index);

          const crossed = schedules.flatMap((each) =>
            Array.from({ length: Math.floor(store.meter.total / each.every) }, (_, k) => usageRecordId('mill-1', 'M1', each.scheduleId, (k + 1) * each.every)),
          );
          expect([...store.records.keys()].sort()).toEqual(crossed.sort());
          expect([...store.records.values()].every((count) => count === 1)).toBe(true);
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
