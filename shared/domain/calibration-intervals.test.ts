import { describe, expect, it } from 'vitest';
import { intervalInDays, simpleResponseSteps, type AsFoundResult } from './calibration-intervals.js';

const factors = { lengthen: 1.25, shorten: 0.5, minDays: 30, maxDays: 730 };
const history = (...outOfTolerance: boolean[]): AsFoundResult[] =>
  outOfTolerance.map((out, index) => ({ calibrationNumber: `LAB01-CAL-00000${index + 1}`, performedOn: `202${index}-03-01`, outOfTolerance: out }));
const intervals = (start: number, results: AsFoundResult[]) => simpleResponseSteps(start, results, factors).map((step) => step.intervalAfter);

describe('the simple response method', () => {
  it('URS-047 lengthens by the factor after each calibration in tolerance, up to the maximum', () => {
    // By hand: 365 × 1.25 = 456.25 → 456; 456 × 1.25 = 570; 570 × 1.25 = 712.5 → 713; 713 × 1.25 = 891.25 → the maximum, 730.
    expect(intervals(365, history(false, false, false, false))).toEqual([456, 570, 713, 730]);
  });

  it('URS-047 shortens by the factor after a calibration out of tolerance, and lengthens again from there', () => {
    // By hand: 365 × 1.25 → 456; 456 × 0.5 = 228; 228 × 1.25 = 285.
    expect(intervals(365, history(false, true, false))).toEqual([456, 228, 285]);
  });

  it('URS-047 alternates down when results alternate, and never goes below the minimum', () => {
    // By hand: 365 → 456 → 228 → 285 → 142.5 → 143; and from 60: 60 × 0.5 = 30, 30 × 0.5 = 15 → the minimum, 30.
    expect(intervals(365, history(false, true, false, true))).toEqual([456, 228, 285, 143]);
    expect(intervals(60, history(true, true))).toEqual([30, 30]);
  });

  it('takes the results in the order performed, whatever order they come in, and keeps each step', () => {
    const steps = simpleResponseSteps(365, history(false, true).reverse(), factors);
    expect(steps.map((step) => [step.calibrationNumber, step.intervalBefore, step.intervalAfter])).toEqual([
      ['LAB01-CAL-000001', 365, 456],
      ['LAB01-CAL-000002', 456, 228],
    ]);
  });

  it('counts a month as 365.25 / 12 days', () => {
    expect([intervalInDays({ intervalMonths: 12 }), intervalInDays({ intervalMonths: 6 }), intervalInDays({ intervalDays: 90 }), intervalInDays({})]).toEqual([
      365,
      183,
      90,
      null,
    ]);
  });
});
