import type { UsageSchedule } from '../schemas/catalog.js';
import type { Meter, ReadingReason } from '../schemas/meters.js';

/**
 * Meters and their readings (SPEC §15), pure. A meter counts units from its first reading on: each
 * reading adds what it moved to the meter's total, and a lower reading (the meter was replaced or
 * reset) starts a new count, adding its value as counted from zero. Usage schedules count the total,
 * which never goes down, so a threshold is passed once whatever the meter's face shows.
 */

/** The most thresholds of one schedule a single reading may pass: more is a typing error, not use. */
export const maximumThresholdsPerReading = 20;

/** Why the reading cannot be taken, as a sentence; null when it can. */
export function readingProblem(meter: Meter, value: number, reason: ReadingReason | undefined): string | null {
  if (meter.value === null || value >= meter.value) return null;
  if (reason === undefined)
    return `Value ${value} is lower than the last reading of ${meter.name} (${meter.value} ${meter.unit}): give the reason replaced or reset to start a new count.`;
  return null;
}

/** The meter after a reading `readingProblem` accepted. */
export function afterReading(meter: Meter, value: number, at: string): Meter {
  // A lower reading is the new meter's count from zero; a reason given with a higher one changes nothing.
  const moved = meter.value === null ? 0 : value >= meter.value ? value - meter.value : value;
  return { ...meter, value, total: meter.total + moved, readings: meter.readings + 1, lastReadAt: at };
}

/** The thresholds (every, 2·every, ...) a meter's total passes going from `before` to `after`. */
export function thresholdsPassed(before: number, after: number, every: number): number[] {
  const passed: number[] = [];
  for (let step = Math.floor(before / every) + 1; step * every <= after; step++) passed.push(step * every);
  return passed;
}

/**
 * The id of the usage record of a machine's meter at a threshold of a schedule: the same whoever
 * computes it, so two readings that pass the threshold together create one record, the second
 * create failing on the id.
 */
export function usageRecordId(serialKey: string, meterId: string, scheduleId: string, threshold: number): string {
  return `${serialKey}|usage|${meterId}|${scheduleId}|${threshold}`;
}

/** The next meter id of a machine: M1, M2, ... never reused. */
export function nextMeterId(meters: readonly Meter[]): string {
  const highest = Math.max(0, ...meters.map((meter) => Number(meter.meterId.slice(1))));
  return `M${highest + 1}`;
}

export function newMeter(meterId: string, name: string, unit: string, at: string): Meter {
  return { meterId, name, unit, value: null, total: 0, readings: 0, lastReadAt: null, addedAt: at };
}

/** What a reading's move from `before` to `after` asks of the records: usage records to open, and those whose units window it passed. */
export function usageFollowUp(
  serialKeyOfMachine: string,
  before: Meter,
  after: Meter,
  schedules: readonly UsageSchedule[],
): { opens: { id: string; schedule: UsageSchedule; threshold: number }[]; missIds: string[] } {
  const opens = schedules.flatMap((schedule) =>
    thresholdsPassed(before.total, after.total, schedule.every).map((threshold) => ({
      id: usageRecordId(serialKeyOfMachine, after.meterId, schedule.scheduleId, threshold),
      schedule,
      threshold,
    })),
  );
  // A record opened at threshold t is due by t + units: this reading passed that point for these t.
  const missIds = schedules.flatMap((schedule) => {
    const units = schedule.dueWithin.units;
    if (units === undefined) return [];
    return thresholdsPassed(before.total - units, after.total - units, schedule.every)
      .filter((threshold) => threshold > 0)
      .map((threshold) => usageRecordId(serialKeyOfMachine, after.meterId, schedule.scheduleId, threshold));
  });
  return { opens, missIds };
}
