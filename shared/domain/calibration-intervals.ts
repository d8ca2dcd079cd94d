/**
 * Calibration interval review by ILAC-G24's simple response method ("staircase", method 1): each
 * calibration found in tolerance lengthens the interval by a factor, each found out of tolerance
 * shortens it by another, within a minimum and a maximum (ISO/IEC 17025 §6.4.7). Whole days,
 * rounded at each step, so a person can redo the computation by hand.
 */

export const simpleResponseMethod = 'Simple response method (ILAC-G24 method 1)';

export interface IntervalFactors {
  /** Multiplies the interval after a calibration found in tolerance, e.g. 1.25. */
  lengthen: number;
  /** Multiplies the interval after a calibration found out of tolerance, e.g. 0.5. */
  shorten: number;
  minDays: number;
  maxDays: number;
}

export interface AsFoundResult {
  calibrationNumber: string;
  performedOn: string;
  outOfTolerance: boolean;
}

export interface IntervalStep extends AsFoundResult {
  intervalBefore: number;
  intervalAfter: number;
}

/** The interval in days that a plan's interval stands for: a month counts as 365.25 / 12 days. */
export function intervalInDays(plan: { intervalDays?: number; intervalMonths?: number }): number | null {
  if (plan.intervalDays !== undefined) return plan.intervalDays;
  if (plan.intervalMonths !== undefined) return Math.round((plan.intervalMonths * 365.25) / 12);
  return null;
}

/** The interval each result leads to, in the order performed, starting from the interval in force. */
export function simpleResponseSteps(startDays: number, results: readonly AsFoundResult[], factors: IntervalFactors): IntervalStep[] {
  const steps: IntervalStep[] = [];
  let interval = startDays;
  for (const result of [...results].sort((a, b) => a.performedOn.localeCompare(b.performedOn) || a.calibrationNumber.localeCompare(b.calibrationNumber))) {
    const scaled = Math.round(interval * (result.outOfTolerance ? factors.shorten : factors.lengthen));
    const next = Math.min(factors.maxDays, Math.max(factors.minDays, scaled));
    steps.push({ ...result, intervalBefore: interval, intervalAfter: next });
    interval = next;
  }
  return steps;
}
