import type { AuditActor } from '../domain/audit-chain.js';
import type { RecordDocument } from '../data/records-repository.js';
import type { Facts } from '../equipment/manage-equipment.js';
import { currentResponses } from '../records/record-rules.js';
import { openNonconformity } from './opening.js';

/** What the technician found, task by task, in their own words. */
function faultDescription(record: RecordDocument): string {
  const faults = currentResponses(record)
    .filter((response) => response.fault)
    .map((response) => `${record.tasks.find((task) => task.taskId === response.taskId)?.text ?? response.taskId}: ${response.note ?? 'no note'}`);
  return `Fault found on ${record.frequency.toLowerCase()} PM ${record.recordNumber}. ${faults.join('; ')}`;
}

/**
 * A record completed with a fault opens one nonconformity, named by the record: the completion's write
 * is the fault's durable trace, and this follows it at once. A completion retried after it succeeded
 * comes here again and finds the nonconformity already open.
 */
export async function openForFaultyRecord(record: RecordDocument, actor: AuditActor, facts: Facts) {
  return openNonconformity(
    record.labId,
    record.serialNumber,
    {
      finding: {
        source: 'pm-fault',
        calibrationNumber: null,
        performedOn: null,
        recordNumber: record.recordNumber,
        foundAt: record.completedAt ?? new Date().toISOString(),
      },
      description: faultDescription(record),
      marker: `record:${record.recordNumber}`,
      actor,
    },
    facts,
  );
}
