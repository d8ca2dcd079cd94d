import { actorOf, type Principal } from '../auth/principal.js';
import {
  allCalibrationsOf,
  calibrationOperation,
  readCalibration,
  replaceCalibration,
  calibrationId,
  type CalibrationDocument,
} from '../data/calibration-repository.js';
import { stripSystemProperties } from '../data/audited-write.js';
import {
  allEquipmentOf,
  readEquipment,
  referenceStandardCandidates,
  readSerialClaim,
  serialKey,
  type EquipmentDocument,
} from '../data/equipment-repository.js';
import { recentEquipmentOf } from '../data/equipment-repository.js';
import { invalidTokenAsBadRequest, pageOfList } from '../data/paging.js';
import { calibrationDecided, calibrationRecorded, intermediateCheckDueOf } from '../domain/machine-lifecycle.js';
import { changeMachine, inEquipmentTurn } from '../equipment/machine-changes.js';
import { addDays, daysBetween, judgeEvent, nextDueDate, type Measurement } from '../domain/calibration-rules.js';
import { contentHash } from '../domain/record-hash.js';
import { equipmentEvent, findEquipment } from '../equipment/manage-equipment.js';
import { labsOfMachine } from '../equipment/labs-of-machine.js';
import { labToday } from '../labs/lab-today.js';
import { badRequest, conflict, fieldsProblem, forbidden, notFound, type FieldError } from '../platform/problems.js';
import { confirmSigner, type ConfirmSigner } from '../signing/confirm-signer.js';
import { signerBlock } from '../signing/signer-block.js';
import type { ApprovalInput, Calibration, CalibrationInput, PlanPoint, PlanVersion } from '../schemas/calibration.js';
import { amendmentProblem } from './amendment-rules.js';
import type { Signature } from '../schemas/records.js';
import { currentPlan, fitnessOf, intervalOf, nextDueOf, standardFitOn } from './fitness.js';
import { withoutStorage } from '../storage/verified-files.js';
import { machineAsPerformedOn } from './performed-on.js';
import type { SignerFacts } from './plans.js';
import { findProvider } from './providers.js';
import { afterOpening, openingWrite, type OpeningWrite } from '../nonconformities/opening.js';
import { labNumber } from '../domain/lab-numbers.js';

export function calibrationView(document: CalibrationDocument): Calibration {
  const { id: _id, type: _type, serialKey: _key, certificates = [], amendments = [], asEntered: _entered, ...view } = stripSystemProperties(document);
  return { ...view, certificates: certificates.map(withoutStorage), amendments };
}

/** What a calibration signature signs: the event as entered, the signer, meaning and time. */
function signedCalibrationHash(
  event: Omit<CalibrationDocument, 'signature' | 'approval' | 'status' | 'nextDue'>,
  signature: Omit<Signature, 'contentHash'>,
  extra: object = {},
): string {
  const {
    calibrationNumber,
    labId,
    serialNumber,
    performedOn,
    kind,
    provider,
    certificateNumber,
    initial,
    initialReason,
    adjusted,
    adjustment,
    planVersion,
    decisionRule,
    points,
    result,
    outOfTolerance,
    standards,
  } = event;
  return contentHash({
    calibrationNumber,
    labId,
    serialNumber,
    performedOn,
    kind,
    provider,
    certificateNumber,
    initial,
    initialReason,
    adjusted,
    adjustment,
    planVersion,
    decisionRule,
    points,
    result,
    outOfTolerance,
    standards,
    ...signature,
    ...extra,
  });
}

/** Whether the stored signatures still match the event: `GET /api/audit/verify` asks this of every calibration. */
export function calibrationSignatureProblem(stored: CalibrationDocument): string | null {
  const event = { ...stored, ...stored.asEntered };
  const { contentHash: signed, ...signer } = event.signature;
  if (signedCalibrationHash(event, signer) !== signed) return 'the calibration signature does not match the calibration as entered';
  if (event.approval) {
    const { contentHash: approved, ...approver } = event.approval.signature;
    if (signedCalibrationHash(event, approver, { decision: event.approval.decision, reason: event.approval.reason }) !== approved) {
      return 'the approval signature does not match the calibration as approved';
    }
  }
  return amendmentProblem(stored);
}

/**
 * Readings checked against the points they measure: each point at most once, none the points lack,
 * an uncertainty where the rule or the point asks for one, and (when `required`) every point given.
 */
export function readingErrors(
  points: readonly PlanPoint[],
  rule: PlanVersion['decisionRule'],
  field: 'asFound' | 'asLeft',
  measurements: readonly Measurement[],
  required: boolean,
): FieldError[] {
  const errors: FieldError[] = [];
  const known = new Set(points.map((point) => point.pointId));
  const seen = new Set<string>();
  measurements.forEach((measured, index) => {
    if (!known.has(measured.pointId)) errors.push({ field: `${field}.${index}.pointId`, message: `names no point of the plan (${[...known].join(', ')})` });
    else if (seen.has(measured.pointId)) errors.push({ field: `${field}.${index}.pointId`, message: `gives point ${measured.pointId} a second time` });
    seen.add(measured.pointId);
    const point = points.find((candidate) => candidate.pointId === measured.pointId);
    if (measured.uncertainty === undefined && (rule === 'guard-band' || point?.maxUncertainty !== undefined)) {
      errors.push({
        field: `${field}.${index}.uncertainty`,
        message: `is required: ${rule === 'guard-band' ? 'the plan decides with a guard band' : 'the point has a maximum uncertainty'}`,
      });
    }
  });
  if (required) {
    const missing = points.filter((point) => !seen.has(point.pointId));
    if (missing.length)
      errors.push({ field, message: `must give every point of the plan; missing ${missing.map((point) => `${point.pointId} (${point.name})`).join(', ')}` });
  }
  return errors;
}

/** The readings of a new calibration against the plan: as-found unless initial, as-left when initial or adjusted. */
function checkReadings(plan: PlanVersion, input: CalibrationInput): FieldError[] {
  return [
    ...readingErrors(plan.points, plan.decisionRule, 'asFound', input.asFound, !input.initial),
    ...readingErrors(plan.points, plan.decisionRule, 'asLeft', input.asLeft, input.initial || input.adjusted),
  ];
}

type FrozenStandard = Calibration['standards'][number];

/** The units a plan measures in: a standard serves a plan when it measures in one of them. */
export const unitsOf = (plan: Pick<PlanVersion, 'points'> | null | undefined): string[] => [...new Set((plan?.points ?? []).map((point) => point.unit))];

/**
 * Each standard named must be another machine, a reference standard of the plan's kind (measuring in
 * one of its units), and fit on the day (§6.5): frozen as it stood.
 */
async function freezeStandards(serialNumber: string, plan: PlanVersion, standards: readonly string[], performedOn: string): Promise<FrozenStandard[]> {
  const unique = [...new Set(standards.map(serialKey))];
  const frozen: FrozenStandard[] = [];
  for (const key of unique) {
    if (key === serialKey(serialNumber))
      throw badRequest('A machine cannot be its own reference standard.', [{ field: 'standards', message: `names ${serialNumber} itself` }]);
    const claim = await readSerialClaim(key);
    const standard = claim && (await readEquipment(claim.document.labId, key));
    if (!standard || standard.document.presence === 'departed') {
      throw badRequest(`There is no machine ${key} to use as a reference standard.`, [
        { field: 'standards', message: `names ${key}, which is not registered` },
      ]);
    }
    const measures = unitsOf(currentPlan(standard.document.calibration));
    const needed = unitsOf(plan);
    if (!measures.some((unit) => needed.includes(unit)))
      throw badRequest(
        `${standard.document.serialNumber} measures in ${measures.join(', ') || 'no unit'}, not in ${needed.join(', ')}: choose a reference standard for what ${serialNumber} measures.`,
        [{ field: 'standards', message: `names ${standard.document.serialNumber}, which measures in ${measures.join(', ') || 'no unit'}` }],
      );
    const fit = standardFitOn(standard.document, performedOn);
    if ('notFit' in fit) throw conflict(`The reference standard ${standard.document.serialNumber} was not fit for use on ${performedOn}: ${fit.notFit}.`);
    frozen.push({
      serialNumber: standard.document.serialNumber,
      labId: standard.document.labId,
      calibrationNumber: fit.fitBy.calibrationNumber,
      calibratedOn: fit.fitBy.performedOn,
      dueOn: fit.fitBy.nextDue,
    });
  }
  return frozen;
}

/** An external calibration by a provider that is not approved, or not accredited on the day, needs an Administrator's override (§6.6). */
async function providerFor(principal: Principal, input: CalibrationInput): Promise<{ provider: Calibration['provider']; override: Calibration['override'] }> {
  if (input.kind !== 'external') return { provider: null, override: null };
  const found = await findProvider(input.providerId!);
  if (!found)
    throw badRequest(`There is no calibration provider ${input.providerId}.`, [
      { field: 'providerId', message: 'names no provider; an administrator adds providers' },
    ]);
  const problem = !found.approved
    ? `${found.name} is not an approved provider`
    : found.accreditationExpires < input.performedOn
      ? `the accreditation of ${found.name} expired on ${found.accreditationExpires}`
      : null;
  const { providerId, name, accreditationBody, accreditationNumber, accreditationExpires, approved } = found;
  const provider = { providerId, name, accreditationBody, accreditationNumber, accreditationExpires, approved };
  if (!problem) return { provider, override: null };
  if (!input.overrideReason)
    throw conflict(`${problem[0]!.toUpperCase()}${problem.slice(1)}: the calibration is refused unless an administrator records it with an override reason.`);
  if (principal.companyRole !== 'Administrator') throw forbidden(`Only an administrator can override the provider check (${problem}).`);
  return { provider, override: { reason: input.overrideReason, by: actorOf(principal) } };
}

const measured = (measurements: readonly Measurement[], point: PlanPoint) => {
  const found = measurements.find((candidate) => candidate.pointId === point.pointId);
  return found ? { value: found.value, ...(found.uncertainty !== undefined ? { uncertainty: found.uncertainty } : {}) } : null;
};

/**
 * Records a calibration signed by whoever performed or entered it (SPEC §9). The server judges every
 * point; a failing or out-of-tolerance event makes the machine not fit at once, while a passing one
 * restores fitness only once a Manager approves it. The number comes from the lab's equipment chain
 * head, written in the same batch, so numbers stay unique and gapless under concurrency.
 */
export async function recordCalibration(
  principal: Principal,
  labId: string,
  serialNumber: string,
  input: CalibrationInput,
  facts: SignerFacts,
  confirm: ConfirmSigner = confirmSigner,
): Promise<Calibration> {
  if (input.kind === 'external' && !principal.companyRole && principal.labRoles[labId] === 'Technician') {
    throw forbidden('Technicians record internal calibrations; a manager of the lab enters external ones.');
  }
  const { document: machine } = await machineAsPerformedOn(labId, serialNumber, input.performedOn, 'calibration');
  const plan = currentPlan(machine.calibration);
  if (!plan) throw conflict(`${serialNumber} has no calibration plan yet; a manager sets one first (points, limits and interval).`);
  const readingErrors = checkReadings(plan, input);
  if (readingErrors.length) throw fieldsProblem('The readings do not fit the calibration plan', readingErrors);
  const { provider, override } = await providerFor(principal, input);
  const standards = await freezeStandards(serialNumber, plan, input.standards, input.performedOn);
  const method = await confirm(principal, input.signature.password, facts, 'signature on calibration');
  const outcome = judgeEvent(
    plan.points,
    { initial: input.initial, adjusted: input.adjusted, asFound: input.asFound, asLeft: input.asLeft },
    plan.decisionRule,
  );
  const signer = signerBlock(principal, input.signature.meaning, method);
  const actor = actorOf(principal);

  let opening: OpeningWrite | undefined;
  const answer = await changeMachine(labId, serialNumber, async (current, head) => {
    opening = undefined;
    if (currentPlan(current.calibration)?.version !== plan.version)
      throw conflict(`The calibration plan of ${serialNumber} changed while you entered this calibration; open it again.`);
    const sequence = (head.document.calibrations ?? 0) + 1;
    const calibrationNumber = labNumber('calibration', labId, sequence);
    const unsigned: Omit<CalibrationDocument, 'signature' | 'approval' | 'status' | 'nextDue'> = {
      id: calibrationId(calibrationNumber),
      type: 'calibration',
      serialKey: current.serialKey,
      calibrationNumber,
      labId,
      serialNumber: current.serialNumber,
      modelId: current.modelId,
      performedOn: input.performedOn,
      kind: input.kind,
      provider,
      certificateNumber: input.certificateNumber ?? null,
      override,
      initial: input.initial,
      initialReason: input.initialReason ?? null,
      adjusted: input.adjusted,
      adjustment: input.adjustment ?? null,
      planVersion: plan.version,
      decisionRule: plan.decisionRule,
      points: plan.points.map((point, index) => ({
        ...point,
        asFound: measured(input.asFound, point),
        asFoundResult: outcome.points[index]!.asFound,
        asLeft: measured(input.asLeft, point),
        asLeftResult: outcome.points[index]!.asLeft,
      })),
      result: outcome.result,
      outOfTolerance: outcome.outOfTolerance,
      standards,
      certificates: [],
      createdAt: signer.signedAt,
    };
    const event: CalibrationDocument = {
      ...unsigned,
      status: 'Awaiting approval',
      nextDue: null,
      signature: { ...signer, contentHash: signedCalibrationHash(unsigned, signer) },
      approval: null,
    };
    const finding = outcome.outOfTolerance ? ('out of tolerance' as const) : outcome.result === 'Fail' ? ('failed calibration' as const) : null;
    const next = calibrationRecorded(current, { calibrationNumber, performedOn: input.performedOn, finding });
    const recorded = equipmentEvent('calibration.recorded', current, [labId], actor, facts, {
      after: {
        calibrationNumber,
        performedOn: input.performedOn,
        kind: input.kind,
        result: outcome.result,
        outOfTolerance: outcome.outOfTolerance,
        standards: standards.map((standard) => standard.serialNumber),
        meaning: signer.meaning,
        contentHash: event.signature.contentHash,
      },
      ...(override ? { reason: `provider check overridden: ${override.reason}` } : {}),
    });
    const countedHead = { document: { ...head.document, calibrations: sequence }, etag: head.etag };
    // Out of tolerance as found opens a nonconformity and quarantines the machine in the same batch (SPEC §10).
    opening = outcome.outOfTolerance
      ? await openingWrite(
          next,
          countedHead,
          {
            finding: { source: 'calibration', calibrationNumber, performedOn: input.performedOn, recordNumber: null, foundAt: signer.signedAt },
            description: outOfToleranceDescription(calibrationNumber, event),
            marker: `calibration:${calibrationNumber}`,
            actor,
          },
          facts,
        )
      : undefined;
    return {
      write: {
        next: opening?.machine ?? next,
        events: [recorded, ...(opening?.events ?? [])],
        head: opening?.head ?? countedHead,
        alongside: [calibrationOperation(event), ...(opening?.operations ?? [])],
      },
      answer: calibrationView(event),
    };
  });
  if (opening) await afterOpening(opening);
  return answer;
}

function outOfToleranceDescription(calibrationNumber: string, event: Pick<CalibrationDocument, 'points'>): string {
  const points = event.points.filter((point) => point.asFoundResult?.pass === false);
  const named = points
    .map(
      (point) =>
        `${point.name} (as found ${point.asFound?.value ?? '?'} ${point.unit}, limits ${point.lowerLimit}–${point.upperLimit}${point.asFoundResult?.why ? `: ${point.asFoundResult.why}` : ''})`,
    )
    .join(', ');
  return `Calibration ${calibrationNumber} found the machine out of tolerance${named ? `: ${named}` : ''}.`;
}

/**
 * A Manager of the lab (or an Administrator) who did not sign the event approves or rejects it with
 * their own signature ("Approved by"). Only an approved passing event moves the machine's last
 * calibration and next due date; a rejected one never counts, and takes back the finding it made.
 */
export async function decideCalibration(
  principal: Principal,
  labId: string,
  serialNumber: string,
  calibrationNumber: string,
  input: ApprovalInput,
  facts: SignerFacts,
  confirm: ConfirmSigner = confirmSigner,
): Promise<Calibration> {
  const found = await readCalibration(labId, calibrationNumber);
  if (!found || found.document.serialKey !== serialKey(serialNumber))
    throw notFound(`There is no calibration ${calibrationNumber} of ${serialNumber} at ${labId}.`);
  if (found.document.status !== 'Awaiting approval') throw conflict(`Calibration ${calibrationNumber} is ${found.document.status.toLowerCase()} already.`);
  if (found.document.signature.username === principal.username) throw conflict(`You signed calibration ${calibrationNumber}; another manager approves it.`);
  const method = await confirm(principal, input.signature.password, facts, 'signature on calibration approval');
  const approver = signerBlock(principal, input.signature.meaning, method);
  const actor = actorOf(principal);

  /** The decided event, the machine it leaves and the audit entry, written wherever the machine is now. */
  const decision = (event: CalibrationDocument, machine: EquipmentDocument) => {
    const approved = input.decision === 'approve';
    const passing = approved && event.result !== 'Fail';
    const plan = currentPlan(machine.calibration);
    const interval = plan && intervalOf(plan);
    const reason = input.reason ?? null;
    const decided: CalibrationDocument = {
      ...event,
      status: approved ? 'Approved' : 'Rejected',
      nextDue: passing && interval ? nextDueDate(event.performedOn, interval) : null,
      approval: {
        decision: input.decision,
        reason,
        signature: { ...approver, contentHash: signedCalibrationHash(event, approver, { decision: input.decision, reason }) },
      },
    };
    const outcome = calibrationDecided(machine, { calibrationNumber, labId, performedOn: event.performedOn, approved, passing, nextDue: decided.nextDue });
    if ('refused' in outcome) throw conflict(outcome.refused);
    const next = outcome.next;
    const audit = equipmentEvent(approved ? 'calibration.approved' : 'calibration.rejected', machine, [...new Set([machine.labId, labId])], actor, facts, {
      ...(reason ? { reason } : {}),
      before: { calibrationNumber, status: event.status, nextDue: nextDueOf(machine.calibration) },
      after: {
        calibrationNumber,
        status: decided.status,
        result: decided.result,
        nextDue: nextDueOf(next.calibration),
        contentHash: decided.approval!.signature.contentHash,
      },
    });
    return { decided, next, audit };
  };

  const machineLabId = (await readSerialClaim(serialNumber))?.document.labId ?? labId;
  if (machineLabId === labId) {
    return changeMachine(labId, serialNumber, async (machine) => {
      const event = await readCalibration(labId, calibrationNumber);
      if (!event || event.document.status !== 'Awaiting approval') throw conflict(`Calibration ${calibrationNumber} was decided by someone else meanwhile.`);
      const { decided, next, audit } = decision(event.document, machine);
      return { write: { next, events: [audit], alongside: [calibrationOperation(decided, event.etag)] }, answer: calibrationView(decided) };
    });
  }
  // The machine moved after the event was recorded (transfers leave calibrations in the lab that recorded
  // them): its copy at the lab it is now decides which decision wins, as its awaiting list holds the
  // event; the event, in its own lab's partition, then takes the decision that won.
  const decided = await changeMachine(machineLabId, serialNumber, (machine) => {
    const { decided, next, audit } = decision(found.document, machine);
    return { write: { next, events: [audit] }, answer: decided };
  });
  await inEquipmentTurn(labId, `Calibration ${calibrationNumber}`, async () => {
    const event = await readCalibration(labId, calibrationNumber);
    if (!event) throw notFound(`There is no calibration ${calibrationNumber} of ${serialNumber} at ${labId}.`);
    const { status, nextDue, approval } = decided;
    await replaceCalibration({ ...event.document, status, nextDue, approval }, event.etag);
  });
  return calibrationView({ ...found.document, status: decided.status, nextDue: decided.nextDue, approval: decided.approval });
}

/**
 * Every calibration of a machine in every lab it has been in, newest first: a machine moved to
 * another lab keeps its calibration history, written in the partitions of the labs that recorded it.
 * One partition query per lab; a machine has a few calibrations a year.
 */
export async function calibrationsOfMachine(document: Pick<EquipmentDocument, 'labId' | 'history' | 'serialKey'>): Promise<CalibrationDocument[]> {
  const perLab = await Promise.all(labsOfMachine(document).map((lab) => allCalibrationsOf(lab, document.serialKey)));
  return perLab.flat().sort((a, b) => b.performedOn.localeCompare(a.performedOn) || b.calibrationNumber.localeCompare(a.calibrationNumber));
}

export async function calibrationsOf(
  labId: string,
  serialNumber: string,
  continuationToken: string | undefined,
): Promise<{ items: Calibration[]; continuationToken: string | null }> {
  const { document } = await findEquipment(labId, serialNumber);
  const calibrations = await calibrationsOfMachine(document);
  try {
    const page = pageOfList(calibrations, 50, continuationToken);
    return { items: page.items.map(calibrationView), continuationToken: page.continuationToken };
  } catch (error) {
    return invalidTokenAsBadRequest(error);
  }
}

export async function calibrationOf(labId: string, serialNumber: string, calibrationNumber: string): Promise<Calibration> {
  const found = await readCalibration(labId, calibrationNumber);
  if (!found || found.document.serialKey !== serialKey(serialNumber))
    throw notFound(`There is no calibration ${calibrationNumber} of ${serialNumber} at ${labId}.`);
  return calibrationView(found.document);
}

/**
 * The lab's machines whose calibration is overdue, never done, waiting for approval, or due within
 * `within` days; overdue first, in pages (500 rows unless asked otherwise). From the lab's equipment,
 * which carries its plans: one partition query, or none when this instance read them within the
 * minute (see recentEquipmentOf).
 */
export async function calibrationsDue(labId: string, within: number, pageSize = 500, continuationToken?: string) {
  const [machines, today] = await Promise.all([recentEquipmentOf(labId, () => allEquipmentOf(labId)), labToday(labId)]);
  try {
    return pageOfList(dueItems(machines, today, within), pageSize, continuationToken);
  } catch (error) {
    return invalidTokenAsBadRequest(error);
  }
}

/** The due list of machines already read, as of the lab-local `today`. */
export function dueItems(machines: readonly EquipmentDocument[], today: string, within: number) {
  const horizon = addDays(today, within);
  return machines
    .filter((machine) => machine.presence !== 'departed' && currentPlan(machine.calibration)?.required)
    .map((machine) => {
      const fitness = fitnessOf(machine, today);
      const due = fitness.calibrationDue;
      return {
        serialNumber: machine.serialNumber,
        modelId: machine.modelId,
        status: machine.status,
        calibrationDue: due,
        daysLeft: due === null ? null : daysBetween(today, due),
        fitness,
        awaitingApproval: machine.calibration!.awaitingApproval,
        intermediateCheckDue: intermediateCheckDueOf(machine.calibration),
      };
    })
    .filter(
      (item) =>
        item.calibrationDue === null ||
        item.calibrationDue <= horizon ||
        item.fitness.state === 'not fit' ||
        item.awaitingApproval.length > 0 ||
        (item.intermediateCheckDue !== null && item.intermediateCheckDue <= horizon),
    )
    .sort((a, b) => (a.daysLeft ?? -Infinity) - (b.daysLeft ?? -Infinity) || a.serialNumber.localeCompare(b.serialNumber));
}

/**
 * The company's reference standards (SPEC §9) with their fitness on the lab's date, fit ones first:
 * what the calibration form offers to pick from. The server checks the one picked again on the day
 * performed, whatever the list said.
 */
export async function referenceStandardsFor(labId: string) {
  const [machines, today] = await Promise.all([referenceStandardCandidates(), labToday(labId)]);
  const items = machines
    .filter((machine) => machine.presence !== 'departed' && currentPlan(machine.calibration)?.referenceStandard)
    .map((machine) => ({
      serialNumber: machine.serialNumber,
      labId: machine.labId,
      modelId: machine.modelId,
      units: unitsOf(currentPlan(machine.calibration)),
      fitness: fitnessOf(machine, today),
    }))
    .sort((a, b) => Number(a.fitness.state === 'not fit') - Number(b.fitness.state === 'not fit') || a.serialNumber.localeCompare(b.serialNumber));
  return { items, continuationToken: null };
}
