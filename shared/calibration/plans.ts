import { actorOf, type Principal } from '../auth/principal.js';
import type { EquipmentDocument } from '../data/equipment-repository.js';
import { noteReferenceStandard } from '../data/reference-standards.js';
import { changeMachine } from '../equipment/machine-changes.js';
import { canonicalJson, type AuditActor } from '../domain/audit-chain.js';
import { can } from '../domain/permissions.js';
import { equipmentEvent, findEquipment, type Facts } from '../equipment/manage-equipment.js';
import { labToday } from '../labs/lab-today.js';

/** What a change records of the request that made it; the demo seed names its own. */
export type SignerFacts = NonNullable<Facts>;
import { badRequest, forbidden, preconditionFailed } from '../platform/problems.js';
import type { CalibrationPlan, PlanInput, PlanVersion } from '../schemas/calibration.js';
import { currentPlan, fitnessOf } from './fitness.js';
import { emptyCalibrationState, withPointIds } from '../equipment/plan-versions.js';

export function assertMayReadCalibration(principal: Principal, labId: string): void {
  if (!can(principal, 'calibration', 'read', labId)) throw forbidden(`Your role does not give access to the calibrations of ${labId}.`);
}

export function assertMayRecordCalibration(principal: Principal, labId: string): void {
  if (!can(principal, 'calibration', 'complete', labId)) throw forbidden(`Your role does not allow recording calibrations at ${labId}.`);
}

export function assertMayManageCalibration(principal: Principal, labId: string): void {
  if (!can(principal, 'calibration', 'write', labId))
    throw forbidden(`Only a manager of ${labId} or an administrator can change calibration plans and approve calibrations.`);
}

export function calibrationPlanView(document: EquipmentDocument, today: string): CalibrationPlan {
  const state = document.calibration ?? emptyCalibrationState();
  const last = state.approved.at(-1);
  return {
    serialNumber: document.serialNumber,
    labId: document.labId,
    current: currentPlan(state),
    versions: state.planVersions,
    lastCalibration: last ? { calibrationNumber: last.calibrationNumber, labId: last.labId, performedOn: last.performedOn } : null,
    quarantinedBy: document.quarantine?.ncNumbers ?? [],
    fitness: fitnessOf(document, today),
  };
}

export async function calibrationPlanOf(labId: string, serialNumber: string): Promise<CalibrationPlan> {
  const [found, today] = await Promise.all([findEquipment(labId, serialNumber), labToday(labId)]);
  return calibrationPlanView(found.document, today);
}

const intervalText = (plan: Pick<PlanVersion, 'intervalMonths' | 'intervalDays'>) =>
  plan.intervalMonths !== undefined ? `${plan.intervalMonths} months` : plan.intervalDays !== undefined ? `${plan.intervalDays} days` : 'none';

/** The audit entry of a new plan version: what it was and what it is, with the change reason. */
export function planChangedEvent(document: EquipmentDocument, current: PlanVersion | null, next: PlanVersion, actor: AuditActor, facts: SignerFacts) {
  return equipmentEvent('calibration-plan.changed', document, [document.labId], actor, facts, {
    ...(next.changeReason ? { reason: next.changeReason } : {}),
    before: current
      ? {
          version: current.version,
          required: current.required,
          interval: intervalText(current),
          points: current.points.length,
          decisionRule: current.decisionRule,
        }
      : {},
    after: {
      version: next.version,
      required: next.required,
      interval: intervalText(next),
      points: next.points.length,
      decisionRule: next.decisionRule,
      referenceStandard: next.referenceStandard,
      ...(next.intermediateCheck
        ? {
            intermediateCheck: `every ${next.intermediateCheck.intervalDays} days against ${next.intermediateCheck.checkStandard}, ${next.intermediateCheck.points.length} points`,
          }
        : {}),
    },
  });
}

/** The parts of a version that make it different from another: not who changed it or when. */
const substance = ({ version: _version, changedAt: _at, changedBy: _by, changeReason: _reason, ...rest }: PlanVersion) => canonicalJson(rest);

/**
 * Sets a machine's calibration plan as a new version (ISO/IEC 17025 §6.4.7): the caller names the
 * version they read, a changed interval says why, and every earlier version stays. `since` dates a
 * version set when moving history in (the demo's plans precede the calibrations they judged).
 */
export async function setCalibrationPlan(
  principal: Principal,
  labId: string,
  serialNumber: string,
  input: PlanInput,
  facts: SignerFacts,
  since = new Date(),
): Promise<CalibrationPlan> {
  const actor = actorOf(principal);
  const today = await labToday(labId);
  return changeMachine(labId, serialNumber, async (document) => {
    const state = document.calibration ?? emptyCalibrationState();
    const current = currentPlan(state);
    if (current && input.version === undefined) {
      throw badRequest(`Send the version of the plan you changed (${current.version}), so that nobody's change is overwritten unseen.`, [
        { field: 'version', message: `is required: the plan is at version ${current.version}` },
      ]);
    }
    if (current && input.version !== current.version) {
      throw preconditionFailed(
        `The plan of ${serialNumber} is at version ${current.version}, not ${input.version}: someone changed it since you read it. Open it again.`,
      );
    }
    const { version: _version, changeReason, points, intermediateCheck, ...rest } = input;
    const next: PlanVersion = {
      ...rest,
      points: withPointIds(points, current?.points ?? []),
      ...(intermediateCheck
        ? { intermediateCheck: { ...intermediateCheck, points: withPointIds(intermediateCheck.points, current?.intermediateCheck?.points ?? []) } }
        : {}),
      version: (current?.version ?? 0) + 1,
      changedAt: since.toISOString(),
      changedBy: actor,
      changeReason: changeReason ?? null,
    };
    if (current && substance(current) === substance(next)) return { write: null, answer: calibrationPlanView(document, today) };
    if (current && intervalText(current) !== intervalText(next) && !changeReason) {
      throw badRequest(`Changing the interval from ${intervalText(current)} to ${intervalText(next)} needs a reason (ISO/IEC 17025 §6.4.7).`, [
        { field: 'changeReason', message: 'is required when the interval changes' },
      ]);
    }
    const updated: EquipmentDocument = { ...document, calibration: { ...state, planVersions: [...state.planVersions, next] } };
    if (next.referenceStandard) await noteReferenceStandard({ serialKey: document.serialKey, labId });
    const audit = planChangedEvent(document, current, next, actor, facts);
    return { write: { next: updated, events: [audit] }, answer: calibrationPlanView(updated, today) };
  });
}
