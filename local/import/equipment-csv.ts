import { parse } from 'csv-parse/sync';
import { readModel } from '../../shared/data/catalog-repository.js';
import { readSerialClaim, serialKey } from '../../shared/data/equipment-repository.js';
import { readLab } from '../../shared/data/labs-repository.js';
import type { AuditActor } from '../../shared/domain/audit-chain.js';
import { registerEquipment } from '../../shared/equipment/manage-equipment.js';
import { equipmentStatusSchema, serialNumberSchema, type EquipmentStatus } from '../../shared/schemas/equipment.js';
import type { ImportProblem } from './legacy-plan.js';

export interface EquipmentRow {
  line: number;
  serialNumber: string;
  modelId: string;
  labId: string;
  status: EquipmentStatus;
}

const required = ['serial_number', 'model_id', 'lab_id'] as const;

/**
 * Reads an equipment list (a header row with serial_number, model_id, lab_id and optionally status)
 * and checks every row against the store: the lab and an active model exist, the status is known, and
 * the serial number is held nowhere yet, in the store or earlier in the file. Problems name their line.
 */
export async function checkEquipmentCsv(text: string): Promise<{ rows: EquipmentRow[]; problems: ImportProblem[] }> {
  const problems: ImportProblem[] = [];
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      columns: (header: string[]) => header.map((name) => name.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      info: true,
    });
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1;
    return { rows: [], problems: [{ table: 'CSV', line, message: (error as Error).message }] };
  }
  const header = records[0] ? Object.keys(records[0].record) : [];
  const missingColumns = required.filter((column) => records.length > 0 && !header.includes(column));
  if (missingColumns.length > 0) return { rows: [], problems: [{ table: 'CSV', line: 1, message: `the header row lacks ${missingColumns.join(', ')}` }] };
  const rows: EquipmentRow[] = [];
  const seen = new Map<string, number>();
  for (const { record, info } of records) {
    const line = info.lines;
    const problem = (message: string) => problems.push({ table: 'CSV', line, message });
    const serial = serialNumberSchema.safeParse(record.serial_number ?? '');
    const status = equipmentStatusSchema.safeParse(record.status || 'In Service');
    const labId = record.lab_id ?? '';
    const modelId = record.model_id ?? '';
    if (!serial.success) {
      problem(`serial number ${JSON.stringify(record.serial_number ?? '')} ${serial.error.issues[0]?.message ?? 'is not valid'}`);
      continue;
    }
    const earlier = seen.get(serialKey(serial.data));
    if (earlier !== undefined) problem(`serial number ${serial.data} already appears on line ${earlier}`);
    seen.set(serialKey(serial.data), line);
    if (!status.success) problem(`status ${JSON.stringify(record.status)} ${status.error.issues[0]?.message ?? 'is not valid'}`);
    const [lab, model, claim] = await Promise.all([readLab(labId), modelId ? readModel(modelId) : null, readSerialClaim(serial.data)]);
    if (!lab) problem(`there is no lab ${JSON.stringify(labId)}`);
    if (!model) problem(`there is no model ${JSON.stringify(modelId)}`);
    else if (!model.document.active) problem(`model ${model.document.modelId} is disabled`);
    if (claim) problem(`serial number ${serial.data} is already registered at ${claim.document.labId}`);
    if (status.success && lab && model?.document.active && !claim && earlier === undefined) {
      rows.push({ line, serialNumber: serial.data, modelId: model.document.modelId, labId: lab.document.labId, status: status.data });
    }
  }
  return { rows, problems };
}

export async function importEquipment(rows: readonly EquipmentRow[], actor: AuditActor): Promise<number> {
  for (const row of rows) await registerEquipment(actor, row.labId, { serialNumber: row.serialNumber, modelId: row.modelId, status: row.status }, null);
  return rows.length;
}
