import type { AuditActor } from '../domain/audit-chain.js';
import { auditEvent } from '../domain/audit-entries.js';
import { readModelRecently } from '../data/catalog-repository.js';
import type { EquipmentDocument } from '../data/equipment-repository.js';
import { DocumentChanged, DocumentExists } from '../data/errors.js';
import { emptyCounter, readCounter, readRecordsById, writeRecords, type RecordDocument } from '../data/records-repository.js';
import { labNumber } from '../domain/lab-numbers.js';
import { contentHash } from '../domain/record-hash.js';
import { calendarDueDay, confirmOpenings, usageCauseWords, usageFollowUp } from '../domain/meters.js';
import { formatDay, localDay, parseDay, startOfDay } from '../domain/periods.js';
import { changeMachine } from '../equipment/machine-changes.js';
import type { RequestOrigin } from '../platform/http-pipeline.js';
import { HttpProblem } from '../platform/problems.js';
import { TooMuchContention } from '../platform/store-failures.js';
import type { UsageSchedule } from '../schemas/catalog.js';
import type { Meter, StoredMeter, UsageOpening } from '../schemas/meters.js';

/**
 * A Usage record whose window is in units has no due time until its meter passes it: it stays Open,
 * last on the dashboard, and a reading past the window marks it Missed (SPEC §15).
 */
export const dueWhenTheMeterSaysSo = '9999-12-31T23:59:59.999Z';

/** The schedules of a model that count a meter, matched by the meter's name. */
export function schedulesOf(schedules: readonly UsageSchedule[] | undefined, meter: Meter): UsageSchedule[] {
  return (schedules ?? []).filter((schedule) => schedule.meter.toLowerCase() === meter.name.toLowerCase());
}

export interface UsageRecordsToOpen {
  machine: EquipmentDocument;
  /** The meter as written on the machine with the openings. */
  meter: StoredMeter;
  opens: readonly { schedule: UsageSchedule; opening: UsageOpening }[];
  missIds: readonly string[];
  modelVersion: number;
}

const maximumAttempts = 20;

/**
 * Opens the usage records a meter's openings call for, and marks Missed those whose units window the
 * meter passed, numbered through the lab's record counter like every record. Each record's id is
 * deterministic and created only if absent, so a reading and the lab run, or two runs, opening the
 * same occurrence together open one record. Answers the numbers of the records it created.
 */
export async function openUsageRecords(
  { machine, meter, opens, missIds, modelVersion }: UsageRecordsToOpen,
  actor: AuditActor,
  facts: RequestOrigin | null,
  now: Date,
  timeZone: string,
): Promise<string[]> {
  if (opens.length === 0 && missIds.length === 0) return [];
  const labId = machine.labId;
  const at = now.toISOString();
  for (let attempt = 1; attempt <= maximumAttempts; attempt++) {
    const [stored, existing] = await Promise.all([readCounter(labId), readRecordsById(labId, [...opens.map(({ opening }) => opening.id), ...missIds])]);
    const known = new Map(existing.map((found) => [found.document.id, found]));
    const counter = stored?.document ?? emptyCounter(labId);
    let number = counter.lastNumber;
    const created = opens
      .filter(({ opening }) => !known.has(opening.id))
      .map(({ schedule, opening }): RecordDocument => {
        const days = schedule.dueWithin.days;
        // Opened past its units window already (one reading jumped over both, or the record was lost
        // and the meter moved on before the lab run opened it again): due and missed at once.
        const missedAlready = opening.dueAtTotal !== null && opening.dueAtTotal <= meter.total;
        return {
          id: opening.id,
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
            meterId: meter.meterId,
            meter: meter.name,
            unit: meter.unit,
            threshold: opening.total,
            dueAtTotal: opening.dueAtTotal,
            occurrence: opening.occurrence,
            cause: opening.cause,
            ...(opening.cause === 'calendar' && schedule.orEveryMonths !== undefined ? { months: schedule.orEveryMonths } : {}),
          },
          periodStart: opening.day,
          opensAt: opening.at,
          dueEnd: missedAlready ? at : days === undefined ? dueWhenTheMeterSaysSo : startOfDay(parseDay(opening.day) + days + 1, timeZone).toISOString(),
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
          reason: `${meter.name} of ${machine.serialNumber}: ${usageCauseWords(record.usage!)}`,
        }),
      ),
      ...missed.map(({ document }) =>
        auditEvent('record.missed', { kind: 'record', recordNumber: document.recordNumber, labId }, actor, facts, {
          after: { status: 'Missed', recordHash: contentHash(document) },
          reason: `${meter.name} of ${machine.serialNumber} passed ${document.usage!.dueAtTotal} ${meter.unit} with the checklist not done`,
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
  throw new TooMuchContention(`The records of ${labId} are being changed by others; the usage records due were not opened; the next lab run opens them`);
}

/** Whether the lab run has anything to do for a machine's meters: openings to confirm, or months that ran out (or were never counted). */
function needsRecheck(machine: EquipmentDocument, schedules: readonly UsageSchedule[], today: string): boolean {
  return (machine.meters ?? []).some((meter) => {
    if (meter.usage?.some((state) => state.unconfirmed.length > 0)) return true;
    if (machine.status !== 'In Service') return false;
    return schedulesOf(schedules, meter).some((schedule) => {
      if (schedule.orEveryMonths === undefined) return false;
      const state = meter.usage?.find((each) => each.scheduleId === schedule.scheduleId);
      return state === undefined || calendarDueDay(state, schedule)! <= today;
    });
  });
}

/**
 * The lab run's look at the meters (SPEC §15). A reading writes its openings on the machine before it
 * creates their records; should it fail in between, the openings stay on the machine as unconfirmed
 * and this run opens their records, under the same ids, once. It also opens the records whose months
 * ran out first on a whichever-first schedule. It reads only the machines that have either, and only
 * the records of their unconfirmed openings: a confirmed opening is dropped from the machine.
 */
export async function recheckUsage(
  labId: string,
  machines: readonly EquipmentDocument[],
  now: Date,
  timeZone: string,
  actor: AuditActor,
): Promise<{ opened: string[] }> {
  const today = formatDay(localDay(now, timeZone));
  const at = now.toISOString();
  const opened: string[] = [];
  for (const listed of machines) {
    if (listed.presence === 'departed' || listed.presence === 'arriving' || !listed.meters?.length) continue;
    const model = (await readModelRecently(listed.modelId))?.document;
    const schedules = model?.usageSchedules ?? [];
    if (!needsRecheck(listed, schedules, today)) continue;
    const unconfirmedIds = (listed.meters ?? []).flatMap((meter) => (meter.usage ?? []).flatMap((state) => state.unconfirmed.map((opening) => opening.id)));
    const storedIds = new Set((await readRecordsById(labId, unconfirmedIds)).map((found) => found.document.id));
    const toOpen = await changeMachine(labId, listed.serialNumber, (machine) => {
      const work: UsageRecordsToOpen[] = [];
      const meters = (machine.meters ?? []).map((stored) => {
        const confirmed = confirmOpenings(stored, storedIds);
        const meterSchedules = schedulesOf(schedules, confirmed);
        const followed =
          machine.status === 'In Service'
            ? usageFollowUp(machine.serialKey, confirmed, meterSchedules, { before: confirmed.total, after: confirmed.total, today, at })
            : { meter: confirmed, opens: [], missIds: [] };
        const byId = new Map(meterSchedules.map((schedule) => [schedule.scheduleId, schedule]));
        // A schedule the model no longer has owes nothing: its unconfirmed openings are let go.
        const meter = { ...followed.meter, usage: followed.meter.usage?.map((state) => (byId.has(state.scheduleId) ? state : { ...state, unconfirmed: [] })) };
        // Every opening still unconfirmed, the new ones included, is created if absent.
        const opens = (meter.usage ?? []).flatMap((state) => {
          const schedule = byId.get(state.scheduleId);
          return schedule ? state.unconfirmed.map((opening) => ({ schedule, opening })) : [];
        });
        if (opens.length > 0 || followed.missIds.length > 0) work.push({ machine, meter, opens, missIds: followed.missIds, modelVersion: model?.version ?? 0 });
        return meter;
      });
      const changed = JSON.stringify(meters) !== JSON.stringify(machine.meters ?? []);
      return { write: changed ? { next: { ...machine, meters }, events: [] } : null, answer: work };
    }).catch((error: unknown) => {
      if (error instanceof HttpProblem && error.status === 404) return null;
      throw error;
    });
    // A machine that left the lab since the generation read it owes this lab nothing more.
    if (toOpen === null) continue;
    for (const work of toOpen) opened.push(...(await openUsageRecords(work, actor, null, now, timeZone)));
  }
  return { opened };
}
