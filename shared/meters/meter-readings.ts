import type { AuditAction } from '../domain/audit-actions.js';
import { readModelRecently } from '../data/catalog-repository.js';
import type { EquipmentDocument } from '../data/equipment-repository.js';
import {
  latestReadings,
  readReading,
  readingDocumentId,
  readingOperation,
  taskReadingDocumentId,
  type ReadingDocument,
} from '../data/meter-readings-repository.js';
import type { AuditActor, AuditEvent } from '../domain/audit-chain.js';
import { auditEvent } from '../domain/audit-entries.js';
import { afterReading, maximumThresholdsPerReading, newMeter, nextMeterId, publicMeter, readingProblem, usageFollowUp } from '../domain/meters.js';
import { formatDay, localDay } from '../domain/periods.js';
import { can } from '../domain/permissions.js';
import { changeMachine, findEquipment } from '../equipment/machine-changes.js';
import { labTimeZone } from '../labs/lab-today.js';
import type { Principal, RequestOrigin } from '../platform/http-pipeline.js';
import { badRequest, conflict, forbidden, notFound } from '../platform/problems.js';
import type { CreateMeter, Meter, Reading, ReadingReason, ReadingResult, ReadingSource, StoredMeter } from '../schemas/meters.js';
import { openUsageRecords, schedulesOf, type UsageRecordsToOpen } from './usage-records.js';

type Facts = RequestOrigin | null;

export function assertMayReadMeters(principal: Principal, labId: string): void {
  if (!can(principal, 'meters', 'read', labId)) throw forbidden(`Your role does not give access to the meters of ${labId}.`);
}

export function assertMayAddMeters(principal: Principal, labId: string): void {
  if (!can(principal, 'meters', 'write', labId)) throw forbidden(`Only a manager adds meters to the machines of ${labId}.`);
}

export function assertMayTakeReadings(principal: Principal, labId: string): void {
  if (!can(principal, 'meters', 'complete', labId)) throw forbidden(`Your role does not allow taking meter readings at ${labId}.`);
}

const meterEvent = (action: AuditAction, machine: EquipmentDocument, actor: AuditActor, facts: Facts, details: Partial<AuditEvent>) =>
  auditEvent(action, { kind: 'equipment', serialNumber: machine.serialNumber, labIds: [machine.labId] }, actor, facts, details);

export async function listMeters(labId: string, serialNumber: string): Promise<{ items: Meter[] }> {
  const { document } = await findEquipment(labId, serialNumber);
  return { items: (document.meters ?? []).map(publicMeter) };
}

/** A meter's latest readings, newest first: what the machine page shows under it. */
export async function meterReadings(labId: string, serialNumber: string, meterId: string): Promise<{ items: Reading[] }> {
  const { document } = await findEquipment(labId, serialNumber);
  if (!document.meters?.some((meter) => meter.meterId === meterId)) throw notFound(`Machine ${serialNumber} has no meter ${meterId}.`);
  const readings = await latestReadings(labId, document.serialKey, meterId, 50);
  return { items: readings.map(readingOf) };
}

function readingOf(document: ReadingDocument): Reading {
  const { serialNumber, meterId, sequence, value, total, reason, source, readAt, by, recordNumber } = document;
  return { serialNumber, meterId, sequence, value, total, reason, source, readAt, by, recordNumber };
}

export async function addMeter(actor: AuditActor, labId: string, serialNumber: string, input: CreateMeter, facts: Facts, now = new Date()): Promise<Meter> {
  return changeMachine(labId, serialNumber, (machine) => {
    const meters = machine.meters ?? [];
    if (meters.some((meter) => meter.name.toLowerCase() === input.name.toLowerCase()))
      throw conflict(`Machine ${serialNumber} already has a meter named ${input.name}.`);
    const meter = newMeter(nextMeterId(meters), input.name, input.unit, now.toISOString());
    return {
      write: { next: { ...machine, meters: [...meters, meter] }, events: [meterEvent('meter.added', machine, actor, facts, { after: meter })] },
      answer: meter,
    };
  });
}

export interface ReadingInput {
  value: number;
  reason?: ReadingReason | undefined;
  source: ReadingSource;
  /** The record and reading task that gave the value: taken once for them, however often asked. */
  task?: { recordNumber: string; taskId: string };
}

/** Which of a machine's meters a reading is for: by id (the machine page) or by name (an integration). */
export type MeterChoice = { meterId: string } | { name: string };

function chosenMeter(machine: EquipmentDocument, choice: MeterChoice): Meter {
  const meters = machine.meters ?? [];
  const found =
    'meterId' in choice
      ? meters.find((meter) => meter.meterId === choice.meterId)
      : meters.find((meter) => meter.name.toLowerCase() === choice.name.toLowerCase());
  if (!found) {
    const named = 'meterId' in choice ? choice.meterId : `named ${choice.name}`;
    throw notFound(
      `Machine ${machine.serialNumber} has no meter ${named}${meters.length ? `; its meters are ${meters.map((meter) => meter.name).join(', ')}` : ''}.`,
    );
  }
  return found;
}

/**
 * Takes a reading: the meter moves on the machine, the reading is kept beside it and audited, all in
 * one batch; then every usage threshold the meter's total passed opens its record (SPEC §15). A
 * refused reading writes nothing.
 */
export async function takeReading(
  actor: AuditActor,
  labId: string,
  serialNumber: string,
  choice: MeterChoice,
  input: ReadingInput,
  facts: Facts,
  now = new Date(),
): Promise<ReadingResult> {
  const at = now.toISOString();
  const timeZone = await labTimeZone(labId);
  const today = formatDay(localDay(now, timeZone));
  const taken = await changeMachine(labId, serialNumber, async (machine) => {
    const meter = chosenMeter(machine, choice);
    const id = input.task
      ? taskReadingDocumentId(machine.serialKey, input.task.recordNumber, input.task.taskId)
      : readingDocumentId(machine.serialKey, meter.meterId, meter.readings + 1);
    const already = input.task ? await readReading(labId, id) : null;
    if (already) return { write: null, answer: { already, meter } as Taken };
    const problem = readingProblem(meter, input.value, input.reason);
    if (problem) throw badRequest(problem, [{ field: 'reason', message: 'is required for a reading lower than the last one' }]);
    const read = afterReading(meter, input.value, at);
    const model = (await readModelRecently(machine.modelId))?.document;
    const schedules = schedulesOf(model?.usageSchedules, meter);
    const { meter: next, opens, missIds } = usageFollowUp(machine.serialKey, read, schedules, { before: meter.total, after: read.total, today, at });
    for (const schedule of schedules) {
      if (opens.filter((open) => open.schedule === schedule).length > maximumThresholdsPerReading)
        throw badRequest(
          `Value ${input.value} would add ${next.total - meter.total} ${meter.unit} to ${meter.name} at once, more than ${maximumThresholdsPerReading} services of ${schedule.every} ${meter.unit}; check the number.`,
          [{ field: 'value', message: 'is far above the last reading' }],
        );
    }
    const reading: ReadingDocument = {
      id,
      type: 'meter-reading',
      labId,
      serialKey: machine.serialKey,
      serialNumber: machine.serialNumber,
      meterId: meter.meterId,
      sequence: next.readings,
      value: input.value,
      total: next.total,
      reason: meter.value !== null && input.value < meter.value ? input.reason! : null,
      source: input.source,
      readAt: at,
      by: actor.username,
      recordNumber: input.task?.recordNumber ?? null,
    };
    const event = meterEvent('meter.read', machine, actor, facts, {
      before: { meter: meter.name, value: meter.value, total: meter.total },
      after: {
        meter: meter.name,
        value: next.value,
        total: next.total,
        source: input.source,
        ...(input.task ? { recordNumber: input.task.recordNumber } : {}),
      },
      ...(reading.reason ? { reason: `Meter ${reading.reason}: a new count starts` } : {}),
    });
    return {
      write: {
        next: { ...machine, meters: (machine.meters ?? []).map((each) => (each.meterId === meter.meterId ? next : each)) },
        events: [event],
        alongside: [readingOperation(reading)],
      },
      answer: { toOpen: { machine, meter: next, opens, missIds, modelVersion: model?.version ?? 0 }, reading } as Taken,
    };
  });
  // A reading a record's task gave before opened its records then, or left them to the lab run.
  if ('already' in taken) return { meter: publicMeter(taken.meter), reading: readingOf(taken.already), recordsOpened: [] };
  // Written on the machine first: should this fail, the lab run finds the openings unconfirmed and opens them.
  const recordsOpened = await openUsageRecords(taken.toOpen, actor, facts, now, timeZone);
  return { meter: publicMeter(taken.toOpen.meter), reading: readingOf(taken.reading), recordsOpened };
}

/** A reading just taken, with the usage records it calls for; or the one a record's task gave before. */
type Taken = { toOpen: UsageRecordsToOpen; reading: ReadingDocument } | { already: ReadingDocument; meter: StoredMeter };
