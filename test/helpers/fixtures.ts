import { container } from '../../shared/data/cosmos.js';
import type { AuditEntry } from '../../shared/domain/audit-chain.js';

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
