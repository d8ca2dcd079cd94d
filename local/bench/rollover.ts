import { labMinute } from '../../shared/jobs/generator-runs.js';

/**
 * The daily rollover of a company whose labs all share one time zone, minute by minute over a day,
 * before and after labs were spread over the hour and records made ahead of midnight. Request counts
 * come from the bench's measured runs; request units per request and per record written are the
 * The growth model in docs/performance.md (the embedded store charges 1 RU for everything, so it cannot be measured here).
 */
export interface RolloverInputs {
  labs: number;
  /** Records a lab of 200 machines writes for a new day (docs/performance.md: about 230). */
  recordsPerDay: number;
  /** Of them, still open at midnight and marked Missed by the first run after it. */
  missedShare: number;
  /** Requests of an hourly run with nothing to do, measured. */
  steadyRequests: number;
  ruPerRequest: number;
  ruPerRecordWritten: number;
  /** A serverless container's limit. */
  capacityRuPerSecond: number;
}

export interface RolloverFigures {
  peakRuPerSecond: number;
  /** Minutes in which the demand exceeded the container's capacity, once queued demand is carried over. */
  minutesThrottled: number;
}

const minutesPerDay = 24 * 60;
const batchSize = 98;

function demandByMinute(
  inputs: RolloverInputs,
  minuteOfRun: (labId: string) => number,
  creationMinute: (labMinute: number) => number,
  missedMinute: (labMinute: number) => number,
): number[] {
  const demand = new Array<number>(minutesPerDay).fill(0);
  const steadyRu = inputs.steadyRequests * inputs.ruPerRequest;
  const created = inputs.recordsPerDay;
  const missed = Math.round(inputs.recordsPerDay * inputs.missedShare);
  for (let index = 1; index <= inputs.labs; index++) {
    const minute = minuteOfRun(`LAB${String(index).padStart(4, '0')}`);
    for (let hour = 0; hour < 24; hour++) demand[hour * 60 + minute]! += steadyRu;
    demand[creationMinute(minute)]! += Math.ceil(created / batchSize) * inputs.ruPerRequest + created * inputs.ruPerRecordWritten;
    demand[missedMinute(minute)]! += Math.ceil(missed / batchSize) * inputs.ruPerRequest + missed * inputs.ruPerRecordWritten;
  }
  return demand;
}

function figuresOf(demand: number[], capacityRuPerSecond: number): RolloverFigures {
  const capacityPerMinute = capacityRuPerSecond * 60;
  let carried = 0;
  let minutesThrottled = 0;
  for (const minute of demand) {
    carried += minute;
    if (carried > capacityPerMinute) minutesThrottled += 1;
    carried = Math.max(0, carried - capacityPerMinute);
  }
  return { peakRuPerSecond: Math.round(Math.max(...demand) / 60), minutesThrottled };
}

/** Minute 0 of the simulated day is the labs' midnight. */
export function simulateRollover(inputs: RolloverInputs, spreadMinutes: number, aheadHours: number): { before: RolloverFigures; now: RolloverFigures } {
  // Before: every lab at the top of each hour; the run that crosses midnight writes the new day.
  const before = demandByMinute(
    inputs,
    () => 0,
    () => 0,
    () => 0,
  );
  // Now: each lab at its own minute; the first run within the hours ahead of midnight writes the new
  // day (a run at 22:m when two hours ahead), the first run after midnight marks the old day's Missed.
  const firstHourAhead = Math.max(0, 24 - aheadHours);
  const spread = demandByMinute(
    inputs,
    (labId) => labMinute(labId, spreadMinutes),
    (minute) => (aheadHours === 0 ? minute : firstHourAhead * 60 + minute),
    (minute) => minute,
  );
  return { before: figuresOf(before, inputs.capacityRuPerSecond), now: figuresOf(spread, inputs.capacityRuPerSecond) };
}
