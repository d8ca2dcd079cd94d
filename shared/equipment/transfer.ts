import { labToday } from '../labs/lab-today.js';
import { actorOf, type Principal } from '../auth/principal.js';
import { moveSerialClaim, readEquipment, readSerialClaim, saveEquipment, type EquipmentDocument, type TransferMarker } from '../data/equipment-repository.js';
import { DocumentChanged, DocumentExists } from '../data/errors.js';
import { TooMuchContention } from '../platform/store-failures.js';
import type { Versioned } from '../data/versioned.js';
import { getsRecords } from '../domain/equipment-status.js';
import { arrived } from '../domain/machine-lifecycle.js';
import { completedRecordsOf } from '../data/records-repository.js';
import type { Frequency } from '../schemas/catalog.js';
import { afterChange } from './after-change.js';
import { badRequest, conflict, notFound } from '../platform/problems.js';
import { assertLabOpen, assertMayWriteEquipment, equipmentEvent, equipmentFacts, equipmentView, type Facts } from './manage-equipment.js';
import type { Equipment } from '../schemas/equipment.js';

/**
 * Moving equipment between labs touches two partitions, so no single batch covers it. It is a sequence
 * of steps, each one idempotent and each decided by what is stored, so that a run stopped between any
 * two steps is finished by running it again:
 *
 *   1. source copy present → leaving, with a transfer marker        (source chain: transfer started)
 *   2. destination copy → arriving, history carried over + 1 entry   (destination chain: incoming)
 *   3. the serial number's claim moves from source to destination: the one write that moves the machine
 *   4. destination copy arriving → present                           (destination chain: transferred in)
 *   5. source copy leaving → departed, marked for the records work    (source chain: transferred out)
 *
 * Before step 3 the machine is at the source (its leaving copy counts, the arriving one does not);
 * from step 3 on it is at the destination: never in both labs, never in neither.
 */
interface TransferState {
  source: Versioned<EquipmentDocument>;
  destination: Versioned<EquipmentDocument> | null;
  claimLabId: string | null;
}

type Step = (state: TransferState, marker: TransferMarker, facts: Facts) => Promise<void>;

async function readState(fromLabId: string, toLabId: string, serialNumber: string): Promise<TransferState> {
  const [source, destination, claim] = await Promise.all([
    readEquipment(fromLabId, serialNumber),
    readEquipment(toLabId, serialNumber),
    readSerialClaim(serialNumber),
  ]);
  if (!source) throw notFound(`There is no equipment ${serialNumber} at ${fromLabId}.`);
  return { source, destination, claimLabId: claim?.document.labId ?? null };
}

const markLeaving: Step = async ({ source }, marker, facts) => {
  const next: EquipmentDocument = { ...source.document, presence: 'leaving', transfer: marker };
  await saveEquipment(next, source.etag, [
    equipmentEvent('equipment.transfer-started', next, [marker.fromLabId, marker.toLabId], marker.by, facts, {
      before: { labId: marker.fromLabId },
      after: { labId: marker.toLabId },
    }),
  ]);
};

/** Per frequency, the start of the latest period whose checklist the machine completed at the lab it leaves. */
async function checklistsDoneAt(labId: string, serialKey: string): Promise<Partial<Record<Frequency, string>>> {
  const done: Partial<Record<Frequency, string>> = {};
  for (const record of await completedRecordsOf(labId, serialKey)) {
    // A usage record is owed by the meter, not by a period: nothing to carry to the next lab.
    if (record.frequency === 'Usage') continue;
    if (!done[record.frequency] || done[record.frequency]! < record.periodStart) done[record.frequency] = record.periodStart;
  }
  return done;
}

const prepareArrival: Step = async ({ source, destination }, marker, facts) => {
  const arriving: EquipmentDocument = arrived(
    {
      ...source.document,
      labId: marker.toLabId,
      presence: 'arriving',
      transfer: marker,
      inServiceSince: getsRecords(source.document.status) ? marker.startedAt : null,
      history: [
        ...source.document.history,
        { at: marker.startedAt, by: marker.by, kind: 'transfer', labId: marker.toLabId, fromLabId: marker.fromLabId, toLabId: marker.toLabId },
      ],
    },
    await checklistsDoneAt(marker.fromLabId, source.document.serialKey),
  );
  delete arriving.departedTo;
  delete arriving.departedAt;
  await saveEquipment(arriving, destination?.etag, [
    equipmentEvent('equipment.transfer-incoming', arriving, [marker.toLabId, marker.fromLabId], marker.by, facts, { after: { fromLabId: marker.fromLabId } }),
  ]);
};

const moveClaim: Step = async ({ source }, marker) => {
  const claim = await readSerialClaim(source.document.serialNumber);
  if (!claim) throw new Error(`The serial number claim of ${source.document.serialNumber} is missing`);
  if (claim.document.labId === marker.fromLabId) await moveSerialClaim(claim, marker.toLabId, marker.startedAt);
};

const completeArrival: Step = async ({ destination }, marker, facts) => {
  const next: EquipmentDocument = { ...destination!.document, presence: 'present', transfer: null };
  await saveEquipment(next, destination!.etag, [
    equipmentEvent('equipment.transferred-in', next, [marker.toLabId, marker.fromLabId], marker.by, facts, { after: equipmentFacts(next) }),
  ]);
};

const completeDeparture: Step = async ({ source }, marker, facts) => {
  const now = new Date().toISOString();
  const next: EquipmentDocument = {
    ...source.document,
    presence: 'departed',
    transfer: null,
    departedTo: marker.toLabId,
    departedAt: now,
    history: [
      ...source.document.history,
      { at: marker.startedAt, by: marker.by, kind: 'transfer', labId: marker.fromLabId, fromLabId: marker.fromLabId, toLabId: marker.toLabId },
    ],
  };
  await saveEquipment(next, source.etag, [
    equipmentEvent('equipment.transferred-out', next, [marker.fromLabId, marker.toLabId], marker.by, facts, {
      reason: `transferred to ${marker.toLabId}`,
      before: { labId: marker.fromLabId },
      after: { labId: marker.toLabId },
    }),
  ]);
};

/** The next step to take, from what is stored; null when the transfer is finished. */
function nextStep(state: TransferState, marker: TransferMarker): Step | null {
  const { source, destination, claimLabId } = state;
  const arrivingForThis = destination?.document.presence === 'arriving' && destination.document.transfer?.startedAt === marker.startedAt;
  if (source.document.presence === 'present') return markLeaving;
  if (claimLabId === marker.fromLabId) return arrivingForThis ? moveClaim : prepareArrival;
  if (arrivingForThis) return completeArrival;
  if (source.document.presence === 'leaving') return completeDeparture;
  return null;
}

export interface TransferOptions {
  /**
   * Take at most this many steps, then stop as a crash would: for tests and for recovery drills that
   * prove a stopped transfer is finished by running it again.
   */
  stepLimit?: number;
}

const maximumLostRaces = 10;

function finished(state: TransferState, toLabId: string): boolean {
  const { source, destination, claimLabId } = state;
  return (
    source.document.presence === 'departed' && source.document.departedTo === toLabId && claimLabId === toLabId && destination?.document.presence === 'present'
  );
}

/** Starts a transfer, or finishes the one in progress to the same lab; answers the equipment at its new lab. */
export async function transferEquipment(
  principal: Principal,
  fromLabId: string,
  serialNumber: string,
  toLabId: string,
  facts: Facts,
  options: TransferOptions = {},
): Promise<Equipment> {
  if (toLabId === fromLabId) throw badRequest(`${serialNumber} is already at ${fromLabId}.`, [{ field: 'toLabId', message: 'must be another lab' }]);
  assertMayWriteEquipment(principal, toLabId);
  await assertLabOpen(toLabId, 'toLabId');
  let steps = 0;
  let lostRaces = 0;
  for (;;) {
    const state = await readState(fromLabId, toLabId, serialNumber);
    if (finished(state, toLabId)) {
      if (steps > 0) await afterChange().machinesChanged([fromLabId, toLabId], 'transfer');
      return equipmentView(state.destination!.document, await labToday(state.destination!.document.labId));
    }
    const marker = markerFor(state, principal, fromLabId, toLabId, serialNumber);
    const step = nextStep(state, marker);
    if (!step) throw new Error(`Transfer of ${serialNumber} from ${fromLabId} to ${toLabId} has no next step`);
    if (options.stepLimit !== undefined && steps >= options.stepLimit) throw new Error(`Transfer of ${serialNumber} stopped after ${steps} steps`);
    try {
      await step(state, marker, facts);
      steps += 1;
    } catch (error) {
      // Another request changed a copy first (perhaps finishing this very step): read again and go on.
      if (!(error instanceof DocumentChanged || error instanceof DocumentExists)) throw error;
      if (++lostRaces >= maximumLostRaces) throw new TooMuchContention(`Equipment ${serialNumber} is being changed by others; try again`);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * 2 ** lostRaces));
    }
  }
}

/** The transfer in progress, or a new one; refuses what is not a transfer of this machine to this lab. */
function markerFor(state: TransferState, principal: Principal, fromLabId: string, toLabId: string, serialNumber: string): TransferMarker {
  const { source } = state;
  const existing = source.document.transfer;
  // A machine that has left is a conflict, not a missing machine: the request that lost a race to another
  // transfer of the same machine must hear where it went, not that it never existed.
  if (source.document.presence === 'departed') {
    throw conflict(`${serialNumber} has already left ${fromLabId} for ${source.document.departedTo ?? 'another lab'}; transfer it from there.`);
  }
  if (source.document.presence === 'arriving') {
    throw conflict(`${serialNumber} is still arriving at ${fromLabId}; finish that transfer from ${existing?.fromLabId ?? 'its lab'} first.`);
  }
  if (existing && existing.toLabId !== toLabId) {
    throw conflict(`${serialNumber} is being transferred to ${existing.toLabId}; repeat that transfer to finish it first.`);
  }
  return existing ?? { fromLabId, toLabId, startedAt: new Date().toISOString(), by: actorOf(principal) };
}
