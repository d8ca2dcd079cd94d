import { labToday } from '../labs/lab-today.js';
import { listRecords, type RecordDocument } from '../data/records-repository.js';
import { recordView } from '../records/manage-records.js';
import type { EquipmentHistory } from '../schemas/equipment-history.js';
import { calibrationView } from '../calibration/calibrations.js';
import { calibrationsOfMachine } from '../calibration/calibrations.js';
import { labsOfMachine } from '../equipment/labs-of-machine.js';
import { equipmentView, findEquipment } from '../equipment/manage-equipment.js';
import { nonconformitiesOfLab } from '../data/nonconformity-repository.js';
import { nonconformityView } from '../nonconformities/nonconformities.js';
import { attachmentFiles, calibrationFiles, checkEvidence } from '../storage/evidence-check.js';

async function allRecordsOf(labId: string, serialKey: string): Promise<RecordDocument[]> {
  const records: RecordDocument[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await listRecords({ labId, serialKey, pageSize: 1000, continuationToken });
    records.push(...page.items);
    continuationToken = page.continuationToken ?? undefined;
  } while (continuationToken);
  return records;
}

/**
 * A machine's history (ISO/IEC 17025 §6.4.13): its details, every registration, status and model
 * change and transfer with who and when, and every PM record it had, in each lab it has been in,
 * newest period first. One partition query per lab in its history. Its certificates and photos are
 * checked in storage as the audit verification checks them, and each one missing or altered is named.
 */
export async function equipmentHistory(labId: string, serialNumber: string): Promise<EquipmentHistory> {
  const { document } = await findEquipment(labId, serialNumber);
  const labs = labsOfMachine(document);
  const [records, calibrations, nonconformities, today] = await Promise.all([
    Promise.all(labs.map((lab) => allRecordsOf(lab, document.serialKey))).then((perLab) => perLab.flat()),
    calibrationsOfMachine(document),
    Promise.all(labs.map((lab) => nonconformitiesOfLab(lab, document.serialKey))).then((perLab) => perLab.flat()),
    labToday(labId),
  ]);
  records.sort((a, b) => b.periodStart.localeCompare(a.periodStart) || a.recordNumber.localeCompare(b.recordNumber));
  const evidence = await checkEvidence([...calibrationFiles(calibrations), ...attachmentFiles(nonconformities)]);
  return {
    equipment: equipmentView(document, today),
    events: document.history,
    records: records.map(recordView),
    calibrationPlans: document.calibration?.planVersions ?? [],
    calibrations: calibrations.map(calibrationView),
    nonconformities: nonconformities.sort((a, b) => b.openedAt.localeCompare(a.openedAt)).map(nonconformityView),
    returnsToService: document.returnsToService ?? [],
    evidenceProblems: evidence.problems,
  };
}
