import type { AuditAction } from '../domain/audit-actions.js';
import { readModelRecently } from '../data/catalog-repository.js';
import type { EquipmentDocument } from '../data/equipment-repository.js';
import { DocumentChanged, DocumentExists } from '../data/errors.js';
import {
  latestReadings,
  readReading,
  readingDocumentId,
  readingOperation,
  taskReadingDocumentId,
  type ReadingDocument,
} from '../data/meter-readings-repository.js';
import { emptyCounter, readCounter, readRecordsById, writeRecords, type RecordDocument } from '../data/records-repository.js';
import type { AuditActor, AuditEvent } from '../domain/audit-chain.js';
import { auditEvent } from '../domain/audit-entries.js';
import { labNumber } from '../domain/lab-numbers.js';
import { contentHash } from '../domain/record-hash.js';
import { afterReading, maximumThresholdsPerReading, newMeter, nextMeterId, readingProblem, thresholdsPassed, usageFollowUp } from '../domain/meters.js';
import { formatDay, localDay, startOfDay } from '../domain/periods.js';
import { can } from '../domain/permissions.js';
import { changeMachine, findEquipment } from '../equipment/machine-changes.js';
import { labTimeZone } from '../labs/lab-today.js';
import type { Principal, RequestOrigin } from '../platform/http-pipeline.js';
import { badRequest, conflict, forbidden, notFound } from '../platform/problems.js';
import { TooMuchContention } from '../platform/store-failures.js';
import type { UsageSchedule } from '../schemas/catalog.js';
import type { CreateMeter, Meter, Reading, ReadingReason, ReadingResult, ReadingSource } from '../schemas/meters.js';

type Facts = RequestOrigin | null;

/**
 * A Usage record whose window is in units has no due time until its meter passes it: it stays Open,
 * last on the dashboard, and a reading past the window marks it Missed (SPEC §15).
 */
export const dueWhenTheMeterSaysSo = '9999-12-31T23:59:59.999Z';

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
  return { items: document.meters ?? [] };
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

function schedulesOf(schedules: readonly UsageSchedule[] | undefined, meter: Meter): UsageSchedule[] {
  return (schedules ?? []).filter((schedule) => schedule.meter.toLowerCase() === meter.name.toLowerCase());
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
  const taken = await changeMachine(labId, serialNumber, async (machine) => {
    const meter = chosenMeter(machine, choice);
    const id = input.task
      ? taskReadingDocumentId(machine.serialKey, input.task.recordNumber, input.task.taskId)
      : readingDocumentId(machine.serialKey, meter.meterId, meter.readings + 1);
    const already = input.task ? await readReading(labId, id) : null;
    if (already) return { write: null, answer: { already, meter } as Taken };
    const problem = readingProblem(meter, input.value, input.reason);
    if (problem) throw badRequest(problem, [{ field: 'reason', message: 'is required for a reading lower than the last one' }]);
    const next = afterReading(meter, input.value, at);
    const model = (await readModelRecently(machine.modelId))?.document;
    const schedules = schedulesOf(model?.usageSchedules, meter);
    for (const schedule of schedules) {
      if (thresholdsPassed(meter.total, next.total, schedule.every).length > maximumThresholdsPerReading)
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
      answer: { machine, before: meter, after: next, reading, schedules, modelVersion: model?.version ?? 0 } as Taken,
    };
  });
  if ('already' in taken) return { meter: taken.meter, reading: readingOf(taken.already), recordsOpened: [] };
  const recordsOpened = await followUsage(taken, actor, facts, now);
  return { meter: taken.after, reading: readingOf(taken.reading), recordsOpened };
}

/** A reading just taken, with what its usage follow-up needs; or the one a record's task gave before. */
type Taken = (UsageMove & { reading: ReadingDocument }) | { already: ReadingDocument; meter: Meter };

interface UsageMove {
  machine: EquipmentDocument;
  before: Meter;
  after: Meter;
  schedules: readonly UsageSchedule[];
  modelVersion: number;
}

const maximumAttempts = 20;

/**
 * Opens the usage records the reading's thresholds call for and marks Missed those whose units window
 * it passed, numbered through the lab's record counter like every record. Each record's id is
 * deterministic and created only if absent, so readings that pass a threshold together open one record.
 */
async function followUsage({ machine, before, after, schedules, modelVersion }: UsageMove, actor: AuditActor, facts: Facts, now: Date): Promise<string[]> {
  const { opens, missIds } = usageFollowUp(machine.serialKey, before, after, schedules);
  if (opens.length === 0 && missIds.length === 0) return [];
  const labId = machine.labId;
  const timeZone = await labTimeZone(labId);
  const at = now.toISOString();
  const today = localDay(now, timeZone);
  for (let attempt = 1; attempt <= maximumAttempts; attempt++) {
    const [stored, existing] = await Promise.all([readCounter(labId), readRecordsById(labId, [...opens.map((open) => open.id), ...missIds])]);
    const known = new Map(existing.map((found) => [found.document.id, found]));
    const counter = stored?.document ?? emptyCounter(labId);
    let number = counter.lastNumber;
    const created = opens
      .filter((open) => !known.has(open.id))
      .map(({ id, schedule, threshold }): RecordDocument => {
        const days = schedule.dueWithin.days;
        // Passed its threshold and its units window in one reading: due and missed at once.
        const missedAlready = missIds.includes(id);
        return {
          id,
          type: 'record',
          labId,
          recordNumber: labNumber('record', labId, ++number),
          serialKey: machine.serialKey,
          serialNumber: machine.serialNumber,
          modelId: machine.modelId,
          modelVersion,
          frequency: 'Usage',
          usage: {
            scheduleId: schedule.scheduleId,
            meterId: after.meterId,
            meter: after.name,
            unit: after.unit,
            threshold,
            dueAtTotal: schedule.dueWithin.units === undefined ? null : threshold + schedule.dueWithin.units,
          },
          periodStart: formatDay(today),
          opensAt: at,
          dueEnd: missedAlready ? at : days === undefined ? dueWhenTheMeterSaysSo : startOfDay(today + days + 1, timeZone).toISOString(),
          status: missedAlready ? 'Missed' : 'Open',
          late: false,
          tasks: schedule.tasks,
          ...(schedule.needsVerification ? { needsVerification: true, verification: null } : {}),
          responses: [],
          completedBy: null,
          completedAt: null,
          signature: null,
          amendments: [],
          missedAt: missedAlready ? at : null,
          cancelledAt: null,
          cancelReason: null,
          justification: null,
          createdAt: at,
        };
      });
    const missed = missIds.flatMap((id) => {
      const found = known.get(id);
      return found && found.document.status === 'Open'
        ? [{ document: { ...found.document, status: 'Missed' as const, missedAt: at, dueEnd: at }, etag: found.etag }]
        : [];
    });
    if (created.length === 0 && missed.length === 0) return [];
    const events = [
      ...created.map((record) =>
        auditEvent('record.opened', { kind: 'record', recordNumber: record.recordNumber, labId }, actor, facts, {
          // The record's hash, as every entry about one record carries it, so the audit verification can check it.
          after: { serialNumber: record.serialNumber, usage: record.usage, dueEnd: record.dueEnd, recordHash: contentHash(record) },
          reason: `${after.name} of ${machine.serialNumber} passed ${record.usage!.threshold} ${after.unit}`,
        }),
      ),
      ...missed.map(({ document }) =>
        auditEvent('record.missed', { kind: 'record', recordNumber: document.recordNumber, labId }, actor, facts, {
          after: { status: 'Missed', recordHash: contentHash(document) },
          reason: `${after.name} of ${machine.serialNumber} passed ${document.usage!.dueAtTotal} ${after.unit} with the checklist not done`,
        }),
      ),
    ];
    try {
      await writeRecords({ ...counter, lastNumber: number }, stored?.etag, [...created.map((document) => ({ document, etag: undefined })), ...missed], events);
      return created.map((record) => record.recordNumber);
    } catch (error) {
      // Another reading or the generator wrote first: read again, and open only what is still missing.
      if (!(error instanceof DocumentChanged || error instanceof DocumentExists)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
  throw new TooMuchContention(
    `The records of ${labId} are being changed by others; the reading was kept but the usage records it calls for were not opened; tell an administrator`,
  );
}
