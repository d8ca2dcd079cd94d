import type { AuditAction } from '../domain/audit-actions.js';
import { actorOf, type Principal } from '../auth/principal.js';
import { assertAssignableModel } from '../catalog/manage-catalog.js';
import { DocumentExists } from '../data/errors.js';
import {
  claimSerial,
  listEquipment,
  moveSerialClaim,
  readEquipment,
  readSerialClaim,
  saveEquipment,
  serialKey,
  type EquipmentDocument,
} from '../data/equipment-repository.js';
import { readLab } from '../data/labs-repository.js';
import { fitnessOf } from '../domain/machine-lifecycle.js';
import { emptyCalibrationState, firstVersionFrom } from './plan-versions.js';
import { labToday } from '../labs/lab-today.js';
import { noteReferenceStandard } from '../data/reference-standards.js';
import { invalidTokenAsBadRequest } from '../data/paging.js';
import type { AuditActor, AuditEvent } from '../domain/audit-chain.js';
import { getsRecords } from '../domain/equipment-status.js';
import { newReportKey } from '../domain/report-keys.js';
import { changeStatus } from '../domain/machine-lifecycle.js';
import { can } from '../domain/permissions.js';
import type { RequestFacts, RequestOrigin } from '../platform/http-pipeline.js';
import { afterChange } from './after-change.js';
import { auditEvent } from '../domain/audit-entries.js';
import { conflict, forbidden, notFound } from '../platform/problems.js';
import type { CreateEquipment, Equipment, ListEquipmentQuery, UpdateEquipment } from '../schemas/equipment.js';
import { changeMachine, findEquipment, inEquipmentTurn, isHere } from './machine-changes.js';

export type Facts = RequestOrigin | null;

/** A serial claimed by a registration that never finished may be taken over after this long. */
const abandonedClaimMs = 5 * 60_000;

export function equipmentEvent(
  action: AuditAction,
  document: Pick<EquipmentDocument, 'serialNumber'>,
  labIds: string[],
  actor: AuditActor,
  facts: Facts,
  extra: Partial<AuditEvent> = {},
): AuditEvent {
  return auditEvent(action, { kind: 'equipment', serialNumber: document.serialNumber, labIds }, actor, facts, extra);
}

/** What the machine's document says, without what is computed from the day (fitness): what audit entries keep. */
export function equipmentFacts(document: EquipmentDocument): Omit<Equipment, 'fitness'> {
  return {
    serialNumber: document.serialNumber,
    modelId: document.modelId,
    labId: document.labId,
    status: document.status,
    createdAt: document.createdAt,
    inServiceSince: document.inServiceSince,
    statusChangedAt: document.statusChangedAt,
    transferInProgress: document.transfer ? { toLabId: document.transfer.toLabId, startedAt: document.transfer.startedAt } : null,
    quarantinedBy: document.quarantine?.ncNumbers ?? [],
  };
}

/** The machine as answered, with its fitness for use on the lab's `today`. */
export function equipmentView(document: EquipmentDocument, today: string): Equipment {
  return { ...equipmentFacts(document), fitness: fitnessOf(document, today) };
}

export function assertMayReadEquipment(principal: Principal, labId: string): void {
  if (!can(principal, 'equipment', 'read', labId)) throw forbidden(`Your role does not give access to the equipment of ${labId}.`);
}

export function assertMayWriteEquipment(principal: Principal, labId: string): void {
  if (!can(principal, 'equipment', 'write', labId)) throw forbidden(`Your role does not allow changing the equipment of ${labId}.`);
}

export async function assertLabOpen(labId: string, field?: string): Promise<void> {
  const lab = await readLab(labId);
  if (!lab) throw notFound(`There is no lab ${labId}.`);
  if (!lab.document.active) throw conflict(`Lab ${labId} is inactive; an administrator reactivates it first${field ? ` (${field})` : ''}.`);
}

export { findEquipment } from './machine-changes.js';

export async function equipmentAnswer(labId: string, serialNumber: string): Promise<Equipment> {
  const [found, today] = await Promise.all([findEquipment(labId, serialNumber), labToday(labId)]);
  return equipmentView(found.document, today);
}

export async function listLabEquipment(labId: string, query: ListEquipmentQuery): Promise<{ items: Equipment[]; continuationToken: string | null }> {
  const page = await listEquipment({
    labId,
    status: query.status,
    modelId: query.modelId,
    includeRetired: query.includeRetired === 'true',
    pageSize: 100,
    continuationToken: query.continuationToken,
  }).catch(invalidTokenAsBadRequest);
  const [here, today] = await Promise.all([Promise.all(page.items.map(isHere)), labToday(labId)]);
  return { items: page.items.filter((_, index) => here[index]).map((document) => equipmentView(document, today)), continuationToken: page.continuationToken };
}

/**
 * Claims the serial number for the lab, company-wide. A claim by this lab that never became equipment
 * (a registration stopped halfway) is reused; one by another lab is a conflict that names the lab,
 * unless it was abandoned long ago without equipment behind it.
 */
async function claimForLab(serialNumber: string, labId: string, now: string): Promise<void> {
  try {
    await claimSerial(serialNumber, labId, now);
    return;
  } catch (error) {
    if (!(error instanceof DocumentExists)) throw error;
  }
  const claim = await readSerialClaim(serialNumber);
  if (!claim) return claimForLab(serialNumber, labId, now);
  const holder = claim.document.labId;
  const held = await readEquipment(holder, serialNumber);
  if (held && held.document.presence !== 'departed') {
    throw conflict(
      holder === labId
        ? `${serialNumber} is already registered at ${labId}.`
        : `${serialNumber} is already registered at ${holder}; transfer it from there instead.`,
    );
  }
  if (holder === labId) return;
  if (Date.parse(claim.document.claimedAt) > Date.parse(now) - abandonedClaimMs) {
    throw conflict(`${serialNumber} is being registered at ${holder}; try again in a few minutes if that registration did not finish.`);
  }
  await moveSerialClaim(claim, labId, now);
}

/**
 * `actor` is the manager or administrator, or the product itself for the demo seed. `since` backdates
 * the registration for data moved in from elsewhere (the demo company); the API registers as of now.
 */
export async function registerEquipment(actor: AuditActor, labId: string, input: CreateEquipment, facts: Facts, since = new Date()): Promise<Equipment> {
  await assertLabOpen(labId);
  const model = await assertAssignableModel(input.modelId);
  const now = since.toISOString();
  await claimForLab(input.serialNumber, labId, now);
  const document: EquipmentDocument = {
    id: serialKey(input.serialNumber),
    type: 'equipment',
    labId,
    serialKey: serialKey(input.serialNumber),
    serialNumber: input.serialNumber,
    modelId: model.modelId,
    status: input.status,
    createdAt: now,
    inServiceSince: getsRecords(input.status) ? now : null,
    statusChangedAt: now,
    presence: 'present',
    transfer: null,
    history: [{ at: now, by: actor, kind: 'registered', labId, toStatus: input.status, toModelId: model.modelId }],
    reportKey: newReportKey(),
    ...(model.calibrationPlan
      ? {
          calibration: {
            ...emptyCalibrationState(),
            planVersions: [
              firstVersionFrom(model.calibrationPlan, actor, now, `copied from the default plan of model ${model.modelId} (version ${model.version})`),
            ],
          },
        }
      : {}),
  };
  await inEquipmentTurn(labId, `Equipment ${input.serialNumber}`, async () => {
    // A departed copy from an earlier transfer out of this lab is replaced: the machine came back.
    const existing = await readEquipment(labId, input.serialNumber);
    if (existing && existing.document.presence !== 'departed') throw conflict(`${input.serialNumber} is already registered at ${labId}.`);
    const plan = document.calibration?.planVersions[0];
    if (plan?.referenceStandard) await noteReferenceStandard({ serialKey: document.serialKey, labId });
    await saveEquipment(document, existing?.etag, [
      equipmentEvent('equipment.registered', document, [labId], actor, facts, { after: equipmentFacts(document) }),
      ...(plan
        ? [
            equipmentEvent('calibration-plan.changed', document, [labId], actor, facts, {
              reason: plan.changeReason!,
              after: { version: 1, required: plan.required, points: plan.points.length, decisionRule: plan.decisionRule },
            }),
          ]
        : []),
    ]);
  });
  return equipmentView(document, await labToday(labId));
}

export async function updateEquipment(
  principal: Principal,
  labId: string,
  serialNumber: string,
  patch: UpdateEquipment,
  facts: RequestFacts,
): Promise<Equipment> {
  const modelId = patch.modelId === undefined ? undefined : (await assertAssignableModel(patch.modelId)).modelId;
  const actor = actorOf(principal);
  const today = await labToday(labId);
  const updated = await changeMachine(labId, serialNumber, (current) => {
    if (current.transfer) {
      throw conflict(`${serialNumber} is being transferred to ${current.transfer.toLabId}; repeat the transfer to finish it before changing the equipment.`);
    }
    const now = new Date().toISOString();
    let next: EquipmentDocument = current;
    if (patch.status !== undefined) {
      const changed = changeStatus(current, patch.status, now, actor);
      if ('refused' in changed) throw conflict(changed.refused);
      next = changed.next;
    }
    if (modelId !== undefined && modelId !== current.modelId) {
      next = {
        ...next,
        modelId,
        history: [...next.history, { at: now, by: actor, kind: 'model', labId: current.labId, fromModelId: current.modelId, toModelId: modelId }],
      };
    }
    if (next === current) return { write: null, answer: equipmentView(current, today) };
    const before = equipmentFacts(current);
    const after = equipmentFacts(next);
    const changed = (['modelId', 'status'] as const).filter((field) => before[field] !== after[field]);
    const event = equipmentEvent('equipment.updated', next, [labId], actor, facts, {
      before: Object.fromEntries(changed.map((field) => [field, before[field]])),
      after: Object.fromEntries(changed.map((field) => [field, after[field]])),
    });
    return { write: { next, events: [event] }, answer: equipmentView(next, today) };
  });
  await afterChange().machinesChanged([labId], 'equipment-change');
  return updated;
}
