import { actorOf, type Principal } from '../auth/principal.js';
import { readCalibration } from '../data/calibration-repository.js';
import { readModel } from '../data/catalog-repository.js';
import { nonconformityOperation, readNonconformity, type NonconformityDocument } from '../data/nonconformity-repository.js';
import type { EquipmentDocument } from '../data/equipment-repository.js';
import type { Versioned } from '../data/versioned.js';
import { returnToService as returnToServiceTransition } from '../domain/machine-lifecycle.js';
import { changeMachine } from '../equipment/machine-changes.js';
import { daysBetween } from '../domain/calibration-rules.js';
import { contentHash } from '../domain/record-hash.js';
import { currentPlan } from '../domain/machine-lifecycle.js';
import { equipmentEvent, equipmentView, findEquipment, type Facts } from '../equipment/manage-equipment.js';
import { labToday } from '../labs/lab-today.js';
import { badRequest, conflict } from '../platform/problems.js';
import { trackProductEvent } from '../platform/telemetry.js';
import { afterChange } from '../equipment/after-change.js';
import { checkResponses } from '../records/record-rules.js';
import { confirmSigner, type ConfirmSigner } from '../signing/confirm-signer.js';
import { signerBlock } from '../signing/signer-block.js';
import type { Equipment } from '../schemas/equipment.js';
import type { ReturnToService, ReturnToServiceInput } from '../schemas/nonconformities.js';

/** What a return to service signs: the machine, the nonconformities it ends, the proof, the signer, meaning and time. */
function returnToServiceHash(record: Omit<ReturnToService, 'signature' | 'returnedAt'>, signer: Omit<ReturnToService['signature'], 'contentHash'>): string {
  const { serialNumber, labId, nonconformities, calibrationNumber, checks, note, repairs } = record;
  // The statement of what was repaired or verified is signed too; returns signed before it existed keep their hash.
  const statement = note !== undefined || repairs !== undefined ? { note: note ?? null, repairs: repairs ?? [] } : {};
  return contentHash({ serialNumber, labId, nonconformities, calibrationNumber, checks, ...statement, ...signer });
}

/** Whether every signed return to service of the machine still matches its signature: asked by `GET /api/audit/verify`. */
export function returnToServiceProblem(machine: Pick<EquipmentDocument, 'returnsToService'>): string | null {
  for (const record of machine.returnsToService ?? []) {
    const { contentHash: signed, ...signer } = record.signature;
    if (returnToServiceHash(record, signer) !== signed) return `the return to service of ${record.returnedAt} does not match its signature`;
  }
  return null;
}

/** The calibrations that opened the nonconformities holding the machine. */
async function findingsOf(machine: EquipmentDocument): Promise<string[]> {
  const opened = await Promise.all(machine.quarantine!.ncNumbers.map((ncNumber) => readNonconformity(machine.labId, ncNumber)));
  return opened.flatMap((nc) => (nc?.document.calibrationNumber ? [nc.document.calibrationNumber] : []));
}

/**
 * What proves the machine may work again (SPEC §10, ISO/IEC 17025 §6.4.4): where its plan requires
 * calibration, an approved passing calibration performed on or after the day it was quarantined that
 * is not the finding itself (unless that event adjusted it back within limits); otherwise the answers to its model's return-to-service checks.
 */
async function verification(machine: EquipmentDocument, input: ReturnToServiceInput): Promise<Pick<ReturnToService, 'calibrationNumber' | 'checks'>> {
  const quarantine = machine.quarantine!;
  if (currentPlan(machine.calibration)?.required) {
    // The lab's own date of the quarantine: calibrations are dated in the lab's calendar.
    const since = await labToday(machine.labId, new Date(quarantine.since));
    if (!input.calibrationNumber) {
      throw conflict(
        `${machine.serialNumber} needs calibration: name an approved, passing calibration performed on or after ${since}, when it was quarantined.`,
      );
    }
    const found = await readCalibration(machine.labId, input.calibrationNumber);
    const event = found?.document.serialKey === machine.serialKey ? found.document : null;
    // An event that found the fault and adjusted the machine back within limits verified it then and there.
    const adjustedByFinding = event?.result === 'Pass after adjustment' && (await findingsOf(machine)).includes(event.calibrationNumber);
    const problem = !event
      ? `there is no calibration ${input.calibrationNumber} of ${machine.serialNumber} at ${machine.labId}`
      : event.status !== 'Approved'
        ? `calibration ${event.calibrationNumber} is ${event.status.toLowerCase()}, not approved`
        : event.result === 'Fail'
          ? `calibration ${event.calibrationNumber} failed`
          : !adjustedByFinding && (event.outOfTolerance || event.performedOn < since)
            ? `calibration ${event.calibrationNumber} (${event.performedOn}) is not a passing calibration made after the machine was quarantined on ${since}`
            : null;
    if (problem) throw conflict(`${machine.serialNumber} cannot return to service: ${problem}.`);
    return { calibrationNumber: event!.calibrationNumber, checks: [] };
  }
  const model = await readModel(machine.modelId);
  const tasks = model?.document.returnToServiceChecks ?? [];
  if (!tasks.length) return { calibrationNumber: null, checks: [] };
  const { responses, errors } = checkResponses(tasks, input.responses ?? []);
  if (errors.length)
    throw badRequest(`The return-to-service checks of ${machine.modelId} are not complete: ${errors.map((error) => error.message).join('; ')}`, errors);
  return { calibrationNumber: null, checks: responses.map((response) => ({ ...response, text: tasks.find((task) => task.taskId === response.taskId)!.text })) };
}

/**
 * What was repaired or verified (SPEC §10), in every case: the repair-log entries of the nonconformities
 * it ends, and the verifier's own note; one of them at least.
 */
function statementOf(ended: readonly NonconformityDocument[], input: ReturnToServiceInput): Pick<ReturnToService, 'note' | 'repairs'> {
  const repairs = ended.flatMap((nc) => nc.actions.map((action) => ({ ncNumber: nc.ncNumber, actionId: action.actionId, text: action.text })));
  if (!repairs.length && !input.note) {
    throw badRequest(
      `Say what was repaired or verified: no repair is logged on ${ended.map((nc) => nc.ncNumber).join(', ')}; write it in the note, or log the repair first.`,
      [{ field: 'note', message: 'is required when no repair is logged on the nonconformities it ends' }],
    );
  }
  return { note: input.note ?? null, repairs };
}

/** The nonconformities named, as stored now: each must be this machine's. */
async function namedNonconformities(machine: EquipmentDocument, named: readonly string[]): Promise<Versioned<NonconformityDocument>[]> {
  const found = await Promise.all([...new Set(named)].map((ncNumber) => readNonconformity(machine.labId, ncNumber)));
  return found.map((nc, index) => {
    if (!nc || nc.document.serialKey !== machine.serialKey)
      throw conflict(
        `Nonconformity ${named[index]} does not hold ${machine.serialNumber}; it is held by ${machine.quarantine?.ncNumbers.join(', ') || 'none'}.`,
      );
    return nc;
  });
}

/**
 * A Manager's signed verification ("Verified by") that takes a quarantined machine back to In Service
 * and fit. It names the nonconformities it ends, as the signer read them: when another opened
 * meanwhile it is refused (409), so the signature never covers a fault its signer did not see. Each
 * of them shows the return in the same batch. They stay open until their impact is disposed; the
 * machine need not wait.
 */
export async function returnToService(
  principal: Principal,
  labId: string,
  serialNumber: string,
  input: ReturnToServiceInput,
  facts: Facts & object,
  confirm: ConfirmSigner = confirmSigner,
  returnedAt = new Date(),
): Promise<Equipment> {
  const { document: machine } = await findEquipment(labId, serialNumber);
  if (!machine.quarantine) throw conflict(`${serialNumber} is not quarantined by a nonconformity; its status is changed on the machine page.`);
  if (machine.transfer) throw conflict(`${serialNumber} is being transferred to ${machine.transfer.toLabId}; finish the transfer first.`);
  const unseen = machine.quarantine.ncNumbers.filter((ncNumber) => !input.nonconformities.includes(ncNumber));
  if (unseen.length)
    throw conflict(
      `${serialNumber} is also held by nonconformity ${unseen.join(', ')}, which your verification does not name; read it and sign again naming ${machine.quarantine.ncNumbers.join(', ')}.`,
    );
  const proof = await verification(machine, input);
  statementOf(
    (await namedNonconformities(machine, input.nonconformities)).map((nc) => nc.document),
    input,
  );
  const method = await confirm(principal, input.signature.password, facts, 'signature on return to service');
  const actor = actorOf(principal);
  const returned = await changeMachine(labId, serialNumber, async (current) => {
    const ended = await namedNonconformities(current, input.nonconformities);
    const at = returnedAt.toISOString();
    const unsigned = signerBlock(principal, input.signature.meaning, method, at);
    const nonconformities = current.quarantine?.ncNumbers ?? [...input.nonconformities];
    const statement = statementOf(
      ended.map((nc) => nc.document),
      input,
    );
    const signed = { serialNumber: current.serialNumber, labId, nonconformities, ...proof, ...statement };
    const record: ReturnToService = { ...signed, returnedAt: at, signature: { ...unsigned, contentHash: returnToServiceHash(signed, unsigned) } };
    const outcome = returnToServiceTransition(current, input.nonconformities, record, actor);
    if ('refused' in outcome) throw conflict(outcome.refused);
    const shown = { returnedAt: at, by: actor, nonconformities, contentHash: record.signature.contentHash };
    return {
      write: {
        next: outcome.next,
        alongside: ended.map((nc) => nonconformityOperation({ ...nc.document, returnedToService: shown }, nc.etag)),
        events: [
          equipmentEvent('equipment.returned-to-service', current, [labId], actor, facts, {
            reason: `nonconformity ${nonconformities.join(', ')}`,
            before: { status: current.status, quarantinedBy: nonconformities },
            after: {
              status: 'In Service',
              calibrationNumber: record.calibrationNumber,
              checks: record.checks,
              note: record.note,
              repairs: record.repairs,
              contentHash: record.signature.contentHash,
            },
          }),
        ],
      },
      answer: { next: outcome.next, since: current.quarantine!.since },
    };
  });
  trackProductEvent(
    'ReturnedToService',
    { labId, serialNumber: machine.serialNumber, verifiedBy: principal.username },
    { daysOutOfService: daysBetween(returned.since.slice(0, 10), returnedAt.toISOString().slice(0, 10)) },
  );
  // Back in service starts a new stretch that owes PM: the generator opens the current period's records.
  await afterChange().machinesChanged([labId], 'equipment-change');
  return equipmentView(returned.next, await labToday(labId));
}
