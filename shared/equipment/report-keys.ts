import type { AuditActor } from '../domain/audit-chain.js';
import { newReportKey } from '../domain/report-keys.js';
import { changeMachine } from './machine-changes.js';
import { equipmentEvent, type Facts } from './manage-equipment.js';

/**
 * Gives the machine a new report key, for a new label: reports through the old labels are refused
 * from now on. Audited without the key itself, which only the printed label carries.
 */
export async function rotateReportKey(labId: string, serialNumber: string, actor: AuditActor, facts: Facts): Promise<string> {
  return changeMachine(labId, serialNumber, (machine) => {
    const reportKey = newReportKey();
    return {
      write: {
        next: { ...machine, reportKey },
        events: [
          equipmentEvent('equipment.report-key-rotated', machine, [labId], actor, facts, {
            reason: machine.reportKey ? 'a new label: reports through the old one are refused' : 'the first label that takes problem reports',
          }),
        ],
      },
      answer: reportKey,
    };
  });
}
