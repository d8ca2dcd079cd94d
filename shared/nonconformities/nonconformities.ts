import { actorOf, type Principal } from '../auth/principal.js';
import { stripSystemProperties, writeWithAudit } from '../data/audited-write.js';
import { readEquipment, readEquipmentChainHead, readSerialClaim, serialKey, type EquipmentDocument } from '../data/equipment-repository.js';
import {
  listNonconformities,
  nonconformityOperation,
  openNonconformitiesTouching,
  readNonconformity,
  type NonconformityDocument,
} from '../data/nonconformity-repository.js';
import { invalidTokenAsBadRequest } from '../data/paging.js';
import type { AuditEvent } from '../domain/audit-chain.js';
import { closeNonconformity as closeNonconformityOn, moveToRepair, recalibrationRequested } from '../domain/machine-lifecycle.js';
import { can } from '../domain/permissions.js';
import { contentHash } from '../domain/record-hash.js';
import { daysBetween } from '../domain/calibration-rules.js';
import { changeMachine, inEquipmentTurn } from '../equipment/machine-changes.js';
import { equipmentEvent, findEquipment, type Facts } from '../equipment/manage-equipment.js';
import { labToday } from '../labs/lab-today.js';
import { conflict, forbidden, HttpProblem, notFound } from '../platform/problems.js';
import { trackProductEvent } from '../platform/telemetry.js';
import { findLabRecord } from '../records/manage-records.js';
import { confirmSigner, type ConfirmSigner } from '../signing/confirm-signer.js';
import { signerBlock } from '../signing/signer-block.js';
import type { Signature } from '../schemas/records.js';
import type {
  CloseNonconformity,
  DispositionInput,
  ImpactInboxItem,
  ImpactItem,
  Nonconformity,
  RepairActionInput,
  ReportNonconformity,
} from '../schemas/nonconformities.js';
import type { Certificate } from '../schemas/calibration.js';
import { safeFileName, storeVerifiedFile, verifiedFileContent, withoutStorage } from '../storage/verified-files.js';
import type { StoredCertificate } from '../data/calibration-repository.js';
import { assessImpact } from './impact-assessment.js';
import { itemLabsOf, nonconformityEvent, openNonconformity } from './opening.js';

const refusedRead = (labId: string) => forbidden(`Your role does not give access to the nonconformities of ${labId}.`);

export function assertMayReadNonconformities(principal: Principal, labId: string): void {
  if (!can(principal, 'nonconformities', 'read', labId)) throw refusedRead(labId);
}

export function assertMayReportNonconformities(principal: Principal, labId: string): void {
  if (!can(principal, 'nonconformities', 'complete', labId)) throw forbidden(`Your role does not allow reporting faults at ${labId}.`);
}

export function assertMayDecideNonconformities(principal: Principal, labId: string): void {
  if (!can(principal, 'nonconformities', 'write', labId))
    throw forbidden(`Only a manager of ${labId} or an administrator can dispose, close or return to service there.`);
}

export function nonconformityView(document: NonconformityDocument): Nonconformity {
  const { id: _id, type: _type, serialKey: _key, itemLabs: _labs, sinceReference: _since, attachments, ...view } = stripSystemProperties(document);
  return { ...view, attachments: attachments.map(withoutStorage) };
}

const noSuchNonconformity = (labId: string, ncNumber: string) => notFound(`There is no nonconformity ${ncNumber} at ${labId}.`);

async function nonconformityOf(labId: string, ncNumber: string) {
  const found = ncNumber.startsWith(`${labId}-`) ? await readNonconformity(labId, ncNumber) : null;
  if (!found) throw noSuchNonconformity(labId, ncNumber);
  return found;
}

/**
 * What a reader of a lab whose results the nonconformity touched sees of it: what was found, the
 * window, its status and closure, and the items of the labs they read; not other labs' items, nor
 * the repair log and photos of the lab that owns it. Null when it touches no lab they read.
 */
function touchedLabView(principal: Principal, nc: NonconformityDocument): Nonconformity | null {
  const items = nc.items.filter((item) => can(principal, 'nonconformities', 'read', item.labId));
  if (items.length === 0) return null;
  return { ...nonconformityView(nc), items, actions: [], attachments: [] };
}

/** The nonconformity as this caller may see it: all of it in the labs they read, otherwise the touched lab's view. */
function viewFor(principal: Principal, nc: NonconformityDocument): Nonconformity | null {
  return can(principal, 'nonconformities', 'read', nc.labId) ? nonconformityView(nc) : touchedLabView(principal, nc);
}

/**
 * One nonconformity for `GET`. A caller who reads neither its lab nor a lab it touched gets exactly
 * what they get for one that does not exist, the refusal every read of that lab gets, so nobody
 * learns what another lab has.
 */
export async function nonconformityFor(principal: Principal, labId: string, ncNumber: string): Promise<Nonconformity> {
  if (can(principal, 'nonconformities', 'read', labId)) return nonconformityView((await nonconformityOf(labId, ncNumber)).document);
  const found = ncNumber.startsWith(`${labId}-`) ? await readNonconformity(labId, ncNumber) : null;
  const view = found ? touchedLabView(principal, found.document) : null;
  if (!view) throw refusedRead(labId);
  return view;
}

export async function nonconformitiesPage(
  labId: string,
  query: { status?: 'Open' | 'Closed' | undefined; serialNumber?: string | undefined; continuationToken?: string | undefined },
) {
  const page = await listNonconformities({
    labId,
    status: query.status,
    serialKey: query.serialNumber ? serialKey(query.serialNumber) : undefined,
    pageSize: 100,
    continuationToken: query.continuationToken,
  }).catch(invalidTokenAsBadRequest);
  return { items: page.items.map(nonconformityView), continuationToken: page.continuationToken };
}

/** Items of open nonconformities (any lab's) on results of this lab that still wait for its disposition. */
export async function impactInbox(labId: string): Promise<{ items: ImpactInboxItem[]; continuationToken: null }> {
  const touching = await openNonconformitiesTouching(labId);
  const own = (await listNonconformities({ labId, status: 'Open', pageSize: 1000 })).items;
  const all = [...new Map([...touching, ...own].map((nc) => [nc.id + nc.labId, nc])).values()];
  const items = all.flatMap((nc) =>
    nc.items
      .filter((item) => item.labId === labId && !item.disposition)
      .map((item) => ({ ...item, ncNumber: nc.ncNumber, ncLabId: nc.labId, ncSerialNumber: nc.serialNumber, ncDescription: nc.description })),
  );
  return { items: items.sort((a, b) => a.ncNumber.localeCompare(b.ncNumber) || a.on.localeCompare(b.on)), continuationToken: null };
}

/** Anyone in the lab reports a fault by hand (SPEC §10); the machine is quarantined in the same write. `at` is now, except in the demo's past. */
export async function reportNonconformity(
  principal: Principal,
  labId: string,
  input: ReportNonconformity,
  facts: Facts,
  at = new Date(),
): Promise<Nonconformity> {
  await findEquipment(labId, input.serialNumber);
  if (input.recordNumber) {
    const { document: record } = await findLabRecord(labId, input.recordNumber);
    if (record.serialKey !== serialKey(input.serialNumber))
      throw conflict(`Record ${input.recordNumber} is a checklist of ${record.serialNumber}, not of ${input.serialNumber}.`);
  }
  const nc = await openNonconformity(
    labId,
    input.serialNumber,
    {
      finding: { source: 'reported', calibrationNumber: null, performedOn: null, recordNumber: input.recordNumber ?? null, foundAt: at.toISOString() },
      description: input.description,
      marker: null,
      actor: actorOf(principal),
    },
    facts,
    at,
  );
  return nonconformityView(nc);
}

/**
 * Changes an open nonconformity in its lab's partition, with the audit entry in that lab's equipment
 * chain, on the ETag it was read with: a lost race reads again and decides again.
 */
async function changeNonconformity(
  labId: string,
  ncNumber: string,
  change: (nc: NonconformityDocument) => Promise<NonconformityChange> | NonconformityChange,
): Promise<NonconformityDocument> {
  return inEquipmentTurn(labId, `Nonconformity ${ncNumber}`, async () => {
    const [found, head] = await Promise.all([nonconformityOf(labId, ncNumber), readEquipmentChainHead(labId)]);
    const { next, event } = await change(found.document);
    await writeWithAudit({
      container: 'equipment',
      partition: ['labId', labId],
      owner: head.document,
      ownerEtag: head.etag,
      alongside: [nonconformityOperation(next, found.etag)],
      events: [nonconformityEvent(...event)],
    });
    return next;
  });
}

interface NonconformityChange {
  next: NonconformityDocument;
  event: Parameters<typeof nonconformityEvent>;
}

/**
 * Changes a nonconformity and its machine (in the same lab) in one batch through the machine's owner:
 * a refused decision writes neither, nor any audit entry.
 */
function changeNonconformityAndMachine(
  labId: string,
  ncNumber: string,
  serialNumber: string,
  change: (nc: NonconformityDocument, machine: EquipmentDocument) => Promise<NonconformityChange & { machine: EquipmentDocument; machineEvents: AuditEvent[] }>,
  read?: Parameters<typeof changeMachine>[3],
): Promise<NonconformityDocument> {
  return changeMachine(
    labId,
    serialNumber,
    async (machine) => {
      const found = await nonconformityOf(labId, ncNumber);
      const { next, event, machine: nextMachine, machineEvents } = await change(found.document, machine);
      return {
        write: { next: nextMachine, alongside: [nonconformityOperation(next, found.etag)], events: [nonconformityEvent(...event), ...machineEvents] },
        answer: next,
      };
    },
    read,
  );
}

type Signer = Omit<Signature, 'contentHash'>;

/** What a disposition signs: the item, the word and the reason, the signer, meaning and time. */
function dispositionHash(ncNumber: string, item: Pick<ImpactItem, 'itemId' | 'reference'>, disposition: string, reason: string, signer: Signer): string {
  return contentHash({ ncNumber, itemId: item.itemId, reference: item.reference, disposition, reason, ...signer });
}

/** What a closure signs: the summary and every item with its disposition. */
function closureHash(ncNumber: string, items: readonly ImpactItem[], summary: string, signer: Signer): string {
  return contentHash({ ncNumber, summary, items: items.map((item) => [item.itemId, item.disposition!.disposition]), ...signer });
}

/** Whether the stored signatures still match what they signed: `GET /api/audit/verify` asks this of every nonconformity. */
export function nonconformitySignatureProblem(nc: NonconformityDocument): string | null {
  for (const item of nc.items) {
    if (!item.disposition) continue;
    const { contentHash: signed, ...signer } = item.disposition.signature;
    if (dispositionHash(nc.ncNumber, item, item.disposition.disposition, item.disposition.reason, signer) !== signed)
      return `the disposition of ${item.itemId} does not match its signature`;
  }
  if (nc.closure) {
    const { contentHash: signed, ...signer } = nc.closure.signature;
    if (nc.items.some((item) => !item.disposition) || closureHash(nc.ncNumber, nc.items, nc.closure.summary, signer) !== signed)
      return 'the closure does not match its signature';
  }
  return null;
}

function assertOpen(nc: NonconformityDocument, what: string): void {
  if (nc.status !== 'Open') throw conflict(`${nc.ncNumber} was closed on ${nc.closure?.at.slice(0, 10) ?? 'an earlier day'}; ${what} only while it is open.`);
}

/** The impact list as it stands now: new results the window reaches are added, dispositions kept. */
async function withCurrentImpact(nc: NonconformityDocument): Promise<NonconformityDocument> {
  const { document: machine } = await findEquipment(nc.labId, nc.serialNumber).catch(() => ({ document: null }));
  if (!machine) return nc;
  const { items } = await assessImpact(
    machine,
    {
      source: nc.source,
      calibrationNumber: nc.calibrationNumber,
      performedOn: nc.source === 'calibration' ? nc.window.to : null,
      recordNumber: nc.recordNumber,
      foundAt: nc.openedAt,
    },
    nc.items,
    { ...nc.window, sinceReference: nc.sinceReference ?? null },
  );
  const refreshed = { ...nc, items };
  return { ...refreshed, itemLabs: itemLabsOf(refreshed) };
}

/**
 * A Manager of the item's lab gives each result the window touched a signed disposition. `Recalibrate`
 * also makes that machine not fit until its next approved calibration, written first in its own lab
 * (and only once), so a retry after a failure finds it done.
 */
export async function disposeItem(
  principal: Principal,
  labId: string,
  ncNumber: string,
  input: DispositionInput,
  facts: Facts & object,
  confirm: ConfirmSigner = confirmSigner,
): Promise<Nonconformity> {
  const { document: nc } = await nonconformityOf(labId, ncNumber);
  // A manager who sees nothing of it is answered as if it did not exist, and learns no item of another lab.
  const visible = viewFor(principal, nc);
  if (!visible) throw noSuchNonconformity(labId, ncNumber);
  assertOpen(nc, 'items are disposed');
  const item = visible.items.find((candidate) => candidate.itemId === input.itemId);
  if (!item)
    throw notFound(`${ncNumber} has no item ${input.itemId}; its items are ${visible.items.map((candidate) => candidate.itemId).join(', ') || 'none'}.`);
  assertMayDecideNonconformities(principal, item.labId);
  if (item.disposition)
    throw conflict(`${item.itemId} was disposed "${item.disposition.disposition}" by ${item.disposition.by.displayName}; a disposition is not changed.`);
  const method = await confirm(principal, input.signature.password, facts, 'signature on disposition');
  const actor = actorOf(principal);
  const dispose = (current: NonconformityDocument): NonconformityChange => {
    assertOpen(current, 'items are disposed');
    const target = current.items.find((candidate) => candidate.itemId === input.itemId)!;
    if (target.disposition)
      throw conflict(
        `${target.itemId} was disposed "${target.disposition.disposition}" by ${target.disposition.by.displayName} meanwhile; a disposition is not changed.`,
      );
    const unsigned = signerBlock(principal, input.signature.meaning, method);
    const signature = { ...unsigned, contentHash: dispositionHash(ncNumber, target, input.disposition, input.reason, unsigned) };
    const disposition = { disposition: input.disposition, reason: input.reason, by: actor, at: unsigned.signedAt, signature };
    const next = { ...current, items: current.items.map((candidate) => (candidate.itemId === target.itemId ? { ...candidate, disposition } : candidate)) };
    return {
      next,
      event: [
        'nonconformity.item-disposed',
        next,
        actor,
        facts,
        {
          reason: input.reason,
          after: {
            itemId: target.itemId,
            reference: target.reference,
            labId: target.labId,
            disposition: input.disposition,
            contentHash: signature.contentHash,
          },
        },
      ],
    };
  };
  if (input.disposition !== 'Recalibrate') return viewFor(principal, await changeNonconformity(labId, ncNumber, dispose))!;
  const request = { ncNumber, itemId: item.itemId, on: await labToday(item.labId) };
  const requested = (machine: EquipmentDocument) => ({
    machine: recalibrationRequested(machine, request),
    machineEvents: [
      equipmentEvent('calibration.recalibration-requested', machine, [item.labId, labId], actor, facts, {
        reason: `disposition of ${item.itemId} on nonconformity ${ncNumber}`,
        after: request,
      }),
    ],
  });
  if (item.labId === labId) {
    // The disposition and the machine's recalibration request in one batch: a refused disposition asks nothing of the machine.
    const written = await changeNonconformityAndMachine(labId, ncNumber, item.serialNumber, async (current, machine) => ({
      ...dispose(current),
      ...requested(machine),
    }));
    return viewFor(principal, written)!;
  }
  // A machine of another lab lives in another partition: the disposition is decided (or refused) first, then its machine is asked.
  const written = await changeNonconformity(labId, ncNumber, dispose);
  await changeMachine(item.labId, item.serialNumber, (machine) => {
    if (machine.calibration?.recalibrationRequested?.itemId === item.itemId) return { write: null, answer: undefined };
    const { machine: next, machineEvents } = requested(machine);
    return { write: { next, events: machineEvents }, answer: undefined };
  });
  return viewFor(principal, written)!;
}

/** The repair log: what was done and by whom; a Manager may move the machine to Repair onsite or offsite. `at` is now, except in the demo's past. */
export async function addRepairAction(
  principal: Principal,
  labId: string,
  ncNumber: string,
  input: RepairActionInput,
  facts: Facts,
  at = new Date(),
): Promise<Nonconformity> {
  const actor = actorOf(principal);
  const log = (current: NonconformityDocument): NonconformityChange => {
    assertOpen(current, 'repairs are logged');
    const action = {
      actionId: String(current.actions.length + 1),
      text: input.text,
      statusChange: input.statusChange ?? null,
      by: actor,
      at: at.toISOString(),
    };
    return { next: { ...current, actions: [...current.actions, action] }, event: ['nonconformity.repair-logged', current, actor, facts, { after: action }] };
  };
  const status = input.statusChange;
  if (!status) return nonconformityView(await changeNonconformity(labId, ncNumber, log));
  assertMayDecideNonconformities(principal, labId);
  const { document: nc } = await nonconformityOf(labId, ncNumber);
  // The log and the machine's repair status in one batch, so the log never says the machine moved when it did not.
  const written = await changeNonconformityAndMachine(labId, ncNumber, nc.serialNumber, async (current, machine) => {
    const moved = moveToRepair(machine, status, ncNumber, at.toISOString(), actor);
    if ('refused' in moved) throw conflict(moved.refused);
    const changed = moved.next !== machine;
    return {
      ...log(current),
      machine: moved.next,
      machineEvents: changed
        ? [
            equipmentEvent('equipment.updated', machine, [labId], actor, facts, {
              reason: `repair under nonconformity ${ncNumber}`,
              before: { status: machine.status },
              after: { status },
            }),
          ]
        : [],
    };
  });
  return nonconformityView(written);
}

/** Closes a nonconformity once every item, as the window stands now, has its disposition; signed "Closed by". */
export async function closeNonconformity(
  principal: Principal,
  labId: string,
  ncNumber: string,
  input: CloseNonconformity,
  facts: Facts & object,
  confirm: ConfirmSigner = confirmSigner,
  closedAt = new Date(),
): Promise<Nonconformity> {
  const undisposed = (nc: NonconformityDocument) => nc.items.filter((item) => !item.disposition);
  const refuse = (nc: NonconformityDocument) => {
    assertOpen(nc, 'it is closed');
    const open = undisposed(nc);
    if (open.length) {
      throw conflict(
        `${ncNumber} cannot close: ${open.length === 1 ? 'one item has' : `${open.length} items have`} no disposition yet: ${open.map((item) => `${item.itemId} (${item.labId})`).join(', ')}.`,
      );
    }
  };
  refuse(await withCurrentImpact((await nonconformityOf(labId, ncNumber)).document));
  const method = await confirm(principal, input.signature.password, facts, 'signature on closure');
  const actor = actorOf(principal);
  const { document: read } = await nonconformityOf(labId, ncNumber);
  // The machine forgets it in the same batch: its open list is what fitness and the hourly age check read.
  const written = await changeNonconformityAndMachine(
    labId,
    ncNumber,
    read.serialNumber,
    async (current, machine) => {
      const refreshed = await withCurrentImpact(current);
      refuse(refreshed);
      const unsigned = signerBlock(principal, input.signature.meaning, method, closedAt.toISOString());
      const signature = { ...unsigned, contentHash: closureHash(ncNumber, refreshed.items, input.summary, unsigned) };
      const next: NonconformityDocument = { ...refreshed, status: 'Closed', closure: { summary: input.summary, by: actor, at: unsigned.signedAt, signature } };
      return {
        next,
        event: [
          'nonconformity.closed',
          next,
          actor,
          facts,
          { reason: input.summary, before: { status: 'Open' }, after: { status: 'Closed', items: next.items.length, contentHash: signature.contentHash } },
        ],
        machine: closeNonconformityOn(machine, ncNumber),
        machineEvents: [],
      };
    },
    // The lab's copy of the machine, even one that has left since: the nonconformity stays with the lab.
    async (lab, serialNumber) => (await readEquipment(lab, serialNumber)) ?? (await findEquipment(lab, serialNumber)),
  );
  await forgetWhereTheMachineIsNow(labId, written, actor, facts);
  trackProductEvent(
    'NonconformityClosed',
    { labId, ncNumber, source: written.source },
    { daysOpen: daysBetween(written.openedAt.slice(0, 10), written.closure!.at.slice(0, 10)), items: written.items.length },
  );
  return nonconformityView(written);
}

/**
 * A machine moved to another lab after its nonconformity opened carries the nonconformity in its
 * open list there too: its copy where it is now forgets it as well, or it would read "open
 * nonconformity" at its new lab for good. A second write, in the other lab's partition (a batch
 * cannot span two): were the process to stop between the two, that copy keeps the closed one listed.
 */
async function forgetWhereTheMachineIsNow(labId: string, closed: NonconformityDocument, actor: ReturnType<typeof actorOf>, facts: Facts): Promise<void> {
  const whereNow = (await readSerialClaim(closed.serialNumber))?.document.labId;
  if (!whereNow || whereNow === labId) return;
  await changeMachine(whereNow, closed.serialNumber, (machine) => {
    if (!(machine.openNonconformities ?? []).some((open) => open.ncNumber === closed.ncNumber)) return { write: null, answer: null };
    const next = closeNonconformityOn(machine, closed.ncNumber);
    const event = equipmentEvent('equipment.updated', next, [whereNow, labId], actor, facts, {
      reason: `${closed.ncNumber} was closed at ${labId}`,
      before: { openNonconformities: (machine.openNonconformities ?? []).map((open) => open.ncNumber).join(', ') },
      after: { openNonconformities: (next.openNonconformities ?? []).map((open) => open.ncNumber).join(', ') },
    });
    return { write: { next, events: [event] }, answer: null };
  });
}

/** A photo of the fault or the repair (or a PDF report): kept as calibration certificates are. */
export async function addAttachment(
  principal: Principal,
  labId: string,
  ncNumber: string,
  body: AsyncIterable<Buffer>,
  sentFileName: string | undefined,
  facts: Facts,
): Promise<Certificate> {
  assertOpen((await nonconformityOf(labId, ncNumber)).document, 'photos are added');
  const stored = await storeVerifiedFile(body, `${labId}/${ncNumber}`, { labId, ncNumber }, 'A photo or attachment');
  const actor = actorOf(principal);
  let added: StoredCertificate | undefined;
  await changeNonconformity(labId, ncNumber, async (current) => {
    const certificateId = String(current.attachments.length + 1);
    added = {
      certificateId,
      fileName: safeFileName(sentFileName, `${ncNumber}-attachment-${certificateId}`, stored.type),
      contentType: stored.type.contentType,
      size: stored.size,
      sha256: stored.sha256,
      uploadedAt: new Date().toISOString(),
      uploadedBy: actor,
      blobName: stored.blobName,
      contentMd5: stored.contentMd5,
      ...(stored.versionId ? { versionId: stored.versionId } : {}),
    };
    return {
      next: { ...current, attachments: [...current.attachments, added] },
      event: ['nonconformity.attachment-added', current, actor, facts, { after: withoutStorage(added) }],
    };
  });
  return withoutStorage(added!);
}

export async function attachmentDownload(
  labId: string,
  ncNumber: string,
  attachmentId: string,
): Promise<{ attachment: Certificate; content: AsyncIterable<Uint8Array> }> {
  const { document } = await nonconformityOf(labId, ncNumber);
  const stored = document.attachments.find((candidate) => candidate.certificateId === attachmentId);
  if (!stored) throw notFound(`Nonconformity ${ncNumber} has no attachment ${attachmentId}.`);
  // A 500 with a sentence, as for certificates (shared/calibration/certificates.ts says why).
  const content = await verifiedFileContent(stored, {
    missing: () =>
      new HttpProblem(
        500,
        'Attachment missing',
        `The file of attachment ${attachmentId} of ${ncNumber} is missing from storage; the audit verification lists it. Tell your administrator.`,
      ),
    altered: () =>
      new HttpProblem(
        500,
        'Attachment altered',
        `Attachment ${attachmentId} of ${ncNumber} no longer matches the SHA-256 recorded when it was uploaded, so it is not sent. Tell your administrator: the audit verification lists it.`,
      ),
  });
  return { attachment: withoutStorage(stored), content };
}
