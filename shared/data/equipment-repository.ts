import type { JSONObject, OperationInput } from '@azure/cosmos';
import type { AuditActor, AuditEvent } from '../domain/audit-chain.js';
import { retiredStatuses } from '../domain/equipment-status.js';
import type { EquipmentEvent, EquipmentStatus } from '../schemas/equipment.js';
import type { ReturnToService } from '../schemas/nonconformities.js';
import type { Frequency } from '../schemas/catalog.js';
import type { StoredMeter } from '../schemas/meters.js';
import type { CalibrationState, Quarantine } from '../domain/machine-lifecycle.js';
import { stripSystemProperties, writeWithAudit, type ChainOwner } from './audited-write.js';
import { container } from './cosmos.js';
import { DocumentChanged, DocumentExists } from './errors.js';
import { queryPage, type Page } from './paging.js';
import { referenceStandardLocations, type StandardLocation } from './reference-standards.js';
import type { Versioned } from './versioned.js';

/** Serial numbers are unique whatever their case: a label reading "sn-1" is the machine "SN-1". */
export function serialKey(serialNumber: string): string {
  return serialNumber.trim().toUpperCase();
}

/**
 * Where an equipment document stands in its lab. `present` is the normal state; a transfer moves the
 * source through `leaving` to `departed` (kept, so the lab's history and records keep their machine)
 * and the destination through `arriving` to `present`. Which of a `leaving` and an `arriving` copy
 * counts is decided by the serial number's claim (see serial-numbers), switched in one write.
 */
export type Presence = 'present' | 'leaving' | 'arriving' | 'departed';

export interface TransferMarker {
  fromLabId: string;
  toLabId: string;
  startedAt: string;
  by: AuditActor;
}

export interface EquipmentDocument {
  id: string;
  type: 'equipment';
  labId: string;
  serialKey: string;
  serialNumber: string;
  modelId: string;
  status: EquipmentStatus;
  createdAt: string;
  inServiceSince: string | null;
  statusChangedAt: string;
  presence: Presence;
  transfer: TransferMarker | null;
  /** Set when the equipment left this lab: the records work cancels the lab's open records from here. */
  departedTo?: string;
  departedAt?: string;
  history: EquipmentEvent[];
  /** The machine's calibration plan and where its calibration stands; travels with it on a transfer. */
  calibration?: CalibrationState;
  /** Nonconformities that took it out of service (SPEC §10); only a signed return to service clears it. */
  quarantine?: Quarantine | null;
  /** Its nonconformities not yet closed, kept here so the hourly run that reads the machines sees their age. */
  openNonconformities?: { ncNumber: string; openedAt: string }[];
  /** Every signed return to service, oldest first: part of the machine's life (§6.4.13). */
  returnsToService?: ReturnToService[];
  /** Per frequency, the last period whose checklist it completed at a lab it left: not owed again here. */
  checklistsDoneThrough?: Partial<Record<Frequency, string>>;
  /**
   * The secret the label's QR code carries so that anyone at the machine may report a problem without
   * an account (SPEC §15). Never answered by the API except to whoever prints labels; a new one
   * (a Manager's action) makes the old labels' reports 404. Absent on machines registered before it.
   */
  reportKey?: string;
  /** Its meters (SPEC §15), each with its last reading and the total usage schedules count. */
  meters?: StoredMeter[];
}

export type { ApprovedCalibration, CalibrationState, Quarantine } from '../domain/machine-lifecycle.js';

/** The owner of a lab's equipment audit chain: every equipment change in the lab moves its head. */
interface LabChainHead extends ChainOwner {
  id: typeof chainHeadId;
  type: 'audit-chain';
  labId: string;
}

const chainHeadId = '~chain';

/** The lab's equipment chain head as read, for a change that also takes the next calibration number. */
export interface EquipmentChainHead {
  document: LabChainHead & { calibrations?: number; nonconformities?: number; problemReports?: number };
  etag: string | undefined;
}

/** Which lab holds a serial number: the single place that says where a machine is. */
export interface SerialClaim {
  id: string;
  serialKey: string;
  serialNumber: string;
  labId: string;
  claimedAt: string;
}

export async function readEquipment(labId: string, serialNumber: string): Promise<Versioned<EquipmentDocument> | null> {
  const key = serialKey(serialNumber);
  const { resource, etag } = await (await container('equipment')).item(key, labId).read<EquipmentDocument>();
  return resource?.type === 'equipment' ? { document: resource, etag } : null;
}

/**
 * Writes one equipment document and the audit entries describing the change in one batch, behind the
 * lab's chain head. `etag` undefined creates the document; a lost race surfaces as DocumentChanged or
 * DocumentExists, for the caller to read again.
 */
export async function saveEquipment(
  document: EquipmentDocument,
  etag: string | undefined,
  events: readonly AuditEvent[],
  more: { head?: EquipmentChainHead; alongside?: readonly OperationInput[] } = {},
): Promise<Versioned<EquipmentDocument>> {
  const { document: head, etag: headEtag } = more.head ?? (await readEquipmentChainHead(document.labId));
  const operation = equipmentOperation(document, etag);
  try {
    const written = await writeWithAudit<LabChainHead>({
      container: 'equipment',
      partition: ['labId', document.labId],
      owner: head,
      ownerEtag: headEtag,
      alongside: [operation, ...(more.alongside ?? [])],
      events,
    });
    return { document, etag: written.etags[1]! };
  } catch (error) {
    // Another change in the lab moved (or first created) the chain head: the caller reads again.
    if (error instanceof DocumentExists && error.failure.operationIndex === 0) throw new DocumentChanged(`The equipment chain of ${document.labId} moved`);
    throw error;
  } finally {
    // Whether or not the batch went through, this instance's recent read of the lab may be stale now.
    forgetRecentEquipment(document.labId);
  }
}

/** The batch operation that writes a machine: create, or replace on its ETag. */
export function equipmentOperation(document: EquipmentDocument, etag: string | undefined): OperationInput {
  const body = stripSystemProperties(document) as unknown as JSONObject;
  return etag
    ? { operationType: 'Replace', id: document.id, resourceBody: body, ifMatch: etag, partitionKey: document.labId }
    : { operationType: 'Create', resourceBody: body, partitionKey: document.labId };
}

/** The lab's equipment chain head, or a new one when the lab has no equipment change yet. */
export async function readEquipmentChainHead(labId: string): Promise<EquipmentChainHead> {
  const { resource, etag } = await (
    await container('equipment')
  )
    .item(chainHeadId, labId)
    .read<LabChainHead & { calibrations?: number; nonconformities?: number }>();
  return resource ? { document: resource, etag } : { document: { id: chainHeadId, type: 'audit-chain', labId }, etag: undefined };
}

export interface EquipmentListQuery {
  labId: string;
  status?: EquipmentStatus | undefined;
  modelId?: string | undefined;
  includeRetired: boolean;
  pageSize: number;
  continuationToken?: string | undefined;
}

/** One lab's equipment, one partition; departed copies are left out. */
export async function listEquipment(query: EquipmentListQuery): Promise<Page<EquipmentDocument>> {
  const conditions = ['c.labId = @labId', "c.type = 'equipment'", "c.presence != 'departed'"];
  const parameters: { name: string; value: string }[] = [{ name: '@labId', value: query.labId }];
  if (query.status) {
    conditions.push('c.status = @status');
    parameters.push({ name: '@status', value: query.status });
  } else if (!query.includeRetired) {
    retiredStatuses.forEach((status, index) => {
      conditions.push(`c.status != @retired${index}`);
      parameters.push({ name: `@retired${index}`, value: status });
    });
  }
  if (query.modelId) {
    conditions.push('LOWER(c.modelId) = @modelId');
    parameters.push({ name: '@modelId', value: query.modelId.toLowerCase() });
  }
  return queryPage<EquipmentDocument>(
    await container('equipment'),
    { query: `SELECT * FROM c WHERE ${conditions.join(' AND ')} ORDER BY c.serialKey`, parameters },
    query.pageSize,
    query.continuationToken,
    query.labId,
  );
}

export async function readSerialClaim(serialNumber: string): Promise<Versioned<SerialClaim> | null> {
  const key = serialKey(serialNumber);
  const { resource, etag } = await (await container('serialNumbers')).item(key, key).read<SerialClaim>();
  return resource ? { document: resource, etag } : null;
}

/** Claims a serial number for a lab; throws DocumentExists when someone holds it already. */
export async function claimSerial(serialNumber: string, labId: string, claimedAt: string): Promise<Versioned<SerialClaim>> {
  const key = serialKey(serialNumber);
  const claim: SerialClaim = { id: key, serialKey: key, serialNumber, labId, claimedAt };
  try {
    const { etag } = await (await container('serialNumbers')).items.create(claim);
    return { document: claim, etag };
  } catch (error) {
    if ((error as { code?: number }).code === 409) throw new DocumentExists(`${serialNumber} is already claimed`);
    throw error;
  }
}

/** Moves a claim to another lab if it has not changed since it was read (412 → DocumentChanged). */
export async function moveSerialClaim(claim: Versioned<SerialClaim>, labId: string, claimedAt: string): Promise<Versioned<SerialClaim>> {
  const moved: SerialClaim = { ...stripSystemProperties(claim.document), labId, claimedAt };
  try {
    const { etag } = await (await container('serialNumbers')).item(claim.document.id, claim.document.serialKey).replace(moved, {
      accessCondition: { type: 'IfMatch', condition: claim.etag },
    });
    return { document: moved, etag };
  } catch (error) {
    if ((error as { code?: number }).code === 412) throw new DocumentChanged(`The claim of ${claim.document.serialNumber} changed`);
    throw error;
  }
}

/** Every equipment document of a lab, departed copies included: what the record generator works from. */
export async function allEquipmentOf(labId: string): Promise<EquipmentDocument[]> {
  const { resources } = await (
    await container('equipment')
  ).items
    .query<EquipmentDocument>(
      { query: "SELECT * FROM c WHERE c.labId = @labId AND c.type = 'equipment'", parameters: [{ name: '@labId', value: labId }] },
      { partitionKey: labId },
    )
    .fetchAll();
  return resources;
}

/** What the reference-standard picker reads of a machine: enough to judge its fitness. */
export type StandardCandidate = Pick<EquipmentDocument, 'serialNumber' | 'labId' | 'modelId' | 'status' | 'presence' | 'calibration'>;

/**
 * Every machine whose plan ever made it a standard, by a query across the labs: run once, to fill the
 * index. Where a transfer left a departed copy, the lab the machine is in now comes first.
 */
async function standardsInEveryLab(): Promise<StandardLocation[]> {
  const { resources } = await (
    await container('equipment')
  ).items
    .query<StandardLocation & Pick<EquipmentDocument, 'presence'>>(
      "SELECT c.serialKey, c.labId, c.presence FROM c WHERE c.type = 'equipment' AND IS_DEFINED(c.calibration) AND ARRAY_CONTAINS(c.calibration.planVersions, { referenceStandard: true }, true)",
    )
    .fetchAll();
  return resources.sort((a, b) => Number(a.presence === 'departed') - Number(b.presence === 'departed')).map(({ serialKey, labId }) => ({ serialKey, labId }));
}

/** A machine where it is now: a transfer leaves a departed copy that names the lab it went to. */
async function currentCopy({ serialKey, labId }: StandardLocation): Promise<EquipmentDocument | null> {
  const equipment = await container('equipment');
  for (let lab = labId, hops = 0; hops < 20; hops++) {
    const { resource } = await equipment.item(serialKey, lab).read<EquipmentDocument>();
    if (resource?.type !== 'equipment') return null;
    if (resource.presence !== 'departed' || !resource.departedTo) return resource;
    lab = resource.departedTo;
  }
  return null;
}

/**
 * The machines in the company whose plan ever made them a reference standard (a standard of one lab
 * may calibrate another's machines): the index says where they are, and each is read by id in its
 * lab's partition; whether the current plan still says so is the caller's to judge.
 */
export async function referenceStandardCandidates(): Promise<StandardCandidate[]> {
  const machines = await Promise.all((await referenceStandardLocations(standardsInEveryLab)).map(currentCopy));
  return machines.filter((machine) => machine !== null);
}

/**
 * Each lab's machines as this instance last read them, for answers that need only their status and
 * calibration beside hundreds of other rows (the dashboard's fitness): kept a minute, and dropped at
 * once when this instance writes the lab's equipment. A change made through another instance shows
 * within the minute; pages about one machine always read it fresh.
 */
const lifetimeMs = 60_000;
const recent = new Map<string, { readAt: number; machines: Promise<EquipmentDocument[]> }>();

export function recentEquipmentOf(labId: string, load: () => Promise<EquipmentDocument[]>): Promise<EquipmentDocument[]> {
  const found = recent.get(labId);
  if (found && performance.now() - found.readAt < lifetimeMs) return found.machines;
  const entry = { readAt: performance.now(), machines: load() };
  recent.set(labId, entry);
  // A failed read is not kept; a newer read that replaced it meanwhile is.
  entry.machines.catch(() => recent.get(labId) === entry && recent.delete(labId));
  return entry.machines;
}

export function forgetRecentEquipment(labId: string): void {
  recent.delete(labId);
}
