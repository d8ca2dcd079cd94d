import { actorOf, type Principal } from '../auth/principal.js';
import type { EquipmentDocument } from '../data/equipment-repository.js';
import { judgePoint } from '../domain/calibration-rules.js';
import { currentPlan, intermediateCheckDueOf, intermediateCheckRecorded } from '../domain/machine-lifecycle.js';
import { contentHash } from '../domain/record-hash.js';
import { changeMachine } from '../equipment/machine-changes.js';
import { equipmentEvent, findEquipment } from '../equipment/manage-equipment.js';
import { afterOpening, openingWrite, type OpeningWrite } from '../nonconformities/opening.js';
import { conflict, fieldsProblem, type FieldError } from '../platform/problems.js';
import type { IntermediateCheck, IntermediateCheckInput, IntermediateChecks } from '../schemas/intermediate-checks.js';
import { confirmSigner, type ConfirmSigner } from '../signing/confirm-signer.js';
import { signerBlock, type SignerBlock } from '../signing/signer-block.js';
import { machineAsPerformedOn } from './performed-on.js';
import type { SignerFacts } from './plans.js';

type UnsignedCheck = Omit<IntermediateCheck, 'signature' | 'ncNumber'>;

/** What a check's signature signs: the check as judged, the signer, meaning and time. The nonconformity it opened is not part of it. */
function intermediateCheckHash(check: UnsignedCheck, signer: SignerBlock): string {
  const { checkId, serialNumber, labId, performedOn, planVersion, checkStandard, points, result } = check;
  return contentHash({ checked: { checkId, serialNumber, labId, performedOn, planVersion, checkStandard, points, result }, ...signer });
}

/** Whether every intermediate check of a machine still matches its signature: `GET /api/audit/verify` asks this. */
export function intermediateCheckProblem(machine: Pick<EquipmentDocument, 'calibration'>): string | null {
  for (const check of machine.calibration?.intermediateChecks ?? []) {
    const { signature, ncNumber: _nc, ...checked } = check;
    const { contentHash: signed, ...signer } = signature;
    if (intermediateCheckHash(checked, signer) !== signed) return `intermediate check ${check.checkId} does not match its signature`;
  }
  return null;
}

export function intermediateChecksView(document: EquipmentDocument): IntermediateChecks {
  const plan = currentPlan(document.calibration)?.intermediateCheck;
  return {
    serialNumber: document.serialNumber,
    labId: document.labId,
    plan: plan ? { intervalDays: plan.intervalDays, checkStandard: plan.checkStandard } : null,
    nextDue: intermediateCheckDueOf(document.calibration),
    items: [...(document.calibration?.intermediateChecks ?? [])].reverse(),
  };
}

export async function intermediateChecksOf(labId: string, serialNumber: string): Promise<IntermediateChecks> {
  return intermediateChecksView((await findEquipment(labId, serialNumber)).document);
}

function readingErrors(points: readonly { pointId: string; name: string }[], readings: IntermediateCheckInput['readings']): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  readings.forEach((reading, index) => {
    if (!points.some((point) => point.pointId === reading.pointId))
      errors.push({ field: `readings.${index}.pointId`, message: `names no point of the check (${points.map((point) => point.pointId).join(', ')})` });
    else if (seen.has(reading.pointId)) errors.push({ field: `readings.${index}.pointId`, message: `gives point ${reading.pointId} a second time` });
    seen.add(reading.pointId);
  });
  const missing = points.filter((point) => !seen.has(point.pointId));
  if (missing.length)
    errors.push({
      field: 'readings',
      message: `must give every point of the check; missing ${missing.map((point) => `${point.pointId} (${point.name})`).join(', ')}`,
    });
  return errors;
}

/**
 * Records an intermediate check (ISO/IEC 17025 §6.4.10), signed like a calibration by whoever
 * performed or entered it. The server judges each point within its limits. A check never moves the
 * calibration due date; a failing one makes the machine not fit ("intermediate check failed") and
 * opens a nonconformity, in the same batch, whose impact window starts at the last passing check or
 * calibration.
 */
export async function recordIntermediateCheck(
  principal: Principal,
  labId: string,
  serialNumber: string,
  input: IntermediateCheckInput,
  facts: SignerFacts,
  confirm: ConfirmSigner = confirmSigner,
): Promise<IntermediateCheck> {
  const { document: machine } = await machineAsPerformedOn(labId, serialNumber, input.performedOn, 'check');
  const plan = currentPlan(machine.calibration);
  if (!plan?.intermediateCheck)
    throw conflict(
      `The calibration plan of ${serialNumber} defines no intermediate check; a manager adds one (points, limits, interval, check standard) first.`,
    );
  const errors = readingErrors(plan.intermediateCheck.points, input.readings);
  if (errors.length) throw fieldsProblem('The readings do not fit the intermediate check', errors);
  const method = await confirm(principal, input.signature.password, facts, 'signature on intermediate check');
  const signer = signerBlock(principal, input.signature.meaning, method);
  const actor = actorOf(principal);

  let opening: OpeningWrite | undefined;
  const answer = await changeMachine(labId, serialNumber, async (current, head) => {
    opening = undefined;
    const planNow = currentPlan(current.calibration);
    if (planNow?.version !== plan.version || !planNow.intermediateCheck)
      throw conflict(`The calibration plan of ${serialNumber} changed while you entered this check; open it again.`);
    const check = planNow.intermediateCheck;
    const points = check.points.map((point) => {
      const value = input.readings.find((reading) => reading.pointId === point.pointId)!.value;
      const { pointId, name, unit, nominal, lowerLimit, upperLimit } = point;
      return { pointId, name, unit, nominal, lowerLimit, upperLimit, value, pass: judgePoint(point, { pointId, value }, 'simple').pass };
    });
    const unsigned: UnsignedCheck = {
      checkId: `IC-${String((current.calibration?.intermediateChecks?.length ?? 0) + 1).padStart(4, '0')}`,
      serialNumber: current.serialNumber,
      labId,
      performedOn: input.performedOn,
      planVersion: planNow.version,
      checkStandard: check.checkStandard,
      points,
      result: points.every((point) => point.pass) ? 'Pass' : 'Fail',
    };
    const signature = { ...signer, contentHash: intermediateCheckHash(unsigned, signer) };
    const recorded: IntermediateCheck = { ...unsigned, ncNumber: null, signature };
    const next = intermediateCheckRecorded(current, recorded);
    const event = equipmentEvent('intermediate-check.recorded', current, [labId], actor, facts, {
      after: {
        checkId: unsigned.checkId,
        performedOn: unsigned.performedOn,
        result: unsigned.result,
        checkStandard: unsigned.checkStandard,
        meaning: signer.meaning,
        contentHash: signature.contentHash,
      },
    });
    if (unsigned.result === 'Pass') return { write: { next, events: [event] }, answer: recorded };
    const failed = points
      .filter((point) => !point.pass)
      .map((point) => `${point.name} (${point.value} ${point.unit}, limits ${point.lowerLimit}–${point.upperLimit})`);
    opening = await openingWrite(
      next,
      head,
      {
        finding: {
          source: 'intermediate-check',
          calibrationNumber: null,
          performedOn: input.performedOn,
          recordNumber: null,
          foundAt: signer.signedAt,
          checkId: unsigned.checkId,
        },
        description: `Intermediate check ${unsigned.checkId} against ${check.checkStandard} failed: ${failed.join(', ')}.`,
        marker: `intermediate-check:${current.serialKey}:${unsigned.checkId}`,
        actor,
      },
      facts,
    );
    // The check names the nonconformity it opened; the signature covers the check itself, so it stays valid.
    const withNc = { ...recorded, ncNumber: opening.nc.ncNumber };
    const machineAfter = {
      ...opening.machine,
      calibration: {
        ...opening.machine.calibration!,
        intermediateChecks: opening.machine.calibration!.intermediateChecks!.map((done) => (done.checkId === withNc.checkId ? withNc : done)),
      },
    };
    return {
      write: { next: machineAfter, events: [event, ...opening.events], head: opening.head, alongside: opening.operations },
      answer: withNc,
    };
  });
  if (opening) await afterOpening(opening);
  return answer;
}
