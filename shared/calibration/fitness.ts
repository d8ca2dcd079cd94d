import type { EquipmentDocument } from '../data/equipment-repository.js';
import { addDays, nextDueDate } from '../domain/calibration-rules.js';
import { currentPlan, intervalOf } from '../domain/machine-lifecycle.js';

export { currentPlan, fitnessOf, intervalOf, nextDueOf } from '../domain/machine-lifecycle.js';

/**
 * Whether a reference standard could be relied on for a calibration performed on `day`: an approved
 * passing calibration on or before that day whose due date plus grace had not passed, and no finding
 * against it made on or before that day. Returns the calibration that made it fit, or why not.
 */
export function standardFitOn(
  document: EquipmentDocument,
  day: string,
): { fitBy: { calibrationNumber: string; performedOn: string; nextDue: string } } | { notFit: string } {
  const state = document.calibration;
  const plan = currentPlan(state);
  if (!state || !plan?.referenceStandard) return { notFit: 'it is not a reference standard (its calibration plan does not say so)' };
  if (document.status !== 'In Service') return { notFit: `it is ${document.status}` };
  if (state.finding && state.finding.performedOn <= day)
    return { notFit: `its calibration ${state.finding.calibrationNumber} found it ${state.finding.reason}` };
  const last = state.approved.filter((approved) => approved.performedOn <= day).at(-1);
  if (!last) return { notFit: `it had no approved calibration on ${day}` };
  const interval = intervalOf(plan);
  const nextDue = interval ? nextDueDate(last.performedOn, interval) : last.nextDue;
  if (day > addDays(nextDue, plan.graceDays)) return { notFit: `its calibration was due on ${nextDue}` };
  return { fitBy: { calibrationNumber: last.calibrationNumber, performedOn: last.performedOn, nextDue } };
}
