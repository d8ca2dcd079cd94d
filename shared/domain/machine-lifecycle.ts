/**
 * A machine's life, written once (SPEC §9, §10): its status, the quarantine that nonconformities put
 * it under, its calibration state, and the signed returns to service. Every change to a machine is one
 * of the transitions below; a transition that may not happen answers `{ refused }` with the sentence a
 * person reads, and changes nothing. Fitness is derived from the same state in `fitnessOf`. Pure: no
 * I/O, no clock; the equipment room (`shared/equipment/machine-changes.ts`) reads, applies and saves.
 */
import type { EquipmentEvent, EquipmentStatus } from '../schemas/equipment.js';
import type { PlanVersion } from '../schemas/calibration.js';
import type { IntervalDecision } from '../schemas/calibration-interval-review.js';
import type { IntermediateCheck } from '../schemas/intermediate-checks.js';
import type { Frequency } from '../schemas/catalog.js';
import type { ReturnToService } from '../schemas/nonconformities.js';
import { retiredStatuses } from './equipment-status.js';
import { addDays, fitnessOn, nextDueDate, type CalibrationInterval, type Fitness } from './calibration-rules.js';

export interface Actor {
  username: string;
  displayName: string;
}

export interface Quarantine {
  /** Every nonconformity that took it out of service since it was last returned, open or closed. */
  ncNumbers: string[];
  since: string;
  /** The status it had when quarantined. */
  statusBefore: EquipmentStatus;
}

/** An approved, passing calibration: what fitness and a standard's traceability are computed from. */
export interface ApprovedCalibration {
  calibrationNumber: string;
  labId: string;
  performedOn: string;
  nextDue: string;
}

export type FindingReason = 'out of tolerance' | 'failed calibration' | 'intermediate check failed';

export interface CalibrationState {
  /** Every version of the plan, oldest first; the last is current. */
  planVersions: PlanVersion[];
  /** Approved passing calibrations, in the order performed. */
  approved: ApprovedCalibration[];
  /** A failed or out-of-tolerance calibration that no later approved pass has answered. */
  finding: { calibrationNumber: string; performedOn: string; reason: FindingReason } | null;
  /** Entered calibrations waiting for a Manager's approval. */
  awaitingApproval: string[];
  /** The lab-local date the hourly check found the machine past due and grace, until a calibration answers it. */
  overdueNotedOn: string | null;
  /** A disposition asked for recalibration on this lab-local date; an approved passing calibration on or after it answers it. */
  recalibrationRequested?: { ncNumber: string; itemId: string; on: string } | null;
  /** Signed decisions on the interval review (ILAC-G24), oldest first. */
  intervalDecisions?: IntervalDecision[];
  /** Intermediate checks between calibrations (§6.4.10), oldest first; they never move the calibration due date. */
  intermediateChecks?: IntermediateCheck[];
}

/** What of a machine document its lifecycle decides. */
export interface MachineLife {
  serialNumber: string;
  labId: string;
  status: EquipmentStatus;
  statusChangedAt: string;
  inServiceSince: string | null;
  history: EquipmentEvent[];
  calibration?: CalibrationState;
  /** Nonconformities that took it out of service (SPEC §10); only a signed return to service clears it. */
  quarantine?: Quarantine | null;
  /** Its nonconformities not yet closed, whether or not they still hold it. */
  openNonconformities?: { ncNumber: string; openedAt: string }[];
  /** Every signed return to service, oldest first. */
  returnsToService?: ReturnToService[];
  /**
   * Per frequency, the start of the last period whose checklist a lab it left completed: a machine
   * transferred after its checklist owes nothing more for that period where it arrives.
   */
  checklistsDoneThrough?: Partial<Record<Frequency, string>>;
}

export type Transition<T> = { next: T } | { refused: string };

export const emptyCalibrationState = (): CalibrationState => ({ planVersions: [], approved: [], finding: null, awaitingApproval: [], overdueNotedOn: null });

export function currentPlan(state: CalibrationState | undefined): PlanVersion | null {
  return state?.planVersions.at(-1) ?? null;
}

export function intervalOf(plan: Pick<PlanVersion, 'intervalMonths' | 'intervalDays'>): CalibrationInterval | null {
  if (plan.intervalMonths !== undefined) return { months: plan.intervalMonths };
  if (plan.intervalDays !== undefined) return { days: plan.intervalDays };
  return null;
}

/**
 * The last approved passing calibration plus the current plan's interval: a changed interval (made
 * with its reason) moves the due date at once rather than at the next calibration.
 */
export function nextDueOf(state: CalibrationState | undefined): string | null {
  const plan = currentPlan(state);
  const last = state?.approved.at(-1);
  const interval = plan && intervalOf(plan);
  return last && interval ? nextDueDate(last.performedOn, interval) : null;
}

/** The quarantine's nonconformities not yet closed. */
export function holdingNonconformities(machine: Pick<MachineLife, 'quarantine' | 'openNonconformities'>): string[] {
  const open = new Set((machine.openNonconformities ?? []).map((nc) => nc.ncNumber));
  return (machine.quarantine?.ncNumbers ?? []).filter((ncNumber) => open.has(ncNumber));
}

/**
 * Fit for use on the lab's `today`: the one place fitness is computed. A quarantine says which of its
 * states holds: "open nonconformity" while one of its nonconformities is open, "awaiting return to
 * service" once they are all closed and no signed return has followed.
 */
export function fitnessOf(machine: Pick<MachineLife, 'status' | 'calibration' | 'quarantine' | 'openNonconformities'>, today: string): Fitness {
  const state = machine.calibration;
  const plan = currentPlan(state);
  const holding = holdingNonconformities(machine).length;
  return fitnessOn(today, {
    status: machine.status,
    openNonconformities: holding,
    awaitingReturnToService: Boolean(machine.quarantine) && holding === 0,
    recalibrationRequested: Boolean(state?.recalibrationRequested),
    calibration:
      state && plan?.required
        ? {
            nextDue: nextDueOf(state),
            warningDays: plan.warningDays,
            graceDays: plan.graceDays,
            finding: state.finding?.reason ?? null,
            awaitingApproval: state.awaitingApproval.length,
          }
        : null,
  });
}

/**
 * Whether the machine is fit for use as its record stands on `today` (due soon is still fit): as
 * `fitnessOf`, except that a calibration lapsed past its grace counts once the hourly check has noted
 * it, which is the moment the record (and a webhook) says the machine stopped being fit.
 */
export function fitForUseOnRecord(machine: Pick<MachineLife, 'status' | 'calibration' | 'quarantine' | 'openNonconformities'>, today: string): boolean {
  const { state, reasons } = fitnessOf(machine, today);
  return state !== 'not fit' || reasons.every((reason) => reason === 'calibration overdue' && !machine.calibration?.overdueNotedOn);
}

/** Whether the machine, as it stands, owes PM checklists: In Service and not held by a quarantine. */
export function owesChecklists(machine: Pick<MachineLife, 'status' | 'quarantine'>): boolean {
  return machine.status === 'In Service' && !machine.quarantine;
}

/** Whether it owes the checklist of the period of `frequency` starting on `periodStart` (a lab-local date) where it is now. */
export function owesChecklistOf(
  machine: Pick<MachineLife, 'status' | 'quarantine' | 'checklistsDoneThrough'>,
  frequency: Frequency,
  periodStart: string,
): boolean {
  const doneThrough = machine.checklistsDoneThrough?.[frequency];
  return owesChecklists(machine) && !(doneThrough !== undefined && periodStart <= doneThrough);
}

/** A machine arriving from another lab, with the periods whose checklists it completed there. */
export function arrived<T extends MachineLife>(machine: T, doneThrough: Partial<Record<Frequency, string>>): T {
  const carried = { ...machine.checklistsDoneThrough };
  for (const [frequency, start] of Object.entries(doneThrough) as [Frequency, string][]) {
    if (!carried[frequency] || carried[frequency] < start) carried[frequency] = start;
  }
  return { ...machine, checklistsDoneThrough: carried };
}

function statusEvent(machine: MachineLife, to: EquipmentStatus, at: string, by: Actor | null, reason?: string): EquipmentEvent {
  return { at, by, kind: 'status', labId: machine.labId, fromStatus: machine.status, toStatus: to, ...(reason ? { reason } : {}) };
}

function withStatus<T extends MachineLife>(machine: T, to: EquipmentStatus, at: string, by: Actor | null, reason?: string): T {
  if (machine.status === to) return machine;
  return {
    ...machine,
    status: to,
    statusChangedAt: at,
    // Back in service starts a new stretch that owes PM; leaving service ends it.
    inServiceSince: to === 'In Service' ? at : null,
    history: [...machine.history, statusEvent(machine, to, at, by, reason)],
  };
}

/** A status set on the machine page. A quarantined machine only leaves by a signed return to service, or retirement. */
export function changeStatus<T extends MachineLife>(machine: T, to: EquipmentStatus, at: string, by: Actor): Transition<T> {
  if (machine.quarantine && to !== machine.status && !retiredStatuses.includes(to)) {
    return {
      refused: `${machine.serialNumber} is quarantined by nonconformity ${machine.quarantine.ncNumbers.join(', ')}: a manager returns it to service with a signed verification (POST .../return-to-service), and repair statuses are logged on the nonconformity.`,
    };
  }
  return { next: withStatus(machine, to, at, by) };
}

/**
 * A nonconformity opens (SPEC §10): the machine goes Out of Service with it as the reason, and not fit
 * until a signed return to service. A machine already out of service keeps its status.
 */
export function quarantine<T extends MachineLife>(machine: T, ncNumber: string, at: string, by: Actor): T {
  const held = machine.quarantine
    ? { ...machine.quarantine, ncNumbers: [...machine.quarantine.ncNumbers, ncNumber] }
    : { ncNumbers: [ncNumber], since: at, statusBefore: machine.status };
  const moved = machine.status === 'In Service' ? withStatus(machine, 'Out of Service', at, by, `quarantined by nonconformity ${ncNumber}`) : machine;
  return { ...moved, quarantine: held, openNonconformities: [...(machine.openNonconformities ?? []), { ncNumber, openedAt: at }] };
}

/** A repair status logged on a nonconformity: only while the quarantine holds. */
export function moveToRepair<T extends MachineLife>(
  machine: T,
  to: 'Repair onsite' | 'Repair offsite',
  ncNumber: string,
  at: string,
  by: Actor,
): Transition<T> {
  if (!machine.quarantine) return { refused: `${machine.serialNumber} was returned to service already; its status is changed on the machine page.` };
  return { next: withStatus(machine, to, at, by, `repair under nonconformity ${ncNumber}`) };
}

/** A nonconformity closed: it no longer holds the machine open, though its quarantine lasts until a return to service. */
export function closeNonconformity<T extends MachineLife>(machine: T, ncNumber: string): T {
  return { ...machine, openNonconformities: (machine.openNonconformities ?? []).filter((open) => open.ncNumber !== ncNumber) };
}

/**
 * A signed return to service. `named` are the nonconformities the signer saw end: when another opened
 * meanwhile (or one named is not the machine's) it is refused, so a signature never covers a fault
 * its signer did not see.
 */
export function returnToService<T extends MachineLife>(machine: T, named: readonly string[], record: ReturnToService, by: Actor): Transition<T> {
  const held = machine.quarantine;
  if (!held)
    return {
      refused: `${machine.serialNumber} is not quarantined by a nonconformity (it was returned to service meanwhile, or never was); its status is changed on the machine page.`,
    };
  const unseen = held.ncNumbers.filter((ncNumber) => !named.includes(ncNumber));
  const foreign = named.filter((ncNumber) => !held.ncNumbers.includes(ncNumber));
  if (unseen.length) {
    return {
      refused: `${machine.serialNumber} is also held by nonconformity ${unseen.join(', ')}, which your verification does not name (it may have opened while you signed); read it and sign again naming ${held.ncNumbers.join(', ')}.`,
    };
  }
  if (foreign.length)
    return { refused: `Nonconformity ${foreign.join(', ')} does not hold ${machine.serialNumber}; it is held by ${held.ncNumbers.join(', ')}.` };
  const back = withStatus(machine, 'In Service', record.returnedAt, by, `returned to service after nonconformity ${held.ncNumbers.join(', ')}`);
  // Returned to In Service from In Service never happens (a quarantine moves it out), but keep the stretch right anyway.
  return { next: { ...back, inServiceSince: record.returnedAt, quarantine: null, returnsToService: [...(machine.returnsToService ?? []), record] } };
}

function withCalibration<T extends MachineLife>(machine: T, change: (state: CalibrationState) => CalibrationState): T {
  return { ...machine, calibration: change(machine.calibration ?? emptyCalibrationState()) };
}

/** A calibration entered: it waits for approval; a failing or out-of-tolerance one is a finding at once. */
export function calibrationRecorded<T extends MachineLife>(
  machine: T,
  event: { calibrationNumber: string; performedOn: string; finding: FindingReason | null },
): T {
  return withCalibration(machine, (state) => ({
    ...state,
    awaitingApproval: [...state.awaitingApproval, event.calibrationNumber],
    finding: event.finding ? { calibrationNumber: event.calibrationNumber, performedOn: event.performedOn, reason: event.finding } : state.finding,
  }));
}

/**
 * A calibration approved or rejected. Only an approved pass moves the last calibration and next due
 * date, answers an earlier finding, an overdue note and a recalibration asked for on or before it; a
 * rejected event never counts, and takes back the finding it made.
 */
export function calibrationDecided<T extends MachineLife>(
  machine: T,
  event: { calibrationNumber: string; labId: string; performedOn: string; approved: boolean; passing: boolean; nextDue: string | null },
): Transition<T> {
  const state = machine.calibration ?? emptyCalibrationState();
  if (!state.awaitingApproval.includes(event.calibrationNumber))
    return { refused: `Calibration ${event.calibrationNumber} was decided by someone else meanwhile.` };
  const { calibrationNumber, performedOn, passing } = event;
  return {
    next: withCalibration(machine, () => ({
      ...state,
      awaitingApproval: state.awaitingApproval.filter((number) => number !== calibrationNumber),
      approved: passing
        ? [...state.approved, { calibrationNumber, labId: event.labId, performedOn, nextDue: event.nextDue ?? performedOn }].sort((a, b) =>
            a.performedOn.localeCompare(b.performedOn),
          )
        : state.approved,
      finding:
        (passing && state.finding !== null && state.finding.performedOn <= performedOn) ||
        (!event.approved && state.finding?.calibrationNumber === calibrationNumber)
          ? null
          : state.finding,
      overdueNotedOn: passing ? null : state.overdueNotedOn,
      recalibrationRequested:
        passing && state.recalibrationRequested && state.recalibrationRequested.on <= performedOn ? null : (state.recalibrationRequested ?? null),
    })),
  };
}

/** A disposition asked for recalibration: not fit until an approved pass performed on or after `on`. */
export function recalibrationRequested<T extends MachineLife>(machine: T, request: { ncNumber: string; itemId: string; on: string }): T {
  return withCalibration(machine, (state) => ({ ...state, recalibrationRequested: request }));
}

/** The hourly check noted the machine past due and grace on `today`; null when there is nothing new to note. */
export function overdueNoted<T extends MachineLife>(machine: T, today: string): T | null {
  const state = machine.calibration;
  if (!state || state.overdueNotedOn) return null;
  if (!fitnessOf(machine, today).reasons.includes('calibration overdue')) return null;
  return withCalibration(machine, () => ({ ...state, overdueNotedOn: today }));
}

/**
 * An intermediate check recorded (§6.4.10): kept beside the calibrations without touching the due
 * date; a failing one is a finding, so the machine is not fit until an approved passing calibration
 * performed on or after it.
 */
export function intermediateCheckRecorded<T extends MachineLife>(machine: T, check: IntermediateCheck): T {
  return withCalibration(machine, (state) => ({
    ...state,
    intermediateChecks: [...(state.intermediateChecks ?? []), check],
    finding:
      check.result === 'Fail'
        ? { calibrationNumber: check.checkId, performedOn: check.performedOn, reason: 'intermediate check failed' as const }
        : state.finding,
  }));
}

/**
 * When the next intermediate check is due: the plan's check interval after the later of the last
 * passing check and the last approved calibration; null when the plan defines no check or neither
 * has happened yet (the first calibration starts the count).
 */
export function intermediateCheckDueOf(state: CalibrationState | undefined): string | null {
  const check = currentPlan(state)?.intermediateCheck;
  if (!state || !check) return null;
  const lastCheck = (state.intermediateChecks ?? []).filter((done) => done.result === 'Pass').at(-1)?.performedOn;
  const lastCalibration = state.approved.at(-1)?.performedOn;
  const since = [lastCheck, lastCalibration]
    .filter((day): day is string => day !== undefined)
    .sort()
    .at(-1);
  return since ? addDays(since, check.intervalDays) : null;
}

/**
 * The machines present and in service whose next intermediate check falls on or before `until`,
 * soonest first, with the check standard the plan names: what Today and the digest list.
 */
export function intermediateChecksDueBy<T extends Pick<MachineLife, 'serialNumber' | 'status' | 'calibration'> & { presence: string }>(
  machines: readonly T[],
  until: string,
): { machine: T; due: string; checkStandard: string }[] {
  return machines
    .filter((machine) => machine.presence === 'present' && machine.status === 'In Service')
    .flatMap((machine) => {
      const due = intermediateCheckDueOf(machine.calibration);
      const checkStandard = currentPlan(machine.calibration)?.intermediateCheck?.checkStandard;
      return due !== null && due <= until && checkStandard !== undefined ? [{ machine, due, checkStandard }] : [];
    })
    .sort((a, b) => a.due.localeCompare(b.due) || a.machine.serialNumber.localeCompare(b.machine.serialNumber));
}
