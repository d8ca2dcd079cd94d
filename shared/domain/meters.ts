import type { UsageSchedule } from '../schemas/catalog.js';
import type { Meter, ReadingReason, StoredMeter, UsageCause, UsageOpening, UsageState } from '../schemas/meters.js';
import { nextDueDate } from './calibration-rules.js';

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
export function afterReading<M extends Meter>(meter: M, value: number, at: string): M {
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
 * The id of a usage record opened by threshold before schedules counted their records: kept so that
 * such records are still found (and marked Missed past their window), never made again.
 */
export function thresholdRecordId(serialKey: string, meterId: string, scheduleId: string, threshold: number): string {
  return `${serialKey}|usage|${meterId}|${scheduleId}|${threshold}`;
}

/**
 * The id of the n-th record of a schedule on a machine's meter: the same whoever computes it, so a
 * record lost after its opening was written on the machine is opened again under the same id, once.
 */
export function usageRecordId(serialKey: string, meterId: string, scheduleId: string, occurrence: number): string {
  return `${serialKey}|usage|${meterId}|${scheduleId}|n${occurrence}`;
}

/** A meter as the API shows it: where its schedules stand is the machine's own bookkeeping. */
export function publicMeter({ usage: _usage, ...meter }: StoredMeter): Meter {
  return meter;
}

/** The next meter id of a machine: M1, M2, ... never reused. */
export function nextMeterId(meters: readonly Meter[]): string {
  const highest = Math.max(0, ...meters.map((meter) => Number(meter.meterId.slice(1))));
  return `M${highest + 1}`;
}

export function newMeter(meterId: string, name: string, unit: string, at: string): Meter {
  return { meterId, name, unit, value: null, total: 0, readings: 0, lastReadAt: null, addedAt: at };
}

/**
 * Where a schedule stands on a meter the first time it is counted, at the meter's `total`: the
 * thresholds every, 2·every, ... up to the total were opened by threshold before (the earlier way,
 * which counted from zero), so counting goes on from the last of them; those still inside their window
 * in units are watched.
 */
export function firstUsageState(serialKey: string, meterId: string, schedule: UsageSchedule, total: number, today: string): UsageState {
  const opened = Math.floor(total / schedule.every);
  const units = schedule.dueWithin.units;
  const watching =
    units === undefined
      ? []
      : thresholdsPassed(total - units, total, schedule.every)
          .filter((threshold) => threshold > 0)
          .map((threshold) => ({ id: thresholdRecordId(serialKey, meterId, schedule.scheduleId, threshold), dueAtTotal: threshold + units }));
  return { scheduleId: schedule.scheduleId, opened, sinceTotal: opened * schedule.every, sinceDay: today, unconfirmed: [], watching };
}

/** The lab-local day (YYYY-MM-DD) a whichever-first schedule's months run out, counted from its last opening. */
export function calendarDueDay(state: UsageState, schedule: UsageSchedule): string | null {
  return schedule.orEveryMonths === undefined ? null : nextDueDate(state.sinceDay, { months: schedule.orEveryMonths });
}

export interface UsageMove {
  /** The meter total before and after the move; equal when the lab run looks at a meter no reading moved. */
  before: number;
  after: number;
  /** The lab-local day, YYYY-MM-DD, and the instant of the move. */
  today: string;
  at: string;
}

/**
 * What a move of a meter's total, on a day, does to one schedule: the records it opens, in order, and
 * the records whose window in units it passed. The count restarts at each opening: the next record is
 * due `every` units after it or, whichever comes first, `orEveryMonths` months after its day. Months
 * that ran out before the move open a record at the total before it, then the units count from there.
 */
export function advanceUsage(
  serialKey: string,
  meterId: string,
  schedule: UsageSchedule,
  current: UsageState | undefined,
  move: UsageMove,
): { state: UsageState; opens: UsageOpening[]; missIds: string[] } {
  let state = current ?? firstUsageState(serialKey, meterId, schedule, move.before, move.today);
  const opens: UsageOpening[] = [];
  const units = schedule.dueWithin.units;
  const open = (cause: UsageCause, total: number) => {
    const occurrence = state.opened + 1;
    const opening: UsageOpening = {
      id: usageRecordId(serialKey, meterId, schedule.scheduleId, occurrence),
      occurrence,
      cause,
      total,
      day: move.today,
      at: move.at,
      dueAtTotal: units === undefined ? null : total + units,
    };
    opens.push(opening);
    state = {
      ...state,
      opened: occurrence,
      sinceTotal: total,
      sinceDay: move.today,
      unconfirmed: [...state.unconfirmed, opening],
      watching: units === undefined ? state.watching : [...state.watching, { id: opening.id, dueAtTotal: total + units }],
    };
  };
  // One more than a reading may open, so that the caller sees a reading that asks for too many.
  while (opens.length <= maximumThresholdsPerReading) {
    const threshold = state.sinceTotal + schedule.every;
    const monthsRunOut = calendarDueDay(state, schedule);
    if (threshold <= move.before) open('units', threshold);
    else if (monthsRunOut !== null && monthsRunOut <= move.today) open('calendar', move.before);
    else if (threshold <= move.after) open('units', threshold);
    else break;
  }
  const passed = state.watching.filter((watched) => watched.dueAtTotal <= move.after);
  if (passed.length > 0) state = { ...state, watching: state.watching.filter((watched) => watched.dueAtTotal > move.after) };
  return { state, opens, missIds: passed.map((watched) => watched.id) };
}

/**
 * What a move of a meter asks of every schedule counting it: the meter with each schedule's state
 * moved on, the records to open and the records whose units window it passed.
 */
export function usageFollowUp(
  serialKey: string,
  meter: StoredMeter,
  schedules: readonly UsageSchedule[],
  move: UsageMove,
): { meter: StoredMeter; opens: { schedule: UsageSchedule; opening: UsageOpening }[]; missIds: string[] } {
  const states = new Map((meter.usage ?? []).map((state) => [state.scheduleId, state]));
  const opens: { schedule: UsageSchedule; opening: UsageOpening }[] = [];
  const missIds: string[] = [];
  for (const schedule of schedules) {
    const advanced = advanceUsage(serialKey, meter.meterId, schedule, states.get(schedule.scheduleId), move);
    states.set(schedule.scheduleId, advanced.state);
    opens.push(...advanced.opens.map((opening) => ({ schedule, opening })));
    missIds.push(...advanced.missIds);
  }
  return { meter: { ...meter, usage: [...states.values()] }, opens, missIds };
}

/** The meter with the openings the lab run found stored no longer kept as unconfirmed. */
export function confirmOpenings(meter: StoredMeter, storedIds: ReadonlySet<string>): StoredMeter {
  if (!meter.usage?.some((state) => state.unconfirmed.some((opening) => storedIds.has(opening.id)))) return meter;
  return {
    ...meter,
    usage: meter.usage.map((state) => ({ ...state, unconfirmed: state.unconfirmed.filter((opening) => !storedIds.has(opening.id)) })),
  };
}

/** Why a usage record opened, in words: "passed 500 h" or "6 months since the last service". */
export function usageCauseWords(usage: { cause?: UsageCause | undefined; threshold: number; unit: string; months?: number | undefined }): string {
  return usage.cause === 'calendar' ? `${usage.months} months since the last service` : `passed ${usage.threshold} ${usage.unit}`;
}
