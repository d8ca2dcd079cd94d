import { actorOf, type Principal } from '../auth/principal.js';
import { calibrationOperation, readCalibration, type AmendableFields, type CalibrationDocument } from '../data/calibration-repository.js';
import { serialKey, type CalibrationState, type EquipmentDocument } from '../data/equipment-repository.js';
import { changeMachine } from '../equipment/machine-changes.js';
import { nextDueDate } from '../domain/calibration-rules.js';
import { equipmentEvent } from '../equipment/manage-equipment.js';
import { badRequest, conflict, fieldsProblem, notFound, type FieldError } from '../platform/problems.js';
import { confirmSigner, type ConfirmSigner } from '../signing/confirm-signer.js';
import { signerBlock } from '../signing/signer-block.js';
import type { Calibration, CalibrationAmendment, CalibrationAmendmentInput } from '../schemas/calibration.js';
import { amendableFieldsOf, applyChanges, changesOf, signedAmendmentHash } from './amendment-rules.js';
import { calibrationView, readingErrors } from './calibrations.js';
import { currentPlan, intervalOf, nextDueOf } from './fitness.js';
import { emptyCalibrationState } from '../equipment/plan-versions.js';
import type { SignerFacts } from './plans.js';

/** What a correction may touch: the readings the event has, the adjustment it made, the certificate number. */
function correctionErrors(event: CalibrationDocument, input: CalibrationAmendmentInput): FieldError[] {
  const errors = [
    ...readingErrors(event.points, event.decisionRule, 'asFound', input.asFound, false),
    ...readingErrors(event.points, event.decisionRule, 'asLeft', input.asLeft, false),
  ];
  if (event.initial && input.asFound.length) errors.push({ field: 'asFound', message: 'an initial calibration has no as-found values to correct' });
  if (!event.initial && !event.adjusted && input.asLeft.length)
    errors.push({ field: 'asLeft', message: 'the calibration made no adjustment, so it has no as-left values' });
  if (!event.adjusted && input.adjustment !== undefined) errors.push({ field: 'adjustment', message: 'the calibration made no adjustment to describe' });
  return errors;
}

/**
 * The machine's calibration state once an approved event reads differently: a correction that makes
 * it fail takes it out of the approved calibrations and opens a finding (unless a later approved pass
 * answered it); one that makes it pass counts it, and answers any finding from its day or before.
 */
export function stateAfterAmendment(
  state: CalibrationState,
  event: Pick<CalibrationDocument, 'calibrationNumber' | 'labId' | 'performedOn'>,
  after: Pick<AmendableFields, 'result' | 'outOfTolerance'>,
  nextDue: string | null,
): CalibrationState {
  const { calibrationNumber, labId, performedOn } = event;
  const others = state.approved.filter((approved) => approved.calibrationNumber !== calibrationNumber);
  const passing = after.result !== 'Fail';
  const approved = passing
    ? [...others, { calibrationNumber, labId, performedOn, nextDue: nextDue ?? performedOn }].sort((a, b) => a.performedOn.localeCompare(b.performedOn))
    : others;
  const answeredLater = others.some((other) => other.performedOn >= performedOn);
  let finding = state.finding;
  if (!passing && !answeredLater && (!finding || finding.performedOn <= performedOn)) {
    finding = { calibrationNumber, performedOn, reason: after.outOfTolerance ? 'out of tolerance' : 'failed calibration' };
  } else if (passing && finding && finding.performedOn <= performedOn) {
    finding = null;
  }
  return { ...state, approved, finding, overdueNotedOn: passing ? null : state.overdueNotedOn };
}

function statusRefusal(event: CalibrationDocument): string {
  return event.status === 'Awaiting approval'
    ? `Calibration ${event.calibrationNumber} is still awaiting approval: the approver rejects it with a reason and it is recorded again.`
    : `Calibration ${event.calibrationNumber} was rejected and never counted; record a new calibration instead.`;
}

/**
 * A signed correction of an approved calibration (SPEC §9, "as for PM records"): a Manager of the lab
 * or an Administrator gives the reason and signs "Amended by". The values as entered stay kept, the
 * event reads as corrected, every point is judged again, and the machine's fitness follows the new
 * result in the same batch as the event and its audit entry.
 */
export async function amendCalibration(
  principal: Principal,
  labId: string,
  serialNumber: string,
  calibrationNumber: string,
  input: CalibrationAmendmentInput,
  facts: SignerFacts,
  confirm: ConfirmSigner = confirmSigner,
): Promise<Calibration> {
  const found = await readCalibration(labId, calibrationNumber);
  if (!found || found.document.serialKey !== serialKey(serialNumber))
    throw notFound(`There is no calibration ${calibrationNumber} of ${serialNumber} at ${labId}.`);
  if (found.document.status !== 'Approved') throw conflict(statusRefusal(found.document));
  const errors = correctionErrors(found.document, input);
  if (errors.length) throw fieldsProblem('Some corrections do not fit the calibration', errors);
  if (changesOf(found.document, input).length === 0) throw badRequest('The amendment changes nothing: every value sent equals the current one.');
  const method = await confirm(principal, input.signature.password, facts, 'signature on calibration amendment');
  const signer = signerBlock(principal, input.signature.meaning, method);
  const actor = actorOf(principal);

  return changeMachine(labId, serialNumber, async (machine) => {
    const read = await readCalibration(labId, calibrationNumber);
    const event = read!.document;
    if ((event.amendments ?? []).length !== (found.document.amendments ?? []).length)
      throw conflict(`Calibration ${calibrationNumber} was amended by someone else meanwhile; open it again.`);
    const changes = changesOf(event, input);
    const number = (event.amendments ?? []).length + 1;
    const after = applyChanges(amendableFieldsOf(event), changes, event);
    const plan = currentPlan(machine.calibration);
    const interval = plan && intervalOf(plan);
    const nextDue = after.result === 'Fail' ? null : (event.nextDue ?? (interval ? nextDueDate(event.performedOn, interval) : null));
    const amendment: CalibrationAmendment = {
      number,
      reason: input.reason,
      changes,
      result: after.result,
      outOfTolerance: after.outOfTolerance,
      signature: { ...signer, contentHash: signedAmendmentHash(calibrationNumber, { number, reason: input.reason, changes }, after, signer) },
    };
    const amended: CalibrationDocument = {
      ...event,
      ...after,
      nextDue,
      asEntered: event.asEntered ?? amendableFieldsOf(event),
      amendments: [...(event.amendments ?? []), amendment],
    };
    const state = machine.calibration ?? emptyCalibrationState();
    const next: EquipmentDocument = { ...machine, calibration: stateAfterAmendment(state, event, after, nextDue) };
    const audit = equipmentEvent('calibration.amended', machine, [labId], actor, facts, {
      reason: input.reason,
      before: { calibrationNumber, result: event.result, outOfTolerance: event.outOfTolerance, nextDue: nextDueOf(state) },
      after: {
        calibrationNumber,
        amendment: number,
        changes,
        result: after.result,
        outOfTolerance: after.outOfTolerance,
        nextDue: nextDueOf(next.calibration),
        contentHash: amendment.signature.contentHash,
      },
    });
    return { write: { next, events: [audit], alongside: [calibrationOperation(amended, read!.etag)] }, answer: calibrationView(amended) };
  });
}
