import type { MachineLife, Transition } from '../../shared/domain/machine-lifecycle.js';
import type { PlanVersion } from '../../shared/schemas/calibration.js';
import type { ReturnToService } from '../../shared/schemas/nonconformities.js';

/** The lab manager who signs every change in the pure-lifecycle tests. */
export const manager = { username: 'manager1', displayName: 'Manager One' };

/** A yearly calibration plan with no points: what the lifecycle reads of a plan is its being required. */
export const yearlyPlan = {
  version: 1,
  required: true,
  reason: 'r',
  intervalMonths: 12,
  warningDays: 30,
  graceDays: 7,
  decisionRule: 'simple',
  referenceStandard: false,
  points: [],
  changedAt: '',
  changedBy: manager,
  changeReason: 'r',
} as unknown as PlanVersion;

/** A machine in service since 1 January 2026, calibrated under `yearlyPlan` in June and due again next June. */
export function calibratedMachine(serialNumber: string, labId: string, calibrationNumber: string): MachineLife {
  return {
    serialNumber,
    labId,
    status: 'In Service',
    statusChangedAt: '2026-01-01T00:00:00.000Z',
    inServiceSince: '2026-01-01T00:00:00.000Z',
    history: [],
    calibration: {
      planVersions: [yearlyPlan],
      approved: [{ calibrationNumber, labId, performedOn: '2026-06-01', nextDue: '2027-06-01' }],
      finding: null,
      awaitingApproval: [],
      overdueNotedOn: null,
    },
  };
}

/** The manager's signed return to service of a machine, ending the nonconformities it names. */
export function returnRecord(machine: Pick<MachineLife, 'serialNumber' | 'labId'>, nonconformities: string[], returnedAt: string): ReturnToService {
  return {
    serialNumber: machine.serialNumber,
    labId: machine.labId,
    returnedAt,
    nonconformities,
    calibrationNumber: null,
    checks: [],
    signature: { ...manager, meaning: 'Verified by', signedAt: returnedAt, method: 'password', contentHash: 'x' },
  };
}

/** The changed machine of a transition the test expects to be allowed; a refusal fails the test with its sentence. */
export function allowed<T>(transition: Transition<T>): T {
  if ('refused' in transition) throw new Error(transition.refused);
  return transition.next;
}
