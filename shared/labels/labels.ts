import { renderSVG } from 'uqr';
import type { Principal } from '../auth/principal.js';
import { fitnessOf } from '../domain/machine-lifecycle.js';
import { allEquipmentOf, readSerialClaim, type EquipmentDocument } from '../data/equipment-repository.js';
import { readLab } from '../data/labs-repository.js';
import { listRecords } from '../data/records-repository.js';
import { isRetired } from '../domain/equipment-status.js';
import { can } from '../domain/permissions.js';
import { findEquipment } from '../equipment/manage-equipment.js';
import { labToday } from '../labs/lab-today.js';
import { settings } from '../platform/config.js';
import { notFound } from '../platform/problems.js';
import { completableUntil } from '../records/record-rules.js';
import type { Label, LabelSheet, MachineAtHand } from '../schemas/labels.js';

/**
 * The address a label's QR code opens: the installation's public origin (the first of
 * PUBLIC_ORIGINS, or the one the request came to) and the serial number, which is unique in the
 * company, so a label stays right when the machine moves to another lab.
 */
export function machineAddress(serialNumber: string, requestOrigin: string): string {
  const site = settings().PUBLIC_ORIGINS?.[0] ?? requestOrigin;
  return `${new URL(site).origin}/e/${encodeURIComponent(serialNumber)}`;
}

/** The address with the machine's report key, so that whoever scans the label may report a problem without an account. */
export function reportAddress(serialNumber: string, reportKey: string, requestOrigin: string): string {
  return `${machineAddress(serialNumber, requestOrigin)}?k=${encodeURIComponent(reportKey)}`;
}

function labelOf(machine: EquipmentDocument, labName: string, today: string, requestOrigin: string): Label {
  const url = machine.reportKey ? reportAddress(machine.serialNumber, machine.reportKey, requestOrigin) : machineAddress(machine.serialNumber, requestOrigin);
  return {
    serialNumber: machine.serialNumber,
    modelId: machine.modelId,
    labId: machine.labId,
    labName,
    status: machine.status,
    fitness: fitnessOf(machine, today),
    url,
    // Quartile error correction: a label keeps scanning with a scratch or a smudge across it.
    qrSvg: renderSVG(url, { ecc: 'Q', border: 2 }),
  };
}

/** A sheet of labels: the machines named (each must be in the lab), or every machine the lab has that is not retired. */
export async function labelSheet(labId: string, serials: readonly string[] | undefined, size: LabelSheet['size'], requestOrigin: string): Promise<LabelSheet> {
  const lab = await readLab(labId);
  if (!lab) throw notFound(`There is no lab ${labId}.`);
  const [machines, today] = await Promise.all([
    serials?.length
      ? Promise.all(serials.map(async (serial) => (await findEquipment(labId, serial)).document))
      : allEquipmentOf(labId).then((all) =>
          all.filter((machine) => machine.presence === 'present' && !isRetired(machine.status)).sort((a, b) => a.serialKey.localeCompare(b.serialKey)),
        ),
    labToday(labId),
  ]);
  return { labId, size, printedAt: new Date().toISOString(), items: machines.map((machine) => labelOf(machine, lab.document.name, today, requestOrigin)) };
}

/**
 * The machine a label names, for whoever scanned it: found through its serial number's claim, so the
 * scanner need not know its lab. A machine in a lab the user has no role in is "not found", exactly
 * as one that does not exist, so a label reveals nothing to the wrong person.
 */
export async function machineAtHand(principal: Principal, serialNumber: string, now = new Date()): Promise<MachineAtHand> {
  const missing = () => notFound(`There is no machine ${serialNumber} that you can see.`);
  const claim = await readSerialClaim(serialNumber);
  const labId = claim?.document.labId;
  if (!labId || !can(principal, 'calibration', 'read', labId)) throw missing();
  const found = await findEquipment(labId, serialNumber).catch(() => null);
  if (!found) throw missing();
  const machine = found.document;
  const lateDays = settings().LATE_COMPLETION_DAYS;
  const [lab, today, records] = await Promise.all([
    readLab(labId),
    labToday(labId, now),
    listRecords({ labId, serialKey: machine.serialKey, statuses: ['Open', 'Missed'], pageSize: 100 }),
  ]);
  const openChecklists = records.items
    .filter(
      (record) => (!record.opensAt || Date.parse(record.opensAt) <= now.getTime()) && (completableUntil(record, lateDays)?.getTime() ?? 0) > now.getTime(),
    )
    // What is due now comes first; missed checklists that may still be done late follow.
    .sort((a, b) => Number(a.status === 'Missed') - Number(b.status === 'Missed') || a.dueEnd.localeCompare(b.dueEnd))
    .map(({ recordNumber, frequency, periodStart, dueEnd, status }) => ({ recordNumber, frequency, periodStart, dueEnd, status }));
  return {
    serialNumber: machine.serialNumber,
    modelId: machine.modelId,
    labId,
    labName: lab?.document.name ?? labId,
    status: machine.status,
    fitness: fitnessOf(machine, today),
    openChecklists,
    openNonconformities: (machine.openNonconformities ?? []).map((open) => open.ncNumber),
  };
}
