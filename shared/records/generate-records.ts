import { readModelRecently, type ModelDocument } from '../data/catalog-repository.js';
import { allEquipmentOf, type EquipmentDocument } from '../data/equipment-repository.js';
import { DocumentChanged, DocumentExists } from '../data/errors.js';
import { TooMuchContention } from '../platform/store-failures.js';
import { readLabWithGeneratorStatus } from '../data/generator-status-repository.js';
import { emptyCounter, recordsForGeneration, writeRecords, type RecordDocument } from '../data/records-repository.js';
import type { AuditActor, AuditEvent } from '../domain/audit-chain.js';
import { earliestPeriodStarts, planGeneration, type GenerationPlan } from './generation-plan.js';
import { labNumber } from '../domain/lab-numbers.js';
import { contentHash } from '../domain/record-hash.js';
import { settings } from '../platform/config.js';
import type { RecordFrequency } from '../schemas/catalog.js';

/** Who acts when the generator writes. */
export const generatorActor: AuditActor = { username: 'generator', displayName: 'EquipManSys record generator' };

export interface LabRunSummary {
  labId: string;
  runId: string;
  skipped?: 'no such lab' | 'lab inactive';
  created: number;
  backfilled: number;
  missed: number;
  cancelled: number;
  reopened: number;
  firstNumber: string | null;
  lastNumber: string | null;
  batches: number;
  /** Records that became Missed in this run (past their due time, or backfilled), per frequency. */
  missedByFrequency: Partial<Record<RecordFrequency, number>>;
  /** The lab-local day the run generated through, for the next run's window; null when skipped. */
  generatedThrough: string | null;
}

/** A transactional batch holds at most 100 operations: the counter, one audit entry, and 98 records. */
const recordsPerBatch = 98;
const maximumReplans = 20;

async function modelsFor(modelIds: Iterable<string>): Promise<Map<string, ModelDocument>> {
  const unique = [...new Set([...modelIds].map((modelId) => modelId.toLowerCase()))];
  const found = await Promise.all(unique.map((modelId) => readModelRecently(modelId)));
  return new Map(found.filter((model) => model !== null).map((model) => [model.document.modelKey, model.document]));
}

function runEvent(labId: string, runId: string, at: string, writes: { document: RecordDocument; kind: string }[]): AuditEvent {
  const count = (kind: string) => writes.filter((write) => write.kind === kind).length;
  const created = writes.filter((write) => write.kind === 'created' || write.kind === 'backfilled').map((write) => write.document.recordNumber);
  // Each record this batch leaves Missed, for the `record.missed` webhook event (one per record, read from this entry).
  const missedRecords = writes
    .filter((write) => write.kind === 'missed' || write.kind === 'backfilled')
    .map(({ document }) => ({
      recordNumber: document.recordNumber,
      serialNumber: document.serialNumber,
      frequency: document.frequency,
      periodStart: document.periodStart,
      dueEnd: document.dueEnd,
    }));
  return {
    action: 'records.generated',
    entityType: 'records',
    entityId: labId,
    labIds: [labId],
    actor: generatorActor,
    at,
    after: {
      runId,
      created: count('created'),
      backfilled: count('backfilled'),
      missed: count('missed'),
      cancelled: count('cancelled'),
      reopened: count('reopened'),
      firstNumber: created[0] ?? null,
      lastNumber: created.at(-1) ?? null,
      // Each record as written, so verification can tell a record changed afterwards.
      records: writes.map((write) => [write.document.recordNumber, contentHash(write.document)]),
      ...(missedRecords.length > 0 ? { missedRecords } : {}),
    },
    reason: writes.some((write) => write.kind === 'cancelled')
      ? [...new Set(writes.filter((write) => write.kind === 'cancelled').map((write) => write.document.cancelReason))].join('; ')
      : undefined,
  };
}

function emptySummary(labId: string, runId: string): LabRunSummary {
  return {
    labId,
    runId,
    created: 0,
    backfilled: 0,
    missed: 0,
    cancelled: 0,
    reopened: 0,
    firstNumber: null,
    lastNumber: null,
    batches: 0,
    missedByFrequency: {},
    generatedThrough: null,
  };
}

export interface GenerateOptions {
  /** Write at most this many batches, then stop as a crash would: for tests and recovery drills. */
  batchLimit?: number;
}

/** A lab's generation, with the machines it read and the lab's time zone for the work that follows it in the same run. */
export interface GeneratedRecords {
  summary: LabRunSummary;
  machines: readonly EquipmentDocument[];
  /** Null when the lab was skipped. */
  timeZone: string | null;
}

/**
 * Brings one lab's records up to date (SPEC §2). Safe to run twice, concurrently, or again after being
 * stopped anywhere: record ids are deterministic, and every batch moves the lab's counter on its ETag,
 * so a run that loses a race reads again and plans again instead of writing a second record.
 */
export async function generateRecords(labId: string, now: Date, runId: string, options: GenerateOptions = {}): Promise<GeneratedRecords> {
  const summary = emptySummary(labId, runId);
  const config = settings();
  for (let attempt = 1; ; attempt++) {
    const { lab, status } = await readLabWithGeneratorStatus(labId);
    if (!lab) return { summary: { ...summary, skipped: 'no such lab' }, machines: [], timeZone: null };
    if (!lab.active) return { summary: { ...summary, skipped: 'lab inactive' }, machines: [], timeZone: null };
    // The last run's status says how far the lab was generated, so one query reads exactly the
    // records (and the counter) this run must know of; without it, the whole backfill window.
    const hint = status?.generatedThrough ?? null;
    const base = { timeZone: lab.timeZone, now, backfillDays: config.BACKFILL_DAYS, aheadHours: config.GENERATE_AHEAD_HOURS };
    const [equipment, { records: existing, counter }] = await Promise.all([
      allEquipmentOf(labId),
      recordsForGeneration(labId, earliestPeriodStarts({ ...base, generatedThrough: hint })),
    ]);
    const plan = await planGeneration({
      ...base,
      // The later of the two never narrows the plan below the records read.
      generatedThrough: [hint, counter?.document.generatedThrough ?? null].reduce(
        (later, day) => (day !== null && (later === null || day > later) ? day : later),
        null,
      ),
      labId,
      dueWindows: config.PM_DUE_WINDOWS ?? {},
      equipment,
      models: await modelsFor(equipment.map((machine) => machine.modelId)),
      existing,
    });
    try {
      await applyPlan(plan, counter?.document ?? emptyCounter(labId), counter?.etag, runId, now, summary, options);
      return { summary: { ...summary, generatedThrough: plan.generatedThrough }, machines: equipment, timeZone: lab.timeZone };
    } catch (error) {
      if (!(error instanceof DocumentChanged || error instanceof DocumentExists)) throw error;
      if (attempt >= maximumReplans) throw new TooMuchContention(`The records of ${labId} are being changed by others; run the generator again`);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * Math.min(attempt, 10)));
    }
  }
}

async function applyPlan(
  plan: GenerationPlan,
  counter: ReturnType<typeof emptyCounter>,
  counterEtag: string | undefined,
  runId: string,
  now: Date,
  summary: LabRunSummary,
  options: GenerateOptions,
): Promise<void> {
  const today = plan.generatedThrough;
  let next = counter.lastNumber;
  const writes = [
    ...plan.changes.map((change) => ({ document: change.after, etag: (change.before as { _etag?: string })._etag, kind: change.kind as string })),
    ...plan.creates.map((create) => ({
      document: { ...create, recordNumber: labNumber('record', counter.labId, ++next) },
      etag: undefined,
      kind: create.status === 'Missed' ? 'backfilled' : 'created',
    })),
  ];
  // With nothing to write the counter stays as it is: the run's status keeps how far it got.
  if (writes.length === 0) return;
  let current = counter;
  let etag = counterEtag;
  let numbered = counter.lastNumber;
  for (let start = 0; start === 0 || start < writes.length; start += recordsPerBatch) {
    if (options.batchLimit !== undefined && summary.batches >= options.batchLimit)
      throw new Error(`Generation of ${counter.labId} stopped after ${summary.batches} batches`);
    const batch = writes.slice(start, start + recordsPerBatch);
    const last = start + recordsPerBatch >= writes.length;
    for (const write of batch) if (write.etag === undefined) numbered = Math.max(numbered, Number(write.document.recordNumber.slice(counter.labId.length)));
    const nextCounter = { ...current, lastNumber: numbered, generatedThrough: last ? today : current.generatedThrough };
    const events = batch.length > 0 ? [runEvent(counter.labId, runId, now.toISOString(), batch)] : [];
    const written = await writeRecords(nextCounter, etag, batch, events);
    current = written.counter;
    // The next batch moves the counter this one wrote, and only that version of it.
    etag = written.counterEtag;
    summary.batches += 1;
    for (const write of batch) {
      const kind = write.kind as 'created' | 'backfilled' | 'missed' | 'cancelled' | 'reopened';
      summary[kind] += 1;
      if (kind === 'missed' || kind === 'backfilled') {
        summary.missedByFrequency[write.document.frequency] = (summary.missedByFrequency[write.document.frequency] ?? 0) + 1;
      }
      if (kind === 'created' || kind === 'backfilled') {
        summary.firstNumber ??= write.document.recordNumber;
        summary.lastNumber = write.document.recordNumber;
      }
    }
  }
}
