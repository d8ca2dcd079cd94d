import type { Equipment, EquipmentEvent } from '../schemas/equipment.js';
import type { PmRecord, Response } from '../schemas/records.js';
import { toCsv } from './csv.js';

export const historyEventColumns = ['serial_number', 'at', 'lab_id', 'kind', 'from_status', 'to_status', 'from_model_id', 'to_model_id', 'from_lab_id', 'to_lab_id', 'by'] as const;
export const historyRecordColumns = [
  'serial_number',
  'record_number',
  'lab_id',
  'model_id',
  'frequency',
  'period_start',
  'due_end',
  'status',
  'late',
  'responses',
  'out_of_range_count',
  'signed_by',
  'signature_meaning',
  'signed_at',
  'amendments',
  'justification',
  'cancel_reason',
] as const;

function responseText(record: PmRecord, response: Response): string {
  const task = record.tasks.find((candidate) => candidate.taskId === response.taskId);
  const value = response.value !== undefined ? `${response.value}${task?.unit ? ` ${task.unit}` : ''}${response.outOfRange ? ' (out of range)' : ''}` : response.done ? 'done' : 'not done';
  return `${response.taskId} ${task?.text ?? ''}: ${value}${response.note ? ` — ${response.note}` : ''}`;
}

/**
 * The equipment history (ISO/IEC 17025 §6.4.13) as CSV: `events` lists the machine's life, `records`
 * every PM record with its responses as they stand, signature and amendments.
 */
export function equipmentHistoryCsv(history: { equipment: Equipment; events: EquipmentEvent[]; records: PmRecord[] }, section: 'events' | 'records'): string {
  const serial = history.equipment.serialNumber;
  if (section === 'events') {
    return toCsv(
      historyEventColumns,
      history.events.map((event) => [serial, event.at, event.labId, event.kind, event.fromStatus, event.toStatus, event.fromModelId, event.toModelId, event.fromLabId, event.toLabId, event.by?.displayName]),
    );
  }
  return toCsv(
    historyRecordColumns,
    history.records.map((record) => [
      serial,
      record.recordNumber,
      record.labId,
      record.modelId,
      record.frequency,
      record.periodStart,
      record.dueEnd,
      record.status,
      record.late,
      record.currentResponses.map((response) => responseText(record, response)).join('; '),
      record.outOfRangeCount,
      record.signature?.displayName,
      record.signature?.meaning,
      record.signature?.signedAt,
      record.amendments.map((amendment) => `#${amendment.number} by ${amendment.signature.displayName} at ${amendment.signature.signedAt}: ${amendment.reason}`).join('; '),
      record.justification ? `${record.justification.reason} (${record.justification.by.displayName})` : null,
      record.cancelReason,
    ]),
  );
}
