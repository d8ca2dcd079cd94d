import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chainEvents, firstBrokenLink, type AuditEntry, type AuditEvent, type AuditHead } from '../shared/domain/audit-chain.js';
import {
  arrived,
  calibrationDecided,
  calibrationRecorded,
  changeStatus,
  closeNonconformity,
  fitnessOf,
  holdingNonconformities,
  moveToRepair,
  owesChecklistOf,
  quarantine,
  recalibrationRequested,
  returnToService,
  type MachineLife,
  type Transition,
} from '../shared/domain/machine-lifecycle.js';
import { dispositions, equipmentStatuses } from '../shared/schemas/vocabulary.js';
import { calibratedMachine, manager as by, returnRecord } from './helpers/lifecycle.js';

/**
 * Random sequences of events on a few machines in two labs, some of them sent as concurrent pairs
 * (both decided on what their signers read, then written one after the other, the second re-deciding
 * on what the first wrote, as `changeMachine` does), over the pure lifecycle. After every event:
 * a machine with an open quarantine is never fit; a closed nonconformity is never reported as holding
 * one; a return to service names exactly what it ends and each of those shows it; a refused request
 * changes nothing and writes no audit entry; no machine owes two checklists for one period; every
 * lab's audit chain verifies. `FUZZ_SIZE=full` runs 200,000 sequences; `npm test` 10,000.
 */
const full = process.env.FUZZ_SIZE === 'full';
const sequences = full ? 200_000 : 10_000;
const seed = Number(process.env.FUZZ_SEED ?? 20261206);

const labs = ['LAB01', 'LAB02'] as const;
const serials = ['M-1', 'M-2', 'STD-1'] as const;
interface Nc {
  ncNumber: string;
  labId: string;
  serialNumber: string;
  status: 'Open' | 'Closed';
  items: { itemId: string; disposition: string | null }[];
  repairs: number;
  /** The return to service that ended its quarantine. */
  endedBy: string | null;
}

interface Calibration {
  calibrationNumber: string;
  labId: string;
  serialNumber: string;
  status: 'Awaiting approval' | 'Approved' | 'Rejected';
  performedOn: string;
  passing: boolean;
  amendments: number;
}

interface World {
  day: number;
  machines: Record<string, MachineLife>;
  ncs: Record<string, Nc>;
  calibrations: Record<string, Calibration>;
  /** Checklists by lab|serial|period, and whether completed. */
  checklists: Record<string, boolean>;
  counters: Record<string, number>;
}

/** Each lab's audit chain, kept beside the world: only written requests append to it. */
type Chains = Record<string, { head: AuditHead | undefined; entries: AuditEntry[] }>;

type Event =
  | { kind: 'fault found' | 'fault reported'; machine: number }
  | { kind: 'calibrate'; machine: number; outcome: 'pass' | 'fail' | 'out of tolerance' }
  | { kind: 'approve' | 'reject' | 'amend'; calibration: number }
  | { kind: 'dispose'; nc: number; disposition: (typeof dispositions)[number] }
  | { kind: 'close'; nc: number }
  | { kind: 'repair'; nc: number; status: 'Repair onsite' | 'Repair offsite' | null }
  | { kind: 'return to service'; machine: number; note: boolean }
  | { kind: 'transfer'; machine: number }
  | { kind: 'status'; machine: number; status: (typeof equipmentStatuses)[number] }
  | { kind: 'generate' }
  | { kind: 'complete checklist'; machine: number }
  | { kind: 'next day' };

const day = (world: World) => `2026-12-${String(10 + world.day).padStart(2, '0')}`;
const at = (world: World) => `${day(world)}T12:00:00.000Z`;

function newWorld(): World {
  const machines: Record<string, MachineLife> = {};
  for (const [index, serialNumber] of serials.entries()) machines[serialNumber] = calibratedMachine(serialNumber, labs[index % 2]!, 'OLD');
  return { day: 0, machines, ncs: {}, calibrations: {}, checklists: {}, counters: {} };
}

/** What a request decides and writes: the changed world and its audit events by lab, or a refusal. */
type Outcome = { world: World; events: [labId: string, event: AuditEvent][] } | { refused: string };

const audit = (labId: string, action: string, entityId: string, world: World): [string, AuditEvent] => [
  labId,
  { action, entityType: 'test', entityId, labIds: [labId], actor: by, at: at(world) },
];

/** A copy a request may change: machines are replaced whole by the lifecycle, the rest is copied. */
function clone(world: World): World {
  return {
    day: world.day,
    machines: { ...world.machines },
    ncs: Object.fromEntries(Object.entries(world.ncs).map(([key, nc]) => [key, { ...nc, items: nc.items.map((item) => ({ ...item })) }])),
    calibrations: Object.fromEntries(Object.entries(world.calibrations).map(([key, calibration]) => [key, { ...calibration }])),
    checklists: { ...world.checklists },
    counters: { ...world.counters },
  };
}

function number(world: World, labId: string, kind: string): string {
  const key = `${labId}-${kind}`;
  world.counters[key] = (world.counters[key] ?? 0) + 1;
  return `${key}-${String(world.counters[key]).padStart(6, '0')}`;
}

function opened(world: World, serialNumber: string): Outcome {
  const next = clone(world);
  const machine = next.machines[serialNumber]!;
  const ncNumber = number(next, machine.labId, 'NC');
  next.ncs[ncNumber] = {
    ncNumber,
    labId: machine.labId,
    serialNumber,
    status: 'Open',
    items: [{ itemId: 'rec-1', disposition: null }],
    repairs: 0,
    endedBy: null,
  };
  next.machines[serialNumber] = quarantine(machine, ncNumber, at(world), by);
  return {
    world: next,
    events: [audit(machine.labId, 'nonconformity.opened', ncNumber, world), audit(machine.labId, 'equipment.quarantined', serialNumber, world)],
  };
}

function applied<T>(transition: Transition<T>, then: (next: T) => Outcome): Outcome {
  return 'refused' in transition ? transition : then(transition.next);
}

const pick = <T>(list: readonly T[], index: number): T | undefined => (list.length ? list[index % list.length] : undefined);

/**
 * One request: `read` is the world its signer read (for a concurrent pair, before the other request
 * wrote), `world` the one it is written on.
 */
function decide(world: World, event: Event, read: World): Outcome {
  const serial = 'machine' in event ? serials[event.machine % serials.length]! : null;
  switch (event.kind) {
    case 'fault found':
    case 'fault reported':
      return opened(world, serial!);
    case 'calibrate': {
      const next = clone(world);
      const machine = next.machines[serial!]!;
      const calibrationNumber = number(next, machine.labId, 'CAL');
      const finding = event.outcome === 'pass' ? null : event.outcome === 'fail' ? ('failed calibration' as const) : ('out of tolerance' as const);
      next.calibrations[calibrationNumber] = {
        calibrationNumber,
        labId: machine.labId,
        serialNumber: serial!,
        status: 'Awaiting approval',
        performedOn: day(world),
        passing: event.outcome !== 'fail',
        amendments: 0,
      };
      next.machines[serial!] = calibrationRecorded(machine, { calibrationNumber, performedOn: day(world), finding });
      const recorded = audit(machine.labId, 'calibration.recorded', calibrationNumber, world);
      if (event.outcome !== 'out of tolerance') return { world: next, events: [recorded] };
      const opening = opened(next, serial!);
      return 'refused' in opening ? opening : { world: opening.world, events: [recorded, ...opening.events] };
    }
    case 'approve':
    case 'reject': {
      const calibration = pick(Object.values(read.calibrations), event.calibration);
      if (!calibration) return { refused: 'no calibration' };
      const current = world.calibrations[calibration.calibrationNumber]!;
      if (current.status !== 'Awaiting approval') return { refused: `Calibration ${current.calibrationNumber} is ${current.status.toLowerCase()} already.` };
      const approved = event.kind === 'approve';
      const next = clone(world);
      // The machine may have moved since: its decision follows it to the lab it is in now.
      const machine = next.machines[current.serialNumber]!;
      return applied(
        calibrationDecided(machine, {
          calibrationNumber: current.calibrationNumber,
          labId: current.labId,
          performedOn: current.performedOn,
          approved,
          passing: approved && current.passing,
          nextDue: '2027-12-31',
        }),
        (decided) => {
          next.machines[current.serialNumber] = decided;
          next.calibrations[current.calibrationNumber] = { ...current, status: approved ? 'Approved' : 'Rejected' };
          return { world: next, events: [audit(machine.labId, `calibration.${approved ? 'approved' : 'rejected'}`, current.calibrationNumber, world)] };
        },
      );
    }
    case 'amend': {
      const calibration = pick(Object.values(read.calibrations), event.calibration);
      if (!calibration || world.calibrations[calibration.calibrationNumber]!.status !== 'Approved')
        return { refused: 'only an approved calibration is amended' };
      const next = clone(world);
      next.calibrations[calibration.calibrationNumber]!.amendments += 1;
      return { world: next, events: [audit(calibration.labId, 'calibration.amended', calibration.calibrationNumber, world)] };
    }
    case 'dispose': {
      const seen = pick(Object.values(read.ncs), event.nc);
      if (!seen) return { refused: 'no nonconformity' };
      const nc = world.ncs[seen.ncNumber]!;
      if (nc.status !== 'Open') return { refused: `${nc.ncNumber} is closed` };
      if (nc.items[0]!.disposition) return { refused: `${nc.items[0]!.itemId} was disposed meanwhile` };
      const next = clone(world);
      next.ncs[nc.ncNumber]!.items[0]!.disposition = event.disposition;
      const events = [audit(nc.labId, 'nonconformity.item-disposed', nc.ncNumber, world)];
      if (event.disposition === 'Recalibrate') {
        const machine = next.machines[nc.serialNumber]!;
        next.machines[nc.serialNumber] = recalibrationRequested(machine, { ncNumber: nc.ncNumber, itemId: 'rec-1', on: day(world) });
        events.push(audit(machine.labId, 'calibration.recalibration-requested', nc.serialNumber, world));
      }
      return { world: next, events };
    }
    case 'close': {
      const seen = pick(Object.values(read.ncs), event.nc);
      if (!seen) return { refused: 'no nonconformity' };
      const nc = world.ncs[seen.ncNumber]!;
      if (nc.status !== 'Open' || nc.items.some((item) => !item.disposition)) return { refused: `${nc.ncNumber} cannot close` };
      const next = clone(world);
      next.ncs[nc.ncNumber]!.status = 'Closed';
      next.machines[nc.serialNumber] = closeNonconformity(next.machines[nc.serialNumber]!, nc.ncNumber);
      return { world: next, events: [audit(nc.labId, 'nonconformity.closed', nc.ncNumber, world)] };
    }
    case 'repair': {
      const seen = pick(Object.values(read.ncs), event.nc);
      if (!seen) return { refused: 'no nonconformity' };
      const nc = world.ncs[seen.ncNumber]!;
      if (nc.status !== 'Open') return { refused: `${nc.ncNumber} is closed` };
      const next = clone(world);
      next.ncs[nc.ncNumber]!.repairs += 1;
      const logged = audit(nc.labId, 'nonconformity.repair-logged', nc.ncNumber, world);
      if (!event.status) return { world: next, events: [logged] };
      return applied(moveToRepair(next.machines[nc.serialNumber]!, event.status, nc.ncNumber, at(world), by), (moved) => {
        next.machines[nc.serialNumber] = moved;
        return { world: next, events: [logged, audit(moved.labId, 'equipment.updated', nc.serialNumber, world)] };
      });
    }
    case 'return to service': {
      const named = read.machines[serial!]!.quarantine?.ncNumbers ?? [];
      const machine = world.machines[serial!]!;
      // What was repaired or verified: a repair-log entry on what it ends, or the verification's own note.
      if (!event.note && !named.some((ncNumber) => (world.ncs[ncNumber]?.repairs ?? 0) > 0)) return { refused: 'say what was repaired or verified' };
      const returnedAt = at(world);
      const record = returnRecord(machine, [...named], returnedAt);
      return applied(returnToService(machine, named, record, by), (back) => {
        const next = clone(world);
        next.machines[serial!] = back;
        for (const ncNumber of named) next.ncs[ncNumber]!.endedBy = returnedAt;
        return { world: next, events: [audit(machine.labId, 'equipment.returned-to-service', serial!, world)] };
      });
    }
    case 'transfer': {
      const machine = world.machines[serial!]!;
      const to = machine.labId === 'LAB01' ? 'LAB02' : 'LAB01';
      const done = world.checklists[`${machine.labId}|${serial}|${day(world)}`] === true;
      const next = clone(world);
      next.machines[serial!] = arrived(
        { ...machine, labId: to, inServiceSince: machine.status === 'In Service' ? at(world) : null },
        done ? { Daily: day(world) } : {},
      );
      // Its open checklist at the lab it left is cancelled there, as the records work does.
      delete next.checklists[`${machine.labId}|${serial}|${day(world)}`];
      if (done) next.checklists[`${machine.labId}|${serial}|${day(world)}`] = true;
      return {
        world: next,
        events: [audit(machine.labId, 'equipment.transferred-out', serial!, world), audit(to, 'equipment.transferred-in', serial!, world)],
      };
    }
    case 'status':
      return applied(changeStatus(world.machines[serial!]!, event.status, at(world), by), (changed) => {
        if (changed === world.machines[serial!]) return { refused: 'nothing to change' };
        const next = clone(world);
        next.machines[serial!] = changed;
        return { world: next, events: [audit(changed.labId, 'equipment.updated', serial!, world)] };
      });
    case 'generate': {
      const next = clone(world);
      for (const machine of Object.values(world.machines)) {
        const key = `${machine.labId}|${machine.serialNumber}|${day(world)}`;
        if (owesChecklistOf(machine, 'Daily', day(world)) && !(key in next.checklists)) next.checklists[key] = false;
      }
      return { world: next, events: [] };
    }
    case 'complete checklist': {
      const machine = world.machines[serial!]!;
      const key = `${machine.labId}|${serial}|${day(world)}`;
      // A quarantined machine offers no checklist to start.
      if (world.checklists[key] !== false || !owesChecklistOf(machine, 'Daily', day(world))) return { refused: 'no open checklist' };
      const next = clone(world);
      next.checklists[key] = true;
      return { world: next, events: [] };
    }
    case 'next day':
      return { world: { ...clone(world), day: world.day + 1 }, events: [] };
  }
}

function write(chains: Chains, outcome: Exclude<Outcome, { refused: string }>): World {
  for (const [labId, event] of outcome.events) {
    const chain = chains[labId]!;
    const { entries, head } = chainEvents(chain.head, [event], { labId });
    chain.head = head;
    chain.entries.push(...entries);
  }
  return outcome.world;
}

function check(holds: boolean, what: string): void {
  if (!holds) throw new Error(what);
}

function assertInvariants(world: World): void {
  const today = day(world);
  for (const machine of Object.values(world.machines)) {
    const fitness = fitnessOf(machine, today);
    const holding = holdingNonconformities(machine);
    check(!machine.quarantine || fitness.state === 'not fit', `${machine.serialNumber} is quarantined yet ${fitness.state}`);
    // A closed nonconformity never holds a machine as open, and never shows in its fitness.
    for (const ncNumber of holding) check(world.ncs[ncNumber]!.status === 'Open', `${ncNumber} is closed yet holds ${machine.serialNumber}`);
    check(!fitness.reasons.includes('open nonconformity') || holding.length > 0, `${machine.serialNumber} reads "open nonconformity" with none open`);
    check(
      !machine.quarantine || holding.length > 0 || fitness.reasons.includes('awaiting return to service'),
      `${machine.serialNumber} does not read "awaiting return to service"`,
    );
    for (const returned of machine.returnsToService ?? []) {
      for (const ncNumber of returned.nonconformities)
        check(world.ncs[ncNumber]!.endedBy === returned.returnedAt, `${ncNumber} does not show the return that ended it`);
    }
  }
  // Each nonconformity that ended shows the one return that names it, and no longer holds its machine.
  for (const nc of Object.values(world.ncs)) {
    const naming = Object.values(world.machines).flatMap((machine) =>
      (machine.returnsToService ?? []).filter((returned) => returned.nonconformities.includes(nc.ncNumber)),
    );
    check(naming.length === (nc.endedBy ? 1 : 0), `${nc.ncNumber} is named by ${naming.length} returns to service`);
    check(!nc.endedBy || !(world.machines[nc.serialNumber]!.quarantine?.ncNumbers ?? []).includes(nc.ncNumber), `${nc.ncNumber} ended yet holds its machine`);
  }
  // No machine owes two checklists for one period, wherever they were opened.
  const perPeriod = new Set<string>();
  for (const key of Object.keys(world.checklists)) {
    const [, serialNumber, period] = key.split('|');
    check(!perPeriod.has(`${serialNumber}|${period}`), `${serialNumber} owes two checklists for ${period}`);
    perPeriod.add(`${serialNumber}|${period}`);
  }
}

const machineIndex = fc.nat({ max: serials.length - 1 });
const otherIndex = fc.nat({ max: 7 });
const eventArbitrary: fc.Arbitrary<Event> = fc.oneof(
  fc.record({ kind: fc.constantFrom('fault found' as const, 'fault reported' as const), machine: machineIndex }),
  fc.record({
    kind: fc.constant('calibrate' as const),
    machine: machineIndex,
    outcome: fc.constantFrom('pass' as const, 'fail' as const, 'out of tolerance' as const),
  }),
  fc.record({ kind: fc.constantFrom('approve' as const, 'reject' as const, 'amend' as const), calibration: otherIndex }),
  fc.record({ kind: fc.constant('dispose' as const), nc: otherIndex, disposition: fc.constantFrom(...dispositions) }),
  fc.record({ kind: fc.constant('close' as const), nc: otherIndex }),
  fc.record({ kind: fc.constant('repair' as const), nc: otherIndex, status: fc.constantFrom(null, 'Repair onsite' as const, 'Repair offsite' as const) }),
  fc.record({ kind: fc.constant('return to service' as const), machine: machineIndex, note: fc.boolean() }),
  fc.record({ kind: fc.constant('transfer' as const), machine: machineIndex }),
  fc.record({ kind: fc.constant('status' as const), machine: machineIndex, status: fc.constantFrom(...equipmentStatuses) }),
  fc.constant({ kind: 'generate' as const }),
  fc.record({ kind: fc.constant('complete checklist' as const), machine: machineIndex }),
  fc.constant({ kind: 'next day' as const }),
);
/** A step is one request, or two sent at the same moment. */
const stepArbitrary = fc.oneof(
  { weight: 3, arbitrary: eventArbitrary.map((event) => [event]) },
  { weight: 1, arbitrary: fc.tuple(eventArbitrary, eventArbitrary) },
);

const counts = { sequences: 0, requests: 0, refused: 0, concurrentPairs: 0, returnsToService: 0 };

function run(steps: Event[][]): void {
  counts.sequences += 1;
  let world = newWorld();
  const chains: Chains = { LAB01: { head: undefined, entries: [] }, LAB02: { head: undefined, entries: [] } };
  for (const step of steps) {
    const read = world;
    if (step.length === 2) counts.concurrentPairs += 1;
    for (const event of step) {
      counts.requests += 1;
      const before = JSON.stringify(world);
      const outcome = decide(world, event, read);
      if ('refused' in outcome) {
        counts.refused += 1;
        // A refused request changes nothing and writes no audit entry (only a written outcome carries events).
        check(JSON.stringify(world) === before, `the refused ${event.kind} changed the world`);
        continue;
      }
      if (event.kind === 'return to service') counts.returnsToService += 1;
      world = write(chains, outcome);
      assertInvariants(world);
    }
  }
  for (const [labId, chain] of Object.entries(chains)) check(firstBrokenLink(chain.entries) === null, `the audit chain of ${labId} does not verify`);
}

describe('the machine lifecycle over random sequences of events', () => {
  it(`keeps its invariants over ${sequences.toLocaleString('en')} sequences, with concurrent pairs`, () => {
    fc.assert(fc.property(fc.array(stepArbitrary, { minLength: 1, maxLength: 14 }), run), { numRuns: sequences, seed });
    console.log(`lifecycle property: ${JSON.stringify(counts)}`);
    expect(counts.sequences).toBeGreaterThanOrEqual(sequences);
    expect(counts.returnsToService).toBeGreaterThan(sequences / 100);
    expect(counts.concurrentPairs).toBeGreaterThan(sequences);
  });
});
