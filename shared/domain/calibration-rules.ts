/**
 * Calibration decisions (ISO/IEC 17025 §6.4, ILAC-G8), pure: whether a measured point passes its
 * acceptance limits under the plan's decision rule, what an event's result is, when the next
 * calibration falls due and whether a machine is fit for use. No I/O: the API and the reports call it.
 */

export type DecisionRule = 'simple' | 'guard-band';
export type CalibrationResult = 'Pass' | 'Pass after adjustment' | 'Fail';

export interface AcceptancePoint {
  pointId: string;
  lowerLimit: number;
  upperLimit: number;
  maxUncertainty?: number | undefined;
}

export interface Measurement {
  pointId: string;
  value: number;
  /** Expanded uncertainty (k=2), in the point's unit. */
  uncertainty?: number | undefined;
}

export interface PointVerdict {
  pass: boolean;
  /** Why it failed, in words; absent when it passed. */
  why?: string;
}

/**
 * `simple`: the value lies within the limits, limits included. `guard-band`: the whole interval
 * value ± expanded uncertainty lies within them (ILAC-G8's guarded acceptance). Under either rule an
 * uncertainty above the point's maximum fails the point: the measurement cannot show conformity.
 */
export function judgePoint(point: AcceptancePoint, measured: Measurement, rule: DecisionRule): PointVerdict {
  const uncertainty = measured.uncertainty ?? 0;
  if (point.maxUncertainty !== undefined && uncertainty > point.maxUncertainty) {
    return { pass: false, why: `uncertainty ${uncertainty} is above the maximum ${point.maxUncertainty}` };
  }
  const band = rule === 'guard-band' ? uncertainty : 0;
  const low = measured.value - band;
  const high = measured.value + band;
  if (low >= point.lowerLimit && high <= point.upperLimit) return { pass: true };
  const shown = band ? `${measured.value} ± ${band}` : `${measured.value}`;
  return { pass: false, why: `${shown} is outside ${point.lowerLimit} to ${point.upperLimit}` };
}

export interface EventReadings {
  initial: boolean;
  adjusted: boolean;
  asFound: readonly Measurement[];
  asLeft: readonly Measurement[];
}

export interface PointOutcome {
  pointId: string;
  asFound: PointVerdict | null;
  asLeft: PointVerdict | null;
}

export interface EventOutcome {
  points: PointOutcome[];
  result: CalibrationResult;
  /** Some as-found value failed: results obtained since the last calibration may be affected. */
  outOfTolerance: boolean;
}

/**
 * An event's result from its readings, every point of the plan judged. An initial calibration has no
 * as-found values and is judged on what it left; otherwise as-found decides, and after an adjustment
 * as-left decides whether the machine passes, while a failed as-found still marks it out of tolerance.
 */
export function judgeEvent(points: readonly AcceptancePoint[], readings: EventReadings, rule: DecisionRule): EventOutcome {
  const verdict = (measurements: readonly Measurement[], point: AcceptancePoint): PointVerdict | null => {
    const measured = measurements.find((candidate) => candidate.pointId === point.pointId);
    return measured ? judgePoint(point, measured, rule) : null;
  };
  const outcomes = points.map((point) => ({ pointId: point.pointId, asFound: verdict(readings.asFound, point), asLeft: verdict(readings.asLeft, point) }));
  const allPass = (which: 'asFound' | 'asLeft') => outcomes.every((outcome) => outcome[which]?.pass === true);
  const outOfTolerance = !readings.initial && outcomes.some((outcome) => outcome.asFound?.pass === false);
  let result: CalibrationResult;
  if (readings.initial) result = allPass('asLeft') ? 'Pass' : 'Fail';
  else if (!readings.adjusted) result = allPass('asFound') ? 'Pass' : 'Fail';
  else result = allPass('asLeft') ? 'Pass after adjustment' : 'Fail';
  return { points: outcomes, result, outOfTolerance };
}

export type CalibrationInterval = { months: number } | { days: number };

/** `YYYY-MM-DD` plus a number of days, in the calendar (no time zone involved). */
export function addDays(date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/** Whole calendar days from one `YYYY-MM-DD` to another; negative when `to` comes first. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/**
 * Performed on + interval. Whole months keep the day of the month, or the month's last day when it
 * has fewer (31 January + 1 month = 28 or 29 February), as a calendar reads "due in a month".
 */
export function nextDueDate(performedOn: string, interval: CalibrationInterval): string {
  if ('days' in interval) return addDays(performedOn, interval.days);
  const [year, month, day] = performedOn.split('-').map(Number) as [number, number, number];
  const monthIndex = year * 12 + (month - 1) + interval.months;
  const targetYear = Math.floor(monthIndex / 12);
  const targetMonth = monthIndex % 12;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  return new Date(Date.UTC(targetYear, targetMonth, Math.min(day, lastDay))).toISOString().slice(0, 10);
}

export type FitnessState = 'fit' | 'due soon' | 'not fit';

export interface FitnessFacts {
  /** The machine's status: anything but In Service is not fit for use. */
  status: string;
  /** Null when the machine has no calibration plan, or its plan says calibration is not required. */
  calibration: {
    nextDue: string | null;
    warningDays: number;
    graceDays: number;
    /** A calibration found it out of tolerance or failed, and no passing one has been approved since. */
    finding: 'out of tolerance' | 'failed calibration' | 'intermediate check failed' | null;
    /** Entered events that wait for a Manager's approval. */
    awaitingApproval: number;
  } | null;
  /** Open nonconformities that hold the machine in quarantine. */
  openNonconformities?: number;
  /** Quarantined, its nonconformities all closed, and no signed return to service yet. */
  awaitingReturnToService?: boolean;
  /** A disposition asked for recalibration, and no approved calibration has followed. */
  recalibrationRequested?: boolean;
}

export interface Fitness {
  state: FitnessState;
  reasons: string[];
  calibrationDue: string | null;
}

/**
 * Fit for use on a lab-local date (SPEC §9): not fit while out of service, with an open
 * nonconformity, after a failed or out-of-tolerance calibration until a passing one is approved, or
 * past its due date plus grace; due soon from `warningDays` before the due date until the grace ends.
 */
export function fitnessOn(today: string, facts: FitnessFacts): Fitness {
  const reasons: string[] = [];
  let dueSoon = false;
  if (facts.status !== 'In Service') reasons.push('out of service');
  if (facts.openNonconformities) reasons.push('open nonconformity');
  if (facts.awaitingReturnToService) reasons.push('awaiting return to service');
  if (facts.recalibrationRequested) reasons.push('recalibration requested');
  const calibration = facts.calibration;
  if (calibration) {
    if (calibration.finding) {
      reasons.push(calibration.finding);
      if (calibration.awaitingApproval > 0) reasons.push('awaiting approval');
    }
    if (calibration.nextDue === null) {
      if (!calibration.finding) reasons.push(calibration.awaitingApproval > 0 ? 'awaiting approval' : 'not yet calibrated');
    } else if (today > addDays(calibration.nextDue, calibration.graceDays)) {
      reasons.push('calibration overdue');
    } else if (today >= addDays(calibration.nextDue, -calibration.warningDays)) {
      dueSoon = true;
    }
  }
  const state: FitnessState = reasons.length ? 'not fit' : dueSoon ? 'due soon' : 'fit';
  return {
    state,
    reasons: state === 'due soon' ? [today > calibration!.nextDue! ? 'calibration overdue, within its grace period' : 'calibration due soon'] : reasons,
    calibrationDue: calibration?.nextDue ?? null,
  };
}
