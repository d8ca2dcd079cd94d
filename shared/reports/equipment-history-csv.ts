import { formatReading } from '../domain/readings.js';
import type { Calibration } from '../schemas/calibration.js';
import type { EquipmentHistory } from '../schemas/equipment-history.js';
import type { PmRecord, Response } from '../schemas/records.js';
import { toCsv, type Cell } from './csv.js';

export const historyEventColumns = [
  'serial_number',
  'at',
  'lab_id',
  'kind',
  'from_status',
  'to_status',
  'from_model_id',
  'to_model_id',
  'from_lab_id',
  'to_lab_id',
  'by',
  'reason',
] as const;
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
  'signed_responses',
  'out_of_range_count',
  'signed_by',
  'signed_by_username',
  'signature_meaning',
  'signed_at',
  'completed_by',
  'completed_by_username',
  'completed_at',
  'amendments',
  'justification',
  'cancel_reason',
] as const;

/**
 * One row per answer as signed and one per amendment of it, so an auditor can filter a task's whole
 * story: what was signed, each correction's before and after with its signer, and what stands now.
 */
export const historyResponseColumns = [
  'serial_number',
  'record_number',
  'lab_id',
  'frequency',
  'period_start',
  'task_id',
  'task',
  'unit',
  'entry',
  'amendment_number',
  'value_before',
  'done_before',
  'note_before',
  'value',
  'done',
  'note',
  'out_of_range',
  'by',
  'by_username',
  'meaning',
  'at',
  'reason',
  'current_value',
  'current_done',
  'current_note',
] as const;

/** One row per calibration point (ISO/IEC 17025 §6.4.13): results, adjustments, acceptance criteria, standards, next due. */
export const historyCalibrationColumns = [
  'serial_number',
  'calibration_number',
  'lab_id',
  'performed_on',
  'kind',
  'provider',
  'provider_accreditation',
  'certificate_number',
  'certificate_files',
  'initial',
  'plan_version',
  'decision_rule',
  'point_id',
  'point',
  'unit',
  'nominal',
  'lower_limit',
  'upper_limit',
  'max_uncertainty',
  'as_found',
  'as_found_uncertainty',
  'as_found_pass',
  'adjusted',
  'adjustment',
  'as_left',
  'as_left_uncertainty',
  'as_left_pass',
  'result',
  'out_of_tolerance',
  'standards',
  'status',
  'next_due',
  'performed_by',
  'performed_by_username',
  'signature_meaning',
  'signed_at',
  'decided_by',
  'decided_by_username',
  'decision',
  'decided_at',
  'decision_reason',
  'override_reason',
  'amendments',
] as const;

function calibrationRows(serial: string, calibration: Calibration): Cell[][] {
  const { provider, approval, signature } = calibration;
  // Every correction, with what it changed: the values in the row are as they stand after the last one.
  const amendmentsCell = calibration.amendments
    .map(
      (amendment) =>
        `${amendment.number}: ${amendment.reason} (${amendment.signature.meaning} ${amendment.signature.username}, ${amendment.signature.signedAt}; ${amendment.changes.map((change) => `${change.field} ${JSON.stringify(change.before)} -> ${JSON.stringify(change.after)}`).join(', ')})`,
    )
    .join('; ');
  const standards = calibration.standards.map((standard) => `${standard.serialNumber} (${standard.calibrationNumber}, due ${standard.dueOn})`).join('; ');
  return calibration.points.map((point) => [
    serial,
    calibration.calibrationNumber,
    calibration.labId,
    calibration.performedOn,
    calibration.kind,
    provider?.name,
    provider ? `${provider.accreditationBody} ${provider.accreditationNumber}` : null,
    calibration.certificateNumber,
    calibration.certificates.map((file) => `${file.certificateId}: ${file.fileName} sha256 ${file.sha256}`).join('; '),
    calibration.initial,
    calibration.planVersion,
    calibration.decisionRule,
    point.pointId,
    point.name,
    point.unit,
    point.nominal,
    point.lowerLimit,
    point.upperLimit,
    point.maxUncertainty,
    point.asFound?.value,
    point.asFound?.uncertainty,
    point.asFoundResult?.pass,
    calibration.adjusted,
    calibration.adjustment,
    point.asLeft?.value,
    point.asLeft?.uncertainty,
    point.asLeftResult?.pass,
    calibration.result,
    calibration.outOfTolerance,
    standards,
    calibration.status,
    calibration.nextDue,
    signature.displayName,
    signature.username,
    signature.meaning,
    signature.signedAt,
    approval?.signature.displayName,
    approval?.signature.username,
    approval?.decision,
    approval?.signature.signedAt,
    approval?.reason,
    calibration.override?.reason,
    amendmentsCell,
  ]);
}

/** Completed before this product, in the old system: a completer but no electronic signature. */
export const importedCompletion = 'completed in the old system, without an electronic signature';

function answerText(record: PmRecord, response: Response): string {
  const task = record.tasks.find((candidate) => candidate.taskId === response.taskId);
  const value =
    response.value !== undefined
      ? `${formatReading(response.value, task)}${task?.unit ? ` ${task.unit}` : ''}${response.outOfRange ? ' (out of range)' : ''}`
      : response.done
        ? 'done'
        : 'not done';
  return `${value}${response.note ? ` — ${response.note}` : ''}`;
}

function responseText(record: PmRecord, response: Response): string {
  const task = record.tasks.find((candidate) => candidate.taskId === response.taskId);
  return `${response.taskId} ${task?.text ?? ''}: ${answerText(record, response)}`;
}

function amendmentText(record: PmRecord, amendment: PmRecord['amendments'][number]): string {
  const changes = amendment.changes.map((change) => `${change.taskId} ${answerText(record, change.before)} → ${answerText(record, change.after)}`).join(', ');
  return `#${amendment.number} by ${amendment.signature.displayName} (${amendment.signature.username}) at ${amendment.signature.signedAt}: ${amendment.reason} [${changes}]`;
}

function responseRows(serial: string, record: PmRecord): Cell[][] {
  const signer = record.signature ?? (record.completedBy ? { ...record.completedBy, meaning: importedCompletion, signedAt: record.completedAt } : null);
  return record.tasks.flatMap((task) => {
    const signed = record.responses.find((response) => response.taskId === task.taskId);
    const current = record.currentResponses.find((response) => response.taskId === task.taskId);
    if (!signed && !current) return [];
    const head = [serial, record.recordNumber, record.labId, record.frequency, record.periodStart, task.taskId, task.text, task.unit];
    const reading = (value: number | undefined) => (value === undefined ? undefined : formatReading(value, task));
    const tail = [reading(current?.value), current?.done, current?.note];
    const rows: Cell[][] = [];
    if (signed)
      rows.push([
        ...head,
        'signed',
        null,
        null,
        null,
        null,
        reading(signed.value),
        signed.done,
        signed.note,
        signed.outOfRange ?? false,
        signer?.displayName,
        signer?.username,
        signer?.meaning,
        signer?.signedAt,
        null,
        ...tail,
      ]);
    for (const amendment of record.amendments) {
      for (const change of amendment.changes.filter((candidate) => candidate.taskId === task.taskId)) {
        const { before, after } = change;
        const by = amendment.signature;
        rows.push([
          ...head,
          'amendment',
          amendment.number,
          reading(before.value),
          before.done,
          before.note,
          reading(after.value),
          after.done,
          after.note,
          after.outOfRange ?? false,
          by.displayName,
          by.username,
          by.meaning,
          by.signedAt,
          amendment.reason,
          ...tail,
        ]);
      }
    }
    return rows;
  });
}

/**
 * The equipment history (ISO/IEC 17025 §6.4.13) as CSV: `events` lists the machine's life, `records`
 * every PM record with its answers as signed and as they stand, signature and amendments,
 * `responses` every answer with its amendments, one row each, and `calibrations` every point of every
 * calibration.
 */
export function equipmentHistoryCsv(history: EquipmentHistory, section: 'events' | 'records' | 'responses' | 'calibrations' | 'nonconformities'): string {
  const serial = history.equipment.serialNumber;
  if (section === 'nonconformities') return toCsv(historyNonconformityColumns, nonconformityRows(serial, history));
  if (section === 'calibrations')
    return toCsv(
      historyCalibrationColumns,
      history.calibrations.flatMap((calibration) => calibrationRows(serial, calibration)),
    );
  if (section === 'responses')
    return toCsv(
      historyResponseColumns,
      history.records.flatMap((record) => responseRows(serial, record)),
    );
  if (section === 'events') {
    return toCsv(
      historyEventColumns,
      history.events.map((event) => [
        serial,
        event.at,
        event.labId,
        event.kind,
        event.fromStatus,
        event.toStatus,
        event.fromModelId,
        event.toModelId,
        event.fromLabId,
        event.toLabId,
        event.by?.displayName,
        event.reason,
      ]),
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
      record.responses.map((response) => responseText(record, response)).join('; '),
      record.outOfRangeCount,
      record.signature?.displayName,
      record.signature?.username,
      record.signature?.meaning ?? (record.completedBy && !record.signature ? importedCompletion : null),
      record.signature?.signedAt,
      record.completedBy?.displayName,
      record.completedBy?.username,
      record.completedAt,
      record.amendments.map((amendment) => amendmentText(record, amendment)).join('; '),
      record.justification ? `${record.justification.reason} (${record.justification.by.displayName})` : null,
      record.cancelReason,
    ]),
  );
}

const historyNonconformityColumns = [
  'serial_number',
  'entry',
  'nc_number',
  'lab_id',
  'at',
  'source',
  'status',
  'text',
  'detail',
  'by',
  'username',
  'meaning',
] as const;

/**
 * Nonconformities, their repair log and dispositions, and the returns to service, one row each in the
 * order they happened within each nonconformity: what an assessor reads beside the calibrations.
 */
function nonconformityRows(serial: string, history: EquipmentHistory): Cell[][] {
  const rows: Cell[][] = [];
  for (const nc of [...history.nonconformities].sort((a, b) => a.openedAt.localeCompare(b.openedAt))) {
    rows.push([
      serial,
      'opened',
      nc.ncNumber,
      nc.labId,
      nc.openedAt,
      nc.source,
      nc.status,
      nc.description,
      `window ${nc.window.from} to ${nc.window.to} (since ${nc.window.since}); ${nc.items.length} items`,
      nc.openedBy.displayName,
      nc.openedBy.username,
      null,
    ]);
    for (const action of nc.actions)
      rows.push([
        serial,
        'repair',
        nc.ncNumber,
        nc.labId,
        action.at,
        nc.source,
        nc.status,
        action.text,
        action.statusChange,
        action.by.displayName,
        action.by.username,
        null,
      ]);
    for (const item of nc.items.filter((candidate) => candidate.disposition)) {
      const { disposition } = item;
      rows.push([
        serial,
        'disposition',
        nc.ncNumber,
        item.labId,
        disposition!.at,
        nc.source,
        nc.status,
        `${item.reference}: ${disposition!.disposition}`,
        disposition!.reason,
        disposition!.by.displayName,
        disposition!.by.username,
        disposition!.signature.meaning,
      ]);
    }
    if (nc.closure)
      rows.push([
        serial,
        'closed',
        nc.ncNumber,
        nc.labId,
        nc.closure.at,
        nc.source,
        nc.status,
        nc.closure.summary,
        null,
        nc.closure.by.displayName,
        nc.closure.by.username,
        nc.closure.signature.meaning,
      ]);
  }
  for (const returned of history.returnsToService) {
    const proof = returned.calibrationNumber
      ? `calibration ${returned.calibrationNumber}`
      : returned.checks
          .map((check) => `${check.text}: ${check.value ?? (check.done ? 'done' : 'not done')}${check.note ? ` (${check.note})` : ''}`)
          .join('; ') || 'no checks asked by the model';
    rows.push([
      serial,
      'returned to service',
      returned.nonconformities.join(' '),
      returned.labId,
      returned.returnedAt,
      null,
      null,
      proof,
      null,
      returned.signature.displayName,
      returned.signature.username,
      returned.signature.meaning,
    ]);
  }
  return rows;
}
