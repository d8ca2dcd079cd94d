import type { OperationInput } from '@azure/cosmos';
import {
  readEquipment,
  readEquipmentChainHead,
  readSerialClaim,
  saveEquipment,
  type EquipmentChainHead,
  type EquipmentDocument,
} from '../data/equipment-repository.js';
import { retryWhileOvertaken } from '../data/optimistic-retry.js';
import { inTurn } from '../data/turns.js';
import type { Versioned } from '../data/versioned.js';
import type { AuditEvent } from '../domain/audit-chain.js';
import { auditEvent } from '../domain/audit-entries.js';
import { fitForUseOnRecord, fitnessOf } from '../domain/machine-lifecycle.js';
import { labToday } from '../labs/lab-today.js';
import { notFound } from '../platform/problems.js';

/**
 * The one owner of machine documents (ARCHITECTURE, "The machine has one owner"): every change to a
 * machine, and every change written behind a lab's equipment chain head (its nonconformities and
 * calibrations), goes through here. A change takes the lab's turn, reads what is stored, decides,
 * and writes the machine, what must be written with it and its audit entries in one batch; when
 * another writer got there first it reads again and decides again. A decision that refuses throws
 * and writes nothing: no machine change, no audit entry.
 */

/**
 * Whether this lab's copy is where the machine is. Only copies caught mid-transfer need the serial
 * number's claim to tell; every other copy says so itself.
 */
export async function isHere(document: EquipmentDocument): Promise<boolean> {
  if (document.presence === 'present') return true;
  if (document.presence === 'departed') return false;
  return (await readSerialClaim(document.serialNumber))?.document.labId === document.labId;
}

/** The equipment as this lab holds it now; 404 when it is not (or no longer) here. */
export async function findEquipment(labId: string, serialNumber: string): Promise<Versioned<EquipmentDocument>> {
  const found = await readEquipment(labId, serialNumber);
  if (!found || !(await isHere(found.document))) throw notFound(`There is no equipment ${serialNumber} at ${labId}.`);
  return found;
}

/** What a change writes: the machine as it is to be (or unchanged), its audit entries, and what goes in the same batch. */
export interface MachineWrite {
  next: EquipmentDocument;
  events: readonly AuditEvent[];
  /** Other documents of the lab's equipment partition written atomically with it (a calibration, a nonconformity). */
  alongside?: readonly OperationInput[];
  /** The chain head with the lab's numbers moved on, when the change takes a number. */
  head?: EquipmentChainHead;
}

/** A decision: what to write (null to write nothing) and what to answer. */
export interface MachineDecision<R> {
  write: MachineWrite | null;
  answer: R;
}

/** One attempt at a change in the lab's equipment partition, retried whole when overtaken, in the lab's turn. */
export function inEquipmentTurn<R>(labId: string, description: string, attempt: () => Promise<R>): Promise<R> {
  return inTurn(`equipment:${labId}`, () => retryWhileOvertaken(attempt, description));
}

/**
 * Changes the machine `serialNumber` at `labId`: `decide` gets the machine as stored now (and the lab's
 * chain head, for a change that takes a number) and answers what to write. Read again and decided
 * again whenever another writer overtook it.
 */
export function changeMachine<R>(
  labId: string,
  serialNumber: string,
  decide: (machine: EquipmentDocument, head: EquipmentChainHead) => MachineDecision<R> | Promise<MachineDecision<R>>,
  read: (labId: string, serialNumber: string) => Promise<Versioned<EquipmentDocument>> = findEquipment,
): Promise<R> {
  return inEquipmentTurn(labId, `Equipment ${serialNumber}`, async () => {
    const [{ document, etag }, head] = await Promise.all([read(labId, serialNumber), readEquipmentChainHead(labId)]);
    const { write, answer } = await decide(document, head);
    if (write) {
      // The fitness entry goes first: the change's own entry stays the machine's latest, as its readers expect.
      const events = [...(await fitnessChange(document, write)), ...write.events];
      await saveEquipment(write.next, etag, events, { head: write.head ?? head, alongside: write.alongside ?? [] });
    }
    return answer;
  });
}

/**
 * The entry that says a change made the machine fit or not fit for use (a quarantine, a return to
 * service, a failing calibration or intermediate check, an overdue noted, an approved calibration),
 * written with the change, by whoever made it: the `machine.fitness-changed` webhook event. A copy
 * leaving or arriving in a transfer says nothing: its fitness is told where it is.
 */
async function fitnessChange(before: EquipmentDocument, write: MachineWrite): Promise<AuditEvent[]> {
  const after = write.next;
  if (after === before || before.presence !== 'present' || after.presence !== 'present') return [];
  const today = await labToday(after.labId);
  const fit = fitForUseOnRecord(after, today);
  if (fit === fitForUseOnRecord(before, today)) return [];
  // The change's entry about the machine itself (a quarantine rather than the nonconformity that made it).
  const cause = write.events.find((event) => event.entityType === 'equipment' && event.entityId === after.serialNumber) ?? write.events[0];
  const { state, reasons, calibrationDue } = fitnessOf(after, today);
  return [
    auditEvent(
      'equipment.fitness-changed',
      { kind: 'equipment', serialNumber: after.serialNumber, labIds: [after.labId] },
      cause?.actor ?? null,
      cause?.requestId ? { requestId: cause.requestId, clientAddress: cause.clientAddress } : null,
      {
        // Dated as the batch's first entry, so the lab's chain stays in time order.
        ...(write.events[0] ? { at: write.events[0].at } : {}),
        reason: fit ? 'fit for use again' : `not fit for use: ${reasons.join(', ')}`,
        before: { fitForUse: !fit },
        after: { fitForUse: fit, fitness: state, reasons, calibrationDue, because: cause?.action ?? null },
      },
    ),
  ];
}
