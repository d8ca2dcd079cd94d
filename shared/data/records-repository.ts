import type { UsageCause } from '../schemas/meters.js';
import type { JSONObject, OperationInput } from '@azure/cosmos';
import type { AuditEvent } from '../domain/audit-chain.js';
import type { Frequency, RecordFrequency, Task } from '../schemas/catalog.js';
import type { RecordStatus, Response, Signature } from '../schemas/records.js';
import { stripSystemProperties, writeWithAudit, type ChainOwner } from './audited-write.js';
import { container } from './cosmos.js';
import { queryPage, type Page } from './paging.js';
import type { Versioned } from './versioned.js';

interface Actor {
  username: string;
  displayName: string;
}

export interface Amendment {
  number: number;
  reason: string;
  changes: { taskId: string; before: Response; after: Response }[];
  signature: Signature;
}

export interface RecordDocument {
  /** Deterministic, so a retried or concurrent generator run can never make a second one. */
  id: string;
  type: 'record';
  labId: string;
  recordNumber: string;
  serialKey: string;
  serialNumber: string;
  modelId: string;
  modelVersion: number;
  frequency: RecordFrequency;
  /** What opened a Usage record: its meter passing `threshold` units (SPEC §15). Absent on calendar records. */
  usage?: UsageTrigger;
  periodStart: string;
  /**
   * When the period starts. The generator makes records up to GENERATE_AHEAD_HOURS before that; until
   * then they are on no dashboard and cannot be completed. Absent on records of earlier releases.
   */
  opensAt?: string;
  dueEnd: string;
  status: RecordStatus;
  late: boolean;
  tasks: Task[];
  responses: Response[];
  completedBy: Actor | null;
  completedAt: string | null;
  signature: Signature | null;
  amendments: Amendment[];
  missedAt: string | null;
  cancelledAt: string | null;
  cancelReason: string | null;
  /** Signed since justifications became signed changes; older ones carry no signature. */
  justification: { reason: string; by: Actor; at: string; signature?: Signature } | null;
  /** Copied from the model at generation: a second person signs "Verified by" after completion. */
  needsVerification?: boolean;
  verification?: Signature | null;
  createdAt: string;
}

/**
 * Numbers a lab's records and owns the audit chain of their changes. Every record write moves it
 * (If-Match, first in the batch), so concurrent writers in one lab are serialised by it.
 */
export interface UsageTrigger {
  scheduleId: string;
  meterId: string;
  meter: string;
  unit: string;
  /** The meter total at which it opened: the threshold it passed, or the total when its months ran out. */
  threshold: number;
  /** The meter total by which it is due, when the schedule's window is in units; null when in days. */
  dueAtTotal: number | null;
  /** The n-th record of the schedule on this meter; absent on records opened by threshold before the count was kept. */
  occurrence?: number;
  /** What opened it: the meter passing its units, or its months running out first; absent means units. */
  cause?: UsageCause;
  /** The schedule's months, for a record its months opened ("6 months since the last service"). */
  months?: number;
}

export interface RecordCounter extends ChainOwner {
  id: typeof counterId;
  type: 'record-counter';
  labId: string;
  lastNumber: number;
  /** The lab-local date through which every period has been generated; backfill starts after it. */
  generatedThrough: string | null;
}

export const counterId = '~counter';

export function recordId(serialKey: string, frequency: Frequency, periodStart: string): string {
  return `${serialKey}|${frequency}|${periodStart}`;
}

export async function readCounter(labId: string): Promise<Versioned<RecordCounter> | null> {
  const { resource, etag } = await (await container('records')).item(counterId, labId).read<RecordCounter>();
  return resource ? { document: resource, etag } : null;
}

export function emptyCounter(labId: string): RecordCounter {
  return { id: counterId, type: 'record-counter', labId, lastNumber: 0, generatedThrough: null };
}

/**
 * One batch: the counter first (created, or replaced on its ETag), then the record writes, then the
 * audit entries. A lost race fails at the first operation and nothing of the batch remains.
 */
export async function writeRecords(
  counter: RecordCounter,
  counterEtag: string | undefined,
  records: readonly { document: RecordDocument; etag: string | undefined }[],
  events: readonly AuditEvent[],
): Promise<{ counter: RecordCounter; counterEtag: string; etags: string[] }> {
  const alongside = records.map(({ document, etag }): OperationInput => {
    const body = stripSystemProperties(document) as unknown as JSONObject;
    return etag
      ? { operationType: 'Replace', id: document.id, resourceBody: body, ifMatch: etag, partitionKey: document.labId }
      : { operationType: 'Create', resourceBody: body, partitionKey: document.labId };
  });
  const written = await writeWithAudit({
    container: 'records',
    partition: ['labId', counter.labId],
    owner: counter,
    ownerEtag: counterEtag,
    alongside,
    events,
  });
  return { counter: written.owner, counterEtag: written.etag, etags: written.etags.slice(1, records.length + 1).map((etag) => etag!) };
}

export async function findRecord(labId: string, recordNumber: string): Promise<Versioned<RecordDocument> | null> {
  const { resources } = await (
    await container('records')
  ).items
    .query<RecordDocument & { _etag: string }>(
      {
        query: "SELECT * FROM c WHERE c.labId = @labId AND c.type = 'record' AND c.recordNumber = @recordNumber",
        parameters: [
          { name: '@labId', value: labId },
          { name: '@recordNumber', value: recordNumber },
        ],
      },
      { partitionKey: labId },
    )
    .fetchAll();
  const found = resources[0];
  return found ? { document: found, etag: found._etag } : null;
}

/**
 * A record and its lab's counter in one query: everything a change of the record reads before it
 * writes them back in one batch (the counter heads the lab's audit chain).
 */
export async function findRecordWithCounter(
  labId: string,
  recordNumber: string,
): Promise<{ record: Versioned<RecordDocument> | null; counter: Versioned<RecordCounter> | null }> {
  const { resources } = await (
    await container('records')
  ).items
    .query<(RecordDocument | RecordCounter) & { _etag: string }>(
      {
        // The partition key scopes the query to the lab; see recordsForGeneration for why it stays flat.
        query: "SELECT * FROM c WHERE (c.type = 'record' AND c.recordNumber = @recordNumber) OR c.id = @counterId",
        parameters: [
          { name: '@recordNumber', value: recordNumber },
          { name: '@counterId', value: counterId },
        ],
      },
      { partitionKey: labId },
    )
    .fetchAll();
  const record = resources.find((document): document is RecordDocument & { _etag: string } => document.type === 'record');
  const counter = resources.find((document): document is RecordCounter & { _etag: string } => document.type === 'record-counter');
  return {
    record: record ? { document: record, etag: record._etag } : null,
    counter: counter ? { document: counter, etag: counter._etag } : null,
  };
}

/**
 * The records a generator run must know of (every Open one, and those of the periods it considers),
 * and the lab's counter, in one query.
 */
export async function recordsForGeneration(
  labId: string,
  earliestPeriodStart: Partial<Record<Frequency, string>>,
): Promise<{ records: (RecordDocument & { _etag: string })[]; counter: Versioned<RecordCounter> | null }> {
  const parameters: { name: string; value: string }[] = [{ name: '@counterId', value: counterId }];
  const windows = Object.entries(earliestPeriodStart).map(([frequency, start], index) => {
    parameters.push({ name: `@f${index}`, value: frequency }, { name: `@s${index}`, value: start });
    return `(c.type = 'record' AND c.frequency = @f${index} AND c.periodStart >= @s${index})`;
  });
  const { resources } = await (
    await container('records')
  ).items
    .query<(RecordDocument | RecordCounter) & { _etag: string }>(
      {
        // One level of parentheses, the partition key scoping it to the lab: the embedded store's SQL
        // parser takes time exponential in the nesting depth (four levels took 6 s to parse, one 0.1 s).
        query: `SELECT * FROM c WHERE c.id = @counterId OR (c.type = 'record' AND c.status = 'Open')${windows.map((window) => ` OR ${window}`).join('')}`,
        parameters,
      },
      { partitionKey: labId },
    )
    .fetchAll();
  const counter = resources.find((document): document is RecordCounter & { _etag: string } => document.type === 'record-counter');
  return {
    records: resources.filter((document): document is RecordDocument & { _etag: string } => document.type === 'record'),
    counter: counter ? { document: counter, etag: counter._etag } : null,
  };
}

export interface RecordListQuery {
  labId: string;
  statuses?: RecordStatus[] | undefined;
  frequency?: RecordFrequency | undefined;
  serialKey?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  pageSize: number;
  continuationToken?: string | undefined;
}

/** Records made ahead of their period (`opensAt` in the future) are listed from the moment it starts. */
const alreadyOpen = '(NOT IS_DEFINED(c.opensAt) OR c.opensAt <= @now)';

/** One lab's records, one partition, newest period first (the dashboard: soonest due first), then by record number. */
export async function listRecords(query: RecordListQuery): Promise<Page<RecordDocument>> {
  const conditions = ['c.labId = @labId', "c.type = 'record'", alreadyOpen];
  const parameters: { name: string; value: string }[] = [
    { name: '@labId', value: query.labId },
    { name: '@now', value: new Date().toISOString() },
  ];
  const add = (condition: string, name: string, value: string) => {
    conditions.push(condition);
    parameters.push({ name, value });
  };
  if (query.statuses) {
    const names = query.statuses.map((status, index) => {
      parameters.push({ name: `@status${index}`, value: status });
      return `c.status = @status${index}`;
    });
    conditions.push(`(${names.join(' OR ')})`);
  }
  if (query.frequency) add('c.frequency = @frequency', '@frequency', query.frequency);
  if (query.serialKey) add('c.serialKey = @serialKey', '@serialKey', query.serialKey);
  if (query.from) add('c.periodStart >= @from', '@from', query.from);
  if (query.to) add('c.periodStart <= @to', '@to', query.to);
  return queryPage<RecordDocument>(
    await container('records'),
    { query: `SELECT * FROM c WHERE ${conditions.join(' AND ')} ORDER BY c.periodStart DESC, c.recordNumber DESC`, parameters },
    query.pageSize,
    query.continuationToken,
    query.labId,
  );
}

export type DashboardRow = Pick<
  RecordDocument,
  'recordNumber' | 'labId' | 'serialNumber' | 'modelId' | 'frequency' | 'periodStart' | 'dueEnd' | 'status' | 'late' | 'usage'
>;

/** A dashboard row as the query sends it: values only, in this order (see listDashboard). */
type DashboardTuple = [string, string, string, RecordDocument['frequency'], string, string, RecordDocument['status'], boolean, UsageTrigger?];

/**
 * A lab's dashboard: the Open and Missed records due on or after `missedSince`, which are those that
 * can still be completed (an Open one due earlier is past its late window too, waiting only for the
 * generator to mark it), soonest due first, only the fields its rows show. The range on `dueEnd` is
 * what keeps the query's cost to that work, not to the lab's whole history. Each row comes as an array
 * of values rather than an object: hundreds of rows repeat no property names, which halves what is
 * encoded, sent and parsed. Every value is one a record always has, so no position is ever skipped,
 * but the last: a Usage record's trigger, which says on Today why it is due.
 */
export async function listDashboard(labId: string, missedSince: string, pageSize: number, continuationToken?: string): Promise<Page<DashboardRow>> {
  const page = await queryPage<DashboardTuple>(
    await container('records'),
    {
      query: `SELECT VALUE [c.recordNumber, c.serialNumber, c.modelId, c.frequency, c.periodStart, c.dueEnd, c.status, c.late, c.usage] FROM c WHERE c.labId = @labId AND c.type = 'record' AND c.dueEnd >= @since AND (c.status = 'Open' OR c.status = 'Missed') AND ${alreadyOpen} ORDER BY c.dueEnd ASC, c.recordNumber ASC`,
      parameters: [
        { name: '@labId', value: labId },
        { name: '@since', value: missedSince },
        { name: '@now', value: new Date().toISOString() },
      ],
    },
    pageSize,
    continuationToken,
    labId,
  );
  return {
    items: page.items.map(([recordNumber, serialNumber, modelId, frequency, periodStart, dueEnd, status, late, usage]) => ({
      recordNumber,
      labId,
      serialNumber,
      modelId,
      frequency,
      periodStart,
      dueEnd,
      status,
      late,
      ...(usage ? { usage } : {}),
    })),
    continuationToken: page.continuationToken,
  };
}

/** What a compliance report reads of each record of a lab in a period range: a projection, one partition. */
export type ReportedRecord = Pick<
  RecordDocument,
  | 'recordNumber'
  | 'serialNumber'
  | 'modelId'
  | 'frequency'
  | 'periodStart'
  | 'dueEnd'
  | 'status'
  | 'late'
  | 'justification'
  | 'needsVerification'
  | 'verification'
>;

export async function recordsForReport(labId: string, from: string, to: string): Promise<ReportedRecord[]> {
  const { resources } = await (
    await container('records')
  ).items
    .query<ReportedRecord>(
      {
        query:
          "SELECT c.recordNumber, c.serialNumber, c.modelId, c.frequency, c.periodStart, c.dueEnd, c.status, c.late, c.justification, c.needsVerification, c.verification FROM c WHERE c.labId = @labId AND c.type = 'record' AND c.periodStart >= @from AND c.periodStart <= @to",
        parameters: [
          { name: '@labId', value: labId },
          { name: '@from', value: from },
          { name: '@to', value: to },
        ],
      },
      { partitionKey: labId },
    )
    .fetchAll();
  return resources;
}

/** A machine's completed records in a lab, with what decides whether each found a fault: what an impact assessment reads. */
export type CompletedRecordFacts = Pick<
  RecordDocument,
  'recordNumber' | 'serialNumber' | 'frequency' | 'periodStart' | 'completedAt' | 'responses' | 'amendments'
>;

export async function completedRecordsOf(labId: string, serialKey: string): Promise<CompletedRecordFacts[]> {
  const { resources } = await (
    await container('records')
  ).items
    .query<CompletedRecordFacts>(
      {
        query:
          "SELECT c.recordNumber, c.serialNumber, c.frequency, c.periodStart, c.completedAt, c.responses, c.amendments FROM c WHERE c.labId = @labId AND c.type = 'record' AND c.serialKey = @serialKey AND c.status = 'Completed'",
        parameters: [
          { name: '@labId', value: labId },
          { name: '@serialKey', value: serialKey },
        ],
      },
      { partitionKey: labId },
    )
    .fetchAll();
  return resources;
}

/** Records by id, each a point read in the lab's partition: those that exist, with their ETags. */
export async function readRecordsById(labId: string, ids: readonly string[]): Promise<Versioned<RecordDocument>[]> {
  const records = await container('records');
  const found = await Promise.all(ids.map((id) => records.item(id, labId).read<RecordDocument>()));
  return found.flatMap(({ resource, etag }) => (resource?.type === 'record' ? [{ document: resource, etag }] : []));
}
