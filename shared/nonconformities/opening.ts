import type { AuditAction } from '../domain/audit-actions.js';
import type { OperationInput } from '@azure/cosmos';
import type { EquipmentChainHead, EquipmentDocument } from '../data/equipment-repository.js';
import {
  findingMarkerOperation,
  nonconformityId,
  nonconformityOperation,
  readFindingMarker,
  readNonconformity,
  type NonconformityDocument,
} from '../data/nonconformity-repository.js';
import { quarantine } from '../domain/machine-lifecycle.js';
import { changeMachine } from '../equipment/machine-changes.js';
import type { AuditActor, AuditEvent } from '../domain/audit-chain.js';
import type { StoredCertificate } from '../data/calibration-repository.js';
import { afterChange } from '../equipment/after-change.js';
import { equipmentEvent, type Facts } from '../equipment/manage-equipment.js';
import { trackProductEvent } from '../platform/telemetry.js';
import { assessImpact, type Finding } from './impact-assessment.js';
import { auditEvent } from '../domain/audit-entries.js';
import { labNumber } from '../domain/lab-numbers.js';

export interface FindingReport {
  finding: Finding;
  description: string;
  /** Names the finding for "one nonconformity per finding" (a record, a calibration); null for a report by hand. */
  marker: string | null;
  actor: AuditActor;
  /** The request from the machine it was turned from: the nonconformity names it and keeps its photo. */
  request?: { reportNumber: string; photo: StoredCertificate | null };
}

export function nonconformityEvent(
  action: AuditAction,
  nc: Pick<NonconformityDocument, 'ncNumber' | 'labId' | 'itemLabs'>,
  actor: AuditActor,
  facts: Facts,
  extra: Partial<AuditEvent> = {},
): AuditEvent {
  return auditEvent(action, { kind: 'nonconformity', ncNumber: nc.ncNumber, labIds: [nc.labId, ...nc.itemLabs] }, actor, facts, extra);
}

export const itemLabsOf = (nc: Pick<NonconformityDocument, 'labId' | 'items'>) =>
  [...new Set(nc.items.map((item) => item.labId))].filter((labId) => labId !== nc.labId).sort();

export interface OpeningWrite {
  nc: NonconformityDocument;
  machine: EquipmentDocument;
  statusChanged: boolean;
  head: EquipmentChainHead;
  operations: OperationInput[];
  events: AuditEvent[];
}

/**
 * The writes that open a nonconformity beside whatever else the batch holds: the numbered document,
 * the finding's marker, the quarantined machine and the audit entries. The caller writes them with the
 * chain head it read, so the number is unique and gapless as calibration numbers are.
 */
export async function openingWrite(
  machine: EquipmentDocument,
  head: EquipmentChainHead,
  report: FindingReport,
  facts: Facts,
  openedAt = new Date(),
): Promise<OpeningWrite> {
  const { window, items } = await assessImpact(machine, report.finding);
  const sequence = (head.document.nonconformities ?? 0) + 1;
  const ncNumber = labNumber('nonconformity', machine.labId, sequence);
  const now = openedAt.toISOString();
  const nc: NonconformityDocument = {
    id: nonconformityId(ncNumber),
    type: 'nonconformity',
    ncNumber,
    labId: machine.labId,
    serialNumber: machine.serialNumber,
    serialKey: machine.serialKey,
    modelId: machine.modelId,
    source: report.finding.source,
    calibrationNumber: report.finding.calibrationNumber,
    recordNumber: report.finding.recordNumber,
    description: report.description,
    openedBy: report.actor,
    openedAt: now,
    status: 'Open',
    window: { from: window.from, to: window.to, since: window.since },
    sinceReference: window.sinceReference,
    items,
    itemLabs: [],
    actions: [],
    attachments: report.request?.photo ? [report.request.photo] : [],
    closure: null,
    ...(report.request ? { problemReportNumber: report.request.reportNumber } : {}),
  };
  nc.itemLabs = itemLabsOf(nc);
  const next = quarantine(machine, ncNumber, now, report.actor);
  const statusChanged = next.status !== machine.status;
  return {
    nc,
    machine: next,
    statusChanged,
    head: { document: { ...head.document, nonconformities: sequence }, etag: head.etag },
    operations: [nonconformityOperation(nc), ...(report.marker ? [findingMarkerOperation(machine.labId, report.marker, ncNumber)] : [])],
    events: [
      nonconformityEvent('nonconformity.opened', nc, report.actor, facts, {
        after: {
          ncNumber,
          serialNumber: nc.serialNumber,
          source: nc.source,
          calibrationNumber: nc.calibrationNumber,
          recordNumber: nc.recordNumber,
          description: nc.description,
          ...(report.request ? { problemReportNumber: report.request.reportNumber } : {}),
          window: nc.window,
          items: items.map((item) => item.itemId),
        },
      }),
      equipmentEvent('equipment.quarantined', machine, [machine.labId], report.actor, facts, {
        reason: `nonconformity ${ncNumber}`,
        before: { status: machine.status, quarantinedBy: machine.quarantine?.ncNumbers ?? [] },
        after: { status: next.status, quarantinedBy: next.quarantine!.ncNumbers },
      }),
    ],
  };
}

/** What follows a written opening: open records of a machine taken out of service are cancelled, operations hear of it, and so do the people who asked for immediate notices. */
export async function afterOpening(opening: Pick<OpeningWrite, 'nc' | 'statusChanged'>): Promise<void> {
  const { nc } = opening;
  trackProductEvent(
    'NonconformityOpened',
    { labId: nc.labId, ncNumber: nc.ncNumber, serialNumber: nc.serialNumber, source: nc.source },
    { items: nc.items.length, labsTouched: nc.itemLabs.length + 1 },
  );
  trackProductEvent('EquipmentQuarantined', { labId: nc.labId, serialNumber: nc.serialNumber, ncNumber: nc.ncNumber }, {});
  if (opening.statusChanged) await afterChange().machinesChanged([nc.labId], 'equipment-change');
  await afterChange().nonconformityOpened(nc);
}

/**
 * Opens a nonconformity on a machine, quarantining it, in one batch. A finding with a marker opens at
 * most one, however often it is retried or raced: a second attempt finds the marker and answers the
 * nonconformity the first one opened. `openedAt` is now, except where the demo company writes its past.
 */
export async function openNonconformity(
  labId: string,
  serialNumber: string,
  report: FindingReport,
  facts: Facts,
  openedAt = new Date(),
): Promise<NonconformityDocument> {
  let written: OpeningWrite | undefined;
  const nc = await changeMachine(labId, serialNumber, async (machine, head) => {
    written = undefined;
    if (report.marker) {
      const marker = await readFindingMarker(labId, report.marker);
      const opened = marker && (await readNonconformity(labId, marker.ncNumber));
      if (opened) return { write: null, answer: opened.document };
    }
    const opening = await openingWrite(machine, head, report, facts, openedAt);
    written = opening;
    return { write: { next: opening.machine, events: opening.events, head: opening.head, alongside: opening.operations }, answer: opening.nc };
  });
  if (written) await afterOpening(written);
  return nc;
}
