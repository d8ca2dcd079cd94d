import { actorOf, type Principal } from '../auth/principal.js';
import { allCalibrationsOf, type CalibrationDocument } from '../data/calibration-repository.js';
import { serialKey, type EquipmentDocument } from '../data/equipment-repository.js';
import { intervalInDays, simpleResponseMethod, simpleResponseSteps, type IntervalFactors } from '../domain/calibration-intervals.js';
import { contentHash } from '../domain/record-hash.js';
import { changeMachine } from '../equipment/machine-changes.js';
import { equipmentEvent, findEquipment } from '../equipment/manage-equipment.js';
import { settings } from '../platform/config.js';
import { conflict } from '../platform/problems.js';
import type { PlanVersion } from '../schemas/calibration.js';
import type { IntervalDecision, IntervalDecisionInput, IntervalReview } from '../schemas/calibration-interval-review.js';
import { confirmSigner, type ConfirmSigner } from '../signing/confirm-signer.js';
import { signerBlock, type SignerBlock } from '../signing/signer-block.js';
import { emptyCalibrationState } from '../equipment/plan-versions.js';
import { planChangedEvent, type SignerFacts } from './plans.js';

/** The version that set the interval in force: the earliest of the unbroken run of versions ending at the current one with its interval. */
function intervalSetBy(versions: readonly PlanVersion[]): PlanVersion | undefined {
  const current = versions.at(-1);
  if (!current) return undefined;
  let setting = current;
  for (const version of [...versions].reverse()) {
    if (version.intervalDays !== current.intervalDays || version.intervalMonths !== current.intervalMonths) break;
    setting = version;
  }
  return setting;
}

function intervalFactors(): IntervalFactors {
  const { CALIBRATION_INTERVAL_LENGTHEN, CALIBRATION_INTERVAL_SHORTEN, CALIBRATION_INTERVAL_MIN_DAYS, CALIBRATION_INTERVAL_MAX_DAYS } = settings();
  return {
    lengthen: CALIBRATION_INTERVAL_LENGTHEN,
    shorten: CALIBRATION_INTERVAL_SHORTEN,
    minDays: CALIBRATION_INTERVAL_MIN_DAYS,
    maxDays: CALIBRATION_INTERVAL_MAX_DAYS,
  };
}

/**
 * A machine's interval review by the simple response method from the calibrations of `calibrations`
 * approved at its lab since its interval was last set or its review last decided: each one as found
 * moves the interval by the factors in force. Initial calibrations have no as-found result and do not
 * count. Due after CALIBRATION_INTERVAL_REVIEW_AFTER of them, or at once after one out of tolerance.
 */
export function intervalReviewOf(
  document: EquipmentDocument,
  calibrations: readonly CalibrationDocument[],
  factors = intervalFactors(),
  reviewAfter = settings().CALIBRATION_INTERVAL_REVIEW_AFTER,
): IntervalReview {
  const labId = document.labId;
  const versions = document.calibration?.planVersions ?? [];
  const lastDecision = document.calibration?.intervalDecisions?.at(-1) ?? null;
  const base = { serialNumber: document.serialNumber, labId, method: simpleResponseMethod, factors, lastDecision };
  const current = versions.at(-1);
  const currentDays = current ? intervalInDays(current) : null;
  if (!current || currentDays === null) {
    return {
      ...base,
      currentIntervalDays: null,
      intervalSetAt: null,
      recommendedIntervalDays: null,
      history: [],
      summary: `${document.serialNumber} has no calibration interval to review.`,
      due: false,
    };
  }
  const setAt = intervalSetBy(versions)!.changedAt;
  const since = lastDecision && lastDecision.signature.signedAt > setAt ? lastDecision.signature.signedAt : setAt;
  const counted = calibrations.filter(
    (calibration) =>
      calibration.labId === labId &&
      calibration.serialKey === document.serialKey &&
      calibration.status === 'Approved' &&
      !calibration.initial &&
      (calibration.approval?.signature.signedAt ?? '') > since,
  );
  const history = simpleResponseSteps(
    currentDays,
    counted.map(({ calibrationNumber, performedOn, outOfTolerance }) => ({ calibrationNumber, performedOn, outOfTolerance })),
    factors,
  );
  const recommended = history.at(-1)?.intervalAfter ?? currentDays;
  const outOf = history.filter((step) => step.outOfTolerance).length;
  const after = since === setAt ? `since the interval of ${currentDays} days was set` : `since the interval of ${currentDays} days was last reviewed`;
  const summary =
    history.length === 0
      ? `No calibration has been approved ${after}, so it stays.`
      : `${history.length} calibration${history.length === 1 ? '' : 's'} approved ${after}, ${outOf} out of tolerance as found: the simple response method recommends ${recommended} days.`;
  return {
    ...base,
    currentIntervalDays: currentDays,
    intervalSetAt: setAt,
    recommendedIntervalDays: recommended,
    history,
    summary,
    due: history.length >= reviewAfter || outOf > 0,
  };
}

/** Reading only: the review of the machine as it stands, from its calibrations at this lab. */
export async function reviewCalibrationInterval(labId: string, serialNumber: string): Promise<IntervalReview> {
  const { document } = await findEquipment(labId, serialNumber);
  return intervalReviewOf(document, await allCalibrationsOf(labId, serialKey(document.serialNumber)));
}

type UnsignedDecision = Omit<IntervalDecision, 'signature'>;

/** What the signature on a decision signs: the machine, the decision and its basis, the signer, meaning and time. */
function intervalDecisionHash(machine: Pick<EquipmentDocument, 'serialNumber' | 'labId'>, decision: UnsignedDecision, signer: SignerBlock): string {
  const { decision: decided, reason, method, intervalDays, recommendedIntervalDays, calibrationNumbers, planVersion } = decision;
  return contentHash({
    serialNumber: machine.serialNumber,
    decided: { decision: decided, reason, method, intervalDays, recommendedIntervalDays, calibrationNumbers, planVersion },
    ...signer,
  });
}

/** Whether every stored interval decision still matches its signature: `GET /api/audit/verify` asks this of every machine that has one. */
export function intervalDecisionProblem(machine: Pick<EquipmentDocument, 'serialNumber' | 'labId' | 'calibration'>): string | null {
  for (const stored of machine.calibration?.intervalDecisions ?? []) {
    const { signature, ...decision } = stored;
    const { contentHash: signed, ...signer } = signature;
    if (intervalDecisionHash(machine, decision, signer) !== signed) return `the interval review decided on ${signer.signedAt} does not match its signature`;
  }
  return null;
}

/** The differences between the review a Manager saw and the review as it stands now, in words; empty when they are the same. */
function changesSince(shown: IntervalDecisionInput['reviewed'], now: IntervalReview): string[] {
  const changes: string[] = [];
  if (shown.currentIntervalDays !== now.currentIntervalDays)
    changes.push(`the interval in force is now ${now.currentIntervalDays ?? 'none'} days, not ${shown.currentIntervalDays}`);
  const numbers = now.history.map((step) => step.calibrationNumber);
  const added = numbers.filter((number) => !shown.calibrationNumbers.includes(number));
  const gone = shown.calibrationNumbers.filter((number) => !numbers.includes(number));
  if (added.length) changes.push(`${added.join(', ')} ${added.length === 1 ? 'was' : 'were'} approved since`);
  if (gone.length) changes.push(`${gone.join(', ')} no longer ${gone.length === 1 ? 'counts' : 'count'}`);
  if (!changes.length && shown.recommendedIntervalDays !== now.recommendedIntervalDays)
    changes.push(`the recommendation is now ${now.recommendedIntervalDays} days, not ${shown.recommendedIntervalDays}`);
  return changes;
}

function refuseChanged(serialNumber: string, shown: IntervalDecisionInput['reviewed'], now: IntervalReview): void {
  if (now.currentIntervalDays === null) throw conflict(`${serialNumber} has no calibration interval to review.`);
  const changes = changesSince(shown, now);
  if (changes.length)
    throw conflict(`The interval review of ${serialNumber} changed since it was shown: ${changes.join('; ')}. Open it again and decide on what it says now.`);
}

/**
 * A Manager decides an interval review, signed (ISO/IEC 17025 §6.4.7): accepting sets the recommended
 * interval as a new plan version whose change reason cites the review; rejecting keeps the interval
 * with the reason. Either way the review starts again from the decision. Refused, with what changed,
 * when the history is no longer the one the Manager saw.
 */
export async function decideIntervalReview(
  principal: Principal,
  labId: string,
  serialNumber: string,
  input: IntervalDecisionInput,
  facts: SignerFacts,
  confirm: ConfirmSigner = confirmSigner,
): Promise<IntervalReview> {
  const { document } = await findEquipment(labId, serialNumber);
  refuseChanged(document.serialNumber, input.reviewed, intervalReviewOf(document, await allCalibrationsOf(labId, document.serialKey)));
  const method = await confirm(principal, input.signature.password, facts, 'signature on calibration interval review');
  const signer = signerBlock(principal, input.signature.meaning, method);
  const actor = actorOf(principal);
  return changeMachine(labId, serialNumber, async (machine) => {
    const calibrations = await allCalibrationsOf(labId, machine.serialKey);
    const review = intervalReviewOf(machine, calibrations);
    refuseChanged(machine.serialNumber, input.reviewed, review);
    const state = machine.calibration ?? emptyCalibrationState();
    const current = state.planVersions.at(-1)!;
    const recommended = review.recommendedIntervalDays!;
    const changesPlan = input.decision === 'accept' && recommended !== review.currentIntervalDays;
    const nextPlan: PlanVersion | null = changesPlan
      ? {
          ...withoutInterval(current),
          intervalDays: recommended,
          version: current.version + 1,
          changedAt: signer.signedAt,
          changedBy: actor,
          changeReason: `Interval review accepted by ${signer.displayName} (${review.method}): ${review.summary}${input.reason ? ` ${input.reason}` : ''}`,
        }
      : null;
    const unsigned: UnsignedDecision = {
      decision: input.decision,
      reason: input.reason ?? null,
      method: review.method,
      intervalDays: review.currentIntervalDays!,
      recommendedIntervalDays: recommended,
      calibrationNumbers: review.history.map((step) => step.calibrationNumber),
      planVersion: nextPlan?.version ?? null,
    };
    const decision: IntervalDecision = { ...unsigned, signature: { ...signer, contentHash: intervalDecisionHash(machine, unsigned, signer) } };
    const next: EquipmentDocument = {
      ...machine,
      calibration: {
        ...state,
        planVersions: nextPlan ? [...state.planVersions, nextPlan] : state.planVersions,
        intervalDecisions: [...(state.intervalDecisions ?? []), decision],
      },
    };
    const decided = equipmentEvent(
      input.decision === 'accept' ? 'calibration-interval.accepted' : 'calibration-interval.rejected',
      machine,
      [labId],
      actor,
      facts,
      {
        ...(input.reason ? { reason: input.reason } : {}),
        before: { intervalDays: unsigned.intervalDays, planVersion: current.version },
        after: {
          recommendedIntervalDays: recommended,
          intervalDays: nextPlan ? recommended : unsigned.intervalDays,
          planVersion: nextPlan?.version ?? current.version,
          calibrations: unsigned.calibrationNumbers,
          meaning: signer.meaning,
          contentHash: decision.signature.contentHash,
        },
      },
    );
    const events = nextPlan ? [planChangedEvent(machine, current, nextPlan, actor, facts), decided] : [decided];
    return { write: { next, events }, answer: intervalReviewOf(next, calibrations) };
  });
}

/** A plan version without its interval, so that the one set replaces a months interval too. */
function withoutInterval({ intervalDays: _days, intervalMonths: _months, ...rest }: PlanVersion): Omit<PlanVersion, 'intervalDays' | 'intervalMonths'> {
  return rest;
}
