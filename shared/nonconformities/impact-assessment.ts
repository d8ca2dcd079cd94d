import type { EquipmentDocument } from '../data/equipment-repository.js';
import { calibrationsNaming } from '../data/nonconformity-repository.js';
import { completedRecordsOf } from '../data/records-repository.js';
import { calibrationsUsing, calibrationWindow, faultWindow, intermediateCheckWindow, recordsInWindow, type ExposureWindow } from '../domain/impact.js';
import { currentPlan } from '../domain/machine-lifecycle.js';
import { foundFault } from '../records/record-rules.js';
import type { ImpactItem, Nonconformity } from '../schemas/nonconformities.js';

/** What found the fault: a calibration out of tolerance, a PM record, or a person. */
export interface Finding {
  source: Nonconformity['source'];
  calibrationNumber: string | null;
  performedOn: string | null;
  recordNumber: string | null;
  /** When it was found: the record's completion, the report, or the calibration's day. */
  foundAt: string;
  /** The failing intermediate check, when one found it. */
  checkId?: string;
}

export function impactItemId(kind: ImpactItem['kind'], reference: string): string {
  return `${kind === 'pm-record' ? 'record' : 'calibration'}:${reference}`;
}

/**
 * The exposure window and what lies in it (SPEC §10): the machine's PM records and, for a reference
 * standard, every calibration in any lab that named it. Read again later, the window is the one set
 * when the nonconformity opened (`fixed`): a calibration approved since must not move its start and
 * drop items. Items already disposed keep their disposition.
 */
export async function assessImpact(
  machine: EquipmentDocument,
  finding: Finding,
  kept: readonly ImpactItem[] = [],
  fixed?: ExposureWindow,
): Promise<{ window: ExposureWindow; items: ImpactItem[] }> {
  const records = await completedRecordsOf(machine.labId, machine.serialKey);
  const window =
    fixed ??
    (finding.source === 'intermediate-check' && finding.checkId && finding.performedOn
      ? intermediateCheckWindow(
          { checkId: finding.checkId, performedOn: finding.performedOn },
          (machine.calibration?.intermediateChecks ?? []).filter((check) => check.result === 'Pass'),
          machine.calibration?.approved ?? [],
          machine.createdAt.slice(0, 10),
        )
      : finding.source === 'calibration' && finding.calibrationNumber && finding.performedOn
        ? calibrationWindow(
            { calibrationNumber: finding.calibrationNumber, performedOn: finding.performedOn },
            machine.calibration?.approved ?? [],
            machine.createdAt.slice(0, 10),
          )
        : faultWindow(
            finding.foundAt,
            records
              .filter((record) => record.completedAt !== null)
              .map((record) => ({ recordNumber: record.recordNumber, completedAt: record.completedAt!, faulty: foundFault(record) })),
            machine.createdAt,
            finding.recordNumber,
          ));
  const items: Omit<ImpactItem, 'disposition'>[] = recordsInWindow(records, window, [finding.recordNumber])
    .sort((a, b) => a.completedAt!.localeCompare(b.completedAt!))
    .map((record) => ({
      itemId: impactItemId('pm-record', record.recordNumber),
      kind: 'pm-record',
      labId: machine.labId,
      serialNumber: machine.serialNumber,
      reference: record.recordNumber,
      on: record.completedAt!,
      summary: `${record.frequency} PM of ${record.periodStart}`,
    }));
  if (currentPlan(machine.calibration)?.referenceStandard) {
    const uses = calibrationsUsing(
      machine.serialKey,
      await calibrationsNaming(machine.serialNumber, window.from, window.to),
      window,
      finding.calibrationNumber,
    );
    for (const use of uses.sort((a, b) => a.performedOn.localeCompare(b.performedOn) || a.calibrationNumber.localeCompare(b.calibrationNumber))) {
      items.push({
        itemId: impactItemId('calibration', use.calibrationNumber),
        kind: 'calibration',
        labId: use.labId,
        serialNumber: use.serialNumber,
        reference: use.calibrationNumber,
        on: use.performedOn,
        summary: `Calibration of ${use.serialNumber} with ${machine.serialNumber} as reference standard`,
      });
    }
  }
  const disposed = new Map(kept.map((item) => [item.itemId, item]));
  const current = items.map((item) => disposed.get(item.itemId) ?? { ...item, disposition: null });
  // An item disposed earlier stays, even if the window no longer reaches it: a signed word is never dropped.
  const gone = kept.filter((item) => item.disposition && !current.some((candidate) => candidate.itemId === item.itemId));
  return { window, items: [...current, ...gone] };
}
