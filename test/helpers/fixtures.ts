import { expect } from 'vitest';
import { container } from '../../shared/data/cosmos.js';
import type { AuditEntry } from '../../shared/domain/audit-chain.js';
import { registerEquipment } from '../../shared/equipment/manage-equipment.js';
import type { Calibration } from '../../shared/schemas/calibration.js';
import { systemActor } from '../../shared/users/manage-users.js';
import type { ApiClient } from './api-client.js';
import { labDaysAgo } from './lab-days.js';
import { demoPassword } from './demo-password.js';

/** A valid POST /api/users body: a Technician at LAB01 unless told otherwise. */
export function newUserBody(username: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    username,
    firstName: 'Pat',
    lastName: 'Person',
    primaryLabId: 'LAB01',
    role: 'Technician',
    password: 'a first password 123',
    ...overrides,
  };
}

/** The audit entries in a user's partition, oldest first. */
export async function auditTrailOf(username: string): Promise<AuditEntry[]> {
  const { resources } = await (
    await container('users')
  ).items
    .query<AuditEntry>(
      { query: "SELECT * FROM c WHERE c.username = @username AND c.type = 'audit' ORDER BY c.seq", parameters: [{ name: '@username', value: username }] },
      { partitionKey: username },
    )
    .fetchAll();
  return resources;
}

/** A calibration plan with one point at 100 °C, every 12 months: the instrument the API tests calibrate. */
export const oneHundredDegreePlan = {
  required: true,
  reason: 'Oven temperatures we report depend on it',
  intervalMonths: 12,
  warningDays: 30,
  graceDays: 7,
  decisionRule: 'simple',
  referenceStandard: false,
  points: [{ name: '100 °C', unit: '°C', nominal: 100, lowerLimit: 99.5, upperLimit: 100.5 }],
};

/** The same instrument calibrated every 365 days: an interval a review lengthens or shortens by days. */
export const yearlyPlan = {
  required: true,
  reason: 'Oven temperatures we report depend on it',
  intervalDays: 365,
  warningDays: 30,
  graceDays: 7,
  decisionRule: 'simple',
  referenceStandard: false,
  points: [{ name: '100 °C', unit: '°C', nominal: 100, lowerLimit: 99.5, upperLimit: 100.5 }],
};

/** A machine of LAB01 in service, registered 500 days ago so any history fits after it, with the plan `by` sets. */
export async function machineWithPlan(by: ApiClient, serialNumber: string, plan: object): Promise<void> {
  await registerEquipment(systemActor, 'LAB01', { serialNumber, modelId: 'Form 3B', status: 'In Service' }, null, new Date(Date.now() - 500 * 86_400_000));
  const set = await by.put(`/api/labs/LAB01/equipment/${encodeURIComponent(serialNumber)}/calibration-plan`, plan);
  expect(set.status, set.text).toBe(200);
}

/**
 * An internal calibration of a LAB01 machine on the 100 °C point, `daysAgo` lab days back, found at
 * `value` (out of tolerance outside 99.5–100.5, then adjusted and left at 100.1), recorded by
 * `recorder` and approved by `approver`; answers its number.
 */
export async function calibratedAndApproved(recorder: ApiClient, approver: ApiClient, serialNumber: string, value: number, daysAgo: number): Promise<string> {
  const base = `/api/labs/LAB01/equipment/${encodeURIComponent(serialNumber)}/calibrations`;
  const inTolerance = value >= 99.5 && value <= 100.5;
  const recorded = await recorder.post<Calibration>(base, {
    performedOn: labDaysAgo('LAB01', daysAgo),
    kind: 'internal',
    asFound: [{ pointId: 'P1', value }],
    adjusted: !inTolerance,
    ...(inTolerance ? {} : { adjustment: 'Offset corrected', asLeft: [{ pointId: 'P1', value: 100.1 }] }),
    signature: { password: demoPassword },
  });
  expect(recorded.status, recorded.text).toBe(201);
  const approved = await approver.post(`${base}/${recorded.body.calibrationNumber}/approval`, { decision: 'approve', signature: { password: demoPassword } });
  expect(approved.status, approved.text).toBe(200);
  return recorded.body.calibrationNumber;
}
