import type { ModelDocument } from '../data/catalog-repository.js';
import type { EquipmentDocument } from '../data/equipment-repository.js';
import type { RecordDocument } from '../data/records-repository.js';
import { frequencies, recordFrequencies, type Frequency } from '../schemas/catalog.js';
import { owesChecklistOf } from '../domain/machine-lifecycle.js';
import {
  formatDay,
  localDay,
  nextPeriodStart,
  parseDay,
  periodStartOf,
  periodsBetween,
  startOfDay,
  type DueWindows,
  type LocalDay,
} from '../domain/periods.js';

export interface GenerationInput {
  labId: string;
  timeZone: string;
  now: Date;
  backfillDays: number;
  /** Periods that start within this many hours get their records now (GENERATE_AHEAD_HOURS). */
  aheadHours: number;
  dueWindows: DueWindows;
  /** From the lab's counter: every period starting on or before this date was generated already. */
  generatedThrough: string | null;
  /** Every equipment document of the lab, departed ones included. */
  equipment: readonly EquipmentDocument[];
  /** By model id in lower case. */
  models: ReadonlyMap<string, ModelDocument>;
  /** Every Open record, and every record of the periods from `earliestPeriodStarts` on. */
  existing: readonly RecordDocument[];
}

/** A record to create, before it has a number. */
export type NewRecord = Omit<RecordDocument, 'recordNumber'>;

export interface RecordChange {
  before: RecordDocument;
  after: RecordDocument;
  kind: 'missed' | 'cancelled' | 'reopened';
}

export interface GenerationPlan {
  creates: NewRecord[];
  changes: RecordChange[];
  /** Today in the lab: the run covers every period up to it. */
  generatedThrough: string;
}

/** The first day a run looks at: after the last generated date, never more than the backfill allows. */
export function floorDay(input: Pick<GenerationInput, 'timeZone' | 'now' | 'backfillDays' | 'generatedThrough'>): LocalDay {
  const today = localDay(input.now, input.timeZone);
  const oldest = today - input.backfillDays;
  return input.generatedThrough === null ? oldest : Math.min(today, Math.max(oldest, parseDay(input.generatedThrough) + 1));
}

/** Per frequency, the first period start whose records a run must know of. */
export function earliestPeriodStarts(input: Pick<GenerationInput, 'timeZone' | 'now' | 'backfillDays' | 'generatedThrough'>): Record<Frequency, string> {
  const floor = floorDay(input);
  return Object.fromEntries(frequencies.map((frequency) => [frequency, formatDay(periodStartOf(frequency, floor))])) as Record<Frequency, string>;
}

const frequencyOrder = new Map(recordFrequencies.map((frequency, index) => [frequency, index]));

/** Why a machine gets no record of a frequency now; null when it does. */
function ineligibility(machine: EquipmentDocument | undefined, model: ModelDocument | undefined, frequency: Frequency): string | null {
  return machineIneligibility(machine, model) ?? (model!.frequencies[frequency] ? null : `model ${model!.modelId} no longer requires ${frequency} PM`);
}

function machineIneligibility(machine: EquipmentDocument | undefined, model: ModelDocument | undefined): string | null {
  if (!machine || machine.presence === 'arriving') return 'equipment no longer at this lab';
  if (machine.presence === 'departed') return `transferred to ${machine.departedTo ?? 'another lab'}`;
  if (machine.presence === 'leaving') return `being transferred to ${machine.transfer?.toLabId ?? 'another lab'}`;
  if (machine.status !== 'In Service') return machine.status;
  if (!model || !model.active) return `model ${machine.modelId} is disabled`;
  return null;
}

/** Why an Open record can no longer be done here: a usage record is owed while its model keeps the schedule that opened it. */
function recordIneligibility(machine: EquipmentDocument | undefined, model: ModelDocument | undefined, record: RecordDocument): string | null {
  if (record.frequency !== 'Usage') return ineligibility(machine, model, record.frequency);
  const scheduleId = record.usage?.scheduleId;
  return (
    machineIneligibility(machine, model) ??
    (model!.usageSchedules?.some((schedule) => schedule.scheduleId === scheduleId)
      ? null
      : `model ${model!.modelId} no longer has usage schedule ${scheduleId}`)
  );
}

function modelOf(input: GenerationInput, machine: EquipmentDocument | undefined): ModelDocument | undefined {
  return machine ? input.models.get(machine.modelId.toLowerCase()) : undefined;
}

/**
 * What a run must write so that every machine in service has exactly one record per period of every
 * frequency its model requires: the current period Open, skipped ones (backfill) Missed, Open ones past
 * their due time Missed, those of machines that left service or the lab Cancelled, and a Cancelled one
 * of the current period reopened when its machine is back. Pure: the same input gives the same plan,
 * whatever the slices: it hands the event loop back about every `sliceMs` of work, since a year-long
 * first run of a 200-machine lab plans about 6,600 records, which in one piece held the loop for 80 ms.
 */
export async function planGeneration(input: GenerationInput, sliceMs = 8): Promise<GenerationPlan> {
  const steps = planningSteps(input);
  let sliceStarted = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStarted >= sliceMs) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStarted = performance.now();
    }
  }
}

/** The planning, one machine a step. */
function* planningSteps(input: GenerationInput): Generator<void, GenerationPlan> {
  const now = input.now.getTime();
  const nowText = input.now.toISOString();
  const today = localDay(input.now, input.timeZone);
  const lastDay = Math.max(today, localDay(new Date(now + input.aheadHours * 3_600_000), input.timeZone));
  const floor = floorDay(input);
  const existing = new Map(input.existing.map((record) => [record.id, record]));
  const machines = new Map(input.equipment.map((machine) => [machine.serialKey, machine]));
  const creates: NewRecord[] = [];
  const changes: RecordChange[] = [];

  for (const machine of input.equipment) {
    const model = modelOf(input, machine);
    for (const frequency of frequencies) {
      const plan = model?.frequencies[frequency];
      if (!plan || ineligibility(machine, model, frequency) !== null || !machine.inServiceSince) continue;
      const from = Math.max(floor, localDay(new Date(machine.inServiceSince), input.timeZone), localDay(new Date(plan.requiredSince), input.timeZone));
      for (const period of periodsBetween(frequency, Math.min(from, today), lastDay, input.timeZone, input.dueWindows)) {
        const id = `${machine.serialKey}|${frequency}|${period.periodStart}`;
        const found = existing.get(id);
        // Its checklist of this period was completed at the lab it came from: nothing more is owed here.
        if (!found && !owesChecklistOf(machine, frequency, period.periodStart)) continue;
        const isCurrent = period.start <= today && today < nextPeriodStart(frequency, period.start);
        if (found) {
          if (found.status === 'Cancelled' && isCurrent && period.dueEnd.getTime() > now) {
            changes.push({ before: found, after: { ...found, status: 'Open', cancelledAt: null, cancelReason: null }, kind: 'reopened' });
          }
          continue;
        }
        const missed = period.dueEnd.getTime() <= now;
        creates.push({
          id,
          type: 'record',
          labId: input.labId,
          serialKey: machine.serialKey,
          serialNumber: machine.serialNumber,
          modelId: model!.modelId,
          modelVersion: model!.version,
          frequency,
          periodStart: period.periodStart,
          opensAt: startOfDay(period.start, input.timeZone).toISOString(),
          dueEnd: period.dueEnd.toISOString(),
          status: missed ? 'Missed' : 'Open',
          late: false,
          tasks: plan.tasks,
          ...(plan.needsVerification ? { needsVerification: true, verification: null } : {}),
          responses: [],
          completedBy: null,
          completedAt: null,
          signature: null,
          amendments: [],
          missedAt: missed ? nowText : null,
          cancelledAt: null,
          cancelReason: null,
          justification: null,
          createdAt: nowText,
        });
      }
    }
    yield;
  }

  for (const record of input.existing) {
    if (record.status !== 'Open') continue;
    if (Date.parse(record.dueEnd) <= now) {
      changes.push({ before: record, after: { ...record, status: 'Missed', missedAt: nowText }, kind: 'missed' });
      continue;
    }
    const machine = machines.get(record.serialKey);
    const reason = recordIneligibility(machine, modelOf(input, machine), record);
    if (reason !== null)
      changes.push({ before: record, after: { ...record, status: 'Cancelled', cancelledAt: nowText, cancelReason: reason }, kind: 'cancelled' });
  }

  // Numbers follow the periods: older periods first, then frequency, then serial number. Period
  // starts are YYYY-MM-DD, whose code-unit order is their order, and is three times as quick to sort.
  creates.sort(
    (a, b) =>
      (a.periodStart < b.periodStart ? -1 : a.periodStart > b.periodStart ? 1 : 0) ||
      frequencyOrder.get(a.frequency)! - frequencyOrder.get(b.frequency)! ||
      a.serialKey.localeCompare(b.serialKey),
  );
  return { creates, changes, generatedThrough: formatDay(today) };
}
