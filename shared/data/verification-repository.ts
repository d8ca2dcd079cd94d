import type { AuditEntry, AuditHead } from '../domain/audit-chain.js';
import { chainContainers, type ChainContainer } from './audit-repository.js';
import type { CalibrationDocument } from './calibration-repository.js';
import { container } from './cosmos.js';
import type { EquipmentDocument } from './equipment-repository.js';
import type { NonconformityDocument } from './nonconformity-repository.js';
import type { RecordDocument } from './records-repository.js';
import type { ReviewDocument } from './reviews-repository.js';

/**
 * The reads of a verification in bounded slices: every query here stays in one partition and asks for
 * at most `limit` documents after a key, so one request of `GET /api/audit/verify` does bounded work
 * however large the lab has grown. Single-partition queries with ORDER BY and TOP are served by the
 * gateway itself, with no client-side query plan.
 */

function topOf(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`A slice holds at least one document, not ${limit}`);
  return limit;
}

/** Where a chain's owner says the chain ends; null when the owner document is gone. */
export async function chainHead(source: ChainContainer, partition: string, ownerId: string): Promise<AuditHead | null> {
  const { resource } = await (await container(source)).item(ownerId, partition).read<{ audit?: AuditHead }>();
  return resource?.audit ?? null;
}

/** Up to `limit` entries of one chain after `afterSeq`, oldest first. */
export async function chainEntriesAfter(source: ChainContainer, partition: string, afterSeq: number, limit: number): Promise<AuditEntry[]> {
  const field = chainContainers[source];
  const { resources } = await (
    await container(source)
  ).items
    .query<AuditEntry>(
      {
        query: `SELECT TOP ${topOf(limit)} * FROM c WHERE c.${field} = @partition AND c.type = 'audit' AND c.seq > @after ORDER BY c.seq`,
        parameters: [
          { name: '@partition', value: partition },
          { name: '@after', value: afterSeq },
        ],
      },
      { partitionKey: partition },
    )
    .fetchAll();
  return resources;
}

/** The accounts of a lab's own people (company-wide accounts have chains of their own, not the lab's). */
export async function usernamesOfLab(labId: string): Promise<string[]> {
  const { resources } = await (
    await container('users')
  ).items
    .query<string>({
      query: "SELECT VALUE c.username FROM c WHERE c.type = 'user' AND ARRAY_CONTAINS(c.labIds, @labId) AND c.companyRole = null",
      parameters: [{ name: '@labId', value: labId }],
    })
    .fetchAll();
  return resources.sort();
}

async function sliceAfter<T>(
  containerName: 'records' | 'equipment' | 'labs',
  labId: string,
  condition: string,
  key: string,
  after: string,
  limit: number,
): Promise<T[]> {
  const { resources } = await (
    await container(containerName)
  ).items
    .query<T>(
      {
        query: `SELECT TOP ${topOf(limit)} * FROM c WHERE c.labId = @labId AND ${condition} AND c.${key} > @after ORDER BY c.${key}`,
        parameters: [
          { name: '@labId', value: labId },
          { name: '@after', value: after },
        ],
      },
      { partitionKey: labId },
    )
    .fetchAll();
  return resources;
}

/** Calibration events of a lab after a calibration number, in number order. */
export function calibrationsAfter(labId: string, after: string, limit: number): Promise<CalibrationDocument[]> {
  return sliceAfter('equipment', labId, "c.type = 'calibration'", 'calibrationNumber', after, limit);
}

/** Nonconformities, machines returned to service and machines with interval review decisions or intermediate checks (all signed), after a document id, in id order. */
export function signedEquipmentAfter(labId: string, after: string, limit: number): Promise<((NonconformityDocument | EquipmentDocument) & { type: string })[]> {
  // Flat: the embedded store reads at most three nested parentheses in reasonable time.
  const signed =
    "(c.type = 'nonconformity' OR (c.type = 'equipment' AND IS_DEFINED(c.returnsToService)) OR (c.type = 'equipment' AND IS_DEFINED(c.calibration.intervalDecisions)) OR (c.type = 'equipment' AND IS_DEFINED(c.calibration.intermediateChecks)))";
  return sliceAfter('equipment', labId, signed, 'id', after, limit);
}

/** Signed periodic reviews of a lab after a review number, in number order. */
export function reviewsAfter(labId: string, after: string, limit: number): Promise<ReviewDocument[]> {
  return sliceAfter('labs', labId, "c.type = 'review'", 'reviewNumber', after, limit);
}

/** Records of a lab after a record number, in number order. */
export function recordsAfter(labId: string, after: string, limit: number): Promise<RecordDocument[]> {
  return sliceAfter('records', labId, "c.type = 'record'", 'recordNumber', after, limit);
}

/** A place in the records chain where a record's content hash was written down. */
export interface RecordMention {
  recordNumber: string;
  hash: string;
  seq: number;
  /** Within one entry, the record's own hash (1) is written after the batch list (0). */
  order: 0 | 1;
}

/**
 * Every place the lab's records chain names the hash of one of these records: the generator's batch
 * entries list `[recordNumber, hash]` pairs, and an entry about one record carries its `recordHash`.
 * Entries about single records are found by number. The batch lists are read whole (their pairs
 * only): finding the batches that name a record needs `JOIN r IN c.after.records`, which the
 * embedded store's query engine cannot run over documents without `after`. A year of a 200-machine
 * lab's batches is about 800 documents.
 */
export async function recordMentions(labId: string, recordNumbers: readonly string[]): Promise<RecordMention[]> {
  if (recordNumbers.length === 0) return [];
  const items = (await container('records')).items;
  const wanted = new Set(recordNumbers);
  const [batches, own] = await Promise.all([
    items
      .query<{ seq: number; records: [string, string][] }>(
        {
          query: "SELECT c.seq, c.after.records FROM c WHERE c.labId = @labId AND c.type = 'audit' AND c.entityType = 'records' AND IS_ARRAY(c.after.records)",
          parameters: [{ name: '@labId', value: labId }],
        },
        { partitionKey: labId },
      )
      .fetchAll(),
    items
      .query<{ seq: number; recordNumber: string; hash: string }>(
        {
          query:
            "SELECT c.seq, c.entityId AS recordNumber, c.after.recordHash AS hash FROM c WHERE c.labId = @labId AND c.type = 'audit' AND c.entityType = 'record' AND ARRAY_CONTAINS(@numbers, c.entityId) AND IS_DEFINED(c.after.recordHash)",
          parameters: [
            { name: '@labId', value: labId },
            { name: '@numbers', value: [...recordNumbers] },
          ],
        },
        { partitionKey: labId },
      )
      .fetchAll(),
  ]);
  return [
    ...batches.resources.flatMap(({ seq, records }) =>
      records.filter(([recordNumber]) => wanted.has(recordNumber)).map(([recordNumber, hash]) => ({ recordNumber, hash, seq, order: 0 as const })),
    ),
    ...own.resources.map(({ seq, recordNumber, hash }) => ({ recordNumber, hash, seq, order: 1 as const })),
  ];
}
