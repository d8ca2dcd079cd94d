import { calibrationSignatureProblem } from '../calibration/calibrations.js';
import type { CalibrationDocument } from '../data/calibration-repository.js';
import type { EquipmentDocument } from '../data/equipment-repository.js';
import type { NonconformityDocument } from '../data/nonconformity-repository.js';
import { nonconformitySignatureProblem } from '../nonconformities/nonconformities.js';
import { returnToServiceProblem } from '../nonconformities/return-to-service.js';
import type { Principal } from '../auth/principal.js';
import { auditPage, auditSortKeys, chainContainers, mayConcern, readChain, type AuditFilter, type ChainContainer } from '../data/audit-repository.js';
import { invalidTokenAsBadRequest, tokenAfter } from '../data/paging.js';
import { counterId, type RecordDocument } from '../data/records-repository.js';
import { listUsers } from '../data/users-repository.js';
import { container } from '../data/cosmos.js';
import { firstBrokenLink, type AuditEntry } from '../domain/audit-chain.js';
import { labsWhere } from '../domain/permissions.js';
import { contentHash } from '../domain/record-hash.js';
import { badRequest, forbidden } from '../platform/problems.js';
import { signedContentHash, verificationHash } from '../records/manage-records.js';
import { currentResponses } from '../records/record-rules.js';

const sources = Object.keys(chainContainers) as ChainContainer[];

/**
 * Where each container's part of the trail stands: the token of the next page of that container (the
 * keys of its last entry shown; null before the first), or done when all of it was shown.
 */
type SourceCursor = { after: string | null; done: boolean };

type Cursors = Record<ChainContainer, SourceCursor>;

function decodeCursors(token: string | undefined): Cursors {
  const fresh = Object.fromEntries(sources.map((source) => [source, { after: null, done: false }])) as Cursors;
  if (!token) return fresh;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<Cursors>;
    for (const source of sources) {
      const cursor = parsed[source];
      if (!cursor || (cursor.after !== null && typeof cursor.after !== 'string') || typeof cursor.done !== 'boolean') throw new Error('bad cursor');
      fresh[source] = { after: cursor.after, done: cursor.done };
    }
    return fresh;
  } catch {
    throw badRequest('The continuation token is not valid; start again from the first page.', [{ field: 'continuationToken', message: 'is not a token this list gave out' }]);
  }
}

export interface AuditQuery {
  labId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  entityType?: string | undefined;
  entityId?: string | undefined;
  pageSize?: number | undefined;
  continuationToken?: string | undefined;
}

/** An entry as the API shows it: which container and chain (partition) it belongs to, and its place in it. */
export type AuditView = Omit<AuditEntry, 'id' | 'type'> & { source: ChainContainer; partition: string };

function viewOf(entry: AuditEntry, source: ChainContainer): AuditView {
  const { id: _id, type: _type, ...rest } = entry;
  const visible = Object.fromEntries(Object.entries(rest).filter(([key]) => !key.startsWith('_'))) as Omit<AuditEntry, 'id' | 'type'>;
  return { ...visible, source, partition: String((entry as unknown as Record<string, unknown>)[chainContainers[source]]) };
}

/** The labs whose entries the caller may read: every lab for company-wide readers (no filter). */
function labScope(principal: Principal, labId: string | undefined): readonly string[] | undefined {
  const readable = labsWhere(principal, 'audit', 'read');
  if (readable !== 'all' && readable.length === 0) throw forbidden('Your role does not give access to the audit trail.');
  if (labId) {
    if (readable !== 'all' && !readable.includes(labId)) throw forbidden(`You cannot see the audit trail of ${labId}.`);
    return [labId];
  }
  return readable === 'all' ? undefined : readable;
}

export function assertMayReadAudit(principal: Principal, labId: string | undefined): void {
  labScope(principal, labId);
}

/**
 * One page of the audit trail, newest first, merged from every container that holds chains. The
 * continuation token carries each container's place, so paging never skips or repeats an entry.
 */
export async function readAuditTrail(principal: Principal, query: AuditQuery): Promise<{ items: AuditView[]; continuationToken: string | null }> {
  const pageSize = query.pageSize ?? 100;
  // A date alone as `to` means the whole of that day.
  const to = query.to && /^\d{4}-\d{2}-\d{2}$/.test(query.to) ? `${query.to}T23:59:59.999Z` : query.to;
  const filter: AuditFilter = { labIds: labScope(principal, query.labId), from: query.from, to, entityType: query.entityType, entityId: query.entityId };
  const cursors = decodeCursors(query.continuationToken);
  const pages = await Promise.all(
    sources.map(async (source) => {
      const cursor = cursors[source];
      if (cursor.done || !mayConcern(source, filter)) return { source, page: { items: [] as AuditEntry[], continuationToken: null } };
      return { source, page: await auditPage(source, filter, pageSize, cursor.after ?? undefined).catch(invalidTokenAsBadRequest) };
    }),
  );
  const merged = pages
    .flatMap(({ source, page }) => page.items.map((entry) => ({ source, entry })))
    .sort((a, b) => newestFirst(a.entry, a.source, b.entry, b.source))
    .slice(0, pageSize);
  let more = false;
  for (const { source, page } of pages) {
    const shown = merged.filter((item) => item.source === source);
    const last = shown.at(-1);
    if (shown.length === page.items.length) cursors[source] = { after: page.continuationToken, done: page.continuationToken === null };
    else if (last) cursors[source] = { after: tokenAfter(last.entry, auditSortKeys(source)), done: false };
    more ||= !cursors[source].done;
  }
  return {
    items: merged.map(({ source, entry }) => viewOf(entry, source)),
    continuationToken: more ? Buffer.from(JSON.stringify(cursors)).toString('base64url') : null,
  };
}

/** The merged trail's order: each container's own order (auditSortKeys), containers by name on a tie. */
function newestFirst(a: AuditEntry, aSource: ChainContainer, b: AuditEntry, bSource: ChainContainer): number {
  if (a.at !== b.at) return a.at < b.at ? 1 : -1;
  if (aSource !== bSource) return aSource.localeCompare(bSource);
  const aChain = String(chainOf(a, aSource));
  const bChain = String(chainOf(b, bSource));
  if (aChain !== bChain) return aChain < bChain ? 1 : -1;
  return b.seq - a.seq;
}

const chainOf = (entry: AuditEntry, source: ChainContainer) => (entry as unknown as Record<string, unknown>)[chainContainers[source]];

export interface BrokenLink {
  source: ChainContainer;
  partition: string;
  seq?: number;
  recordNumber?: string;
  reason: string;
}

export interface Verification {
  labId: string;
  verifiedAt: string;
  intact: boolean;
  chains: { source: ChainContainer; partition: string; entries: number }[];
  recordsChecked: number;
  firstBroken: BrokenLink | null;
}

/** The chain holds together, and its owner's head points at its last entry (so the tail was not cut). */
async function verifyChain(source: ChainContainer, partition: string, ownerId: string): Promise<{ entries: AuditEntry[]; broken: BrokenLink | null }> {
  const { entries, head } = await readChain(source, partition, ownerId);
  const link = firstBrokenLink(entries);
  if (link) return { entries, broken: { source, partition, seq: link.seq, reason: link.reason } };
  const last = entries.at(-1);
  if ((head?.seq ?? 0) !== (last?.seq ?? 0) || (last && head?.hash !== last.hash)) {
    return { entries, broken: { source, partition, seq: (last?.seq ?? 0) + 1, reason: `the chain ends at entry ${last?.seq ?? 0} but its head says ${head?.seq ?? 0}: entries are missing` } };
  }
  return { entries, broken: null };
}

/** The hash each record had when it was last written, according to the records chain. */
function recordedHashes(entries: readonly AuditEntry[]): Map<string, string> {
  const hashes = new Map<string, string>();
  for (const entry of entries) {
    const after = entry.after as { records?: [string, string][]; recordHash?: string } | undefined;
    for (const [recordNumber, hash] of after?.records ?? []) hashes.set(recordNumber, hash);
    if (entry.entityType === 'record' && after?.recordHash) hashes.set(entry.entityId, after.recordHash);
  }
  return hashes;
}

function recordProblem(record: RecordDocument, expected: string | undefined): string | null {
  if (expected === undefined) return 'the record has no entry in the audit trail';
  if (contentHash(record) !== expected) return 'the record does not match the audit trail: it was changed outside the product';
  if (record.signature && signedContentHash(record, record.responses, record.signature) !== record.signature.contentHash) {
    return 'the completion signature does not match the record as signed';
  }
  for (const amendment of record.amendments) {
    const amended = currentResponses({ responses: record.responses, amendments: record.amendments.slice(0, amendment.number) });
    if (signedContentHash(record, amended, amendment.signature, { amendment: amendment.number, reason: amendment.reason }) !== amendment.signature.contentHash) {
      return `the signature of amendment ${amendment.number} does not match the record as amended`;
    }
  }
  if (record.verification && verificationHash(record, record.verification) !== record.verification.contentHash) {
    return 'the verification signature does not match the record as verified';
  }
  const justification = record.justification;
  if (justification?.signature) {
    const signed = signedContentHash(record, currentResponses(record), justification.signature, { justification: justification.reason });
    if (signed !== justification.signature.contentHash) return 'the signature of the justification does not match the record as justified';
  }
  return null;
}

/**
 * Walks every chain that concerns a lab (the lab, its equipment, its records, and the accounts of its
 * users) and every record of the lab against its trail and signatures; names the first broken link.
 */
async function signedEquipmentProblem(labId: string): Promise<Verification['firstBroken']> {
  const { resources } = await (await container('equipment')).items
    .query<(NonconformityDocument | EquipmentDocument) & { type: string }>(
      { query: "SELECT * FROM c WHERE c.labId = @labId AND (c.type = 'nonconformity' OR (c.type = 'equipment' AND IS_DEFINED(c.returnsToService)))", parameters: [{ name: '@labId', value: labId }] },
      { partitionKey: labId },
    )
    .fetchAll();
  for (const document of resources.sort((a, b) => a.id.localeCompare(b.id))) {
    const problem = document.type === 'nonconformity' ? nonconformitySignatureProblem(document as NonconformityDocument) : returnToServiceProblem(document as EquipmentDocument);
    const name = document.type === 'nonconformity' ? (document as NonconformityDocument).ncNumber : (document as EquipmentDocument).serialNumber;
    if (problem) return { source: 'equipment', partition: labId, recordNumber: name, reason: problem };
  }
  return null;
}

export async function verifyLab(labId: string): Promise<Verification> {
  const users = (await listUsers({ labIds: [labId], includeCompanyUsers: false, includeDisabled: true, pageSize: 1000 })).users;
  const chains: { source: ChainContainer; partition: string; ownerId: string }[] = [
    { source: 'labs', partition: labId, ownerId: labId },
    { source: 'equipment', partition: labId, ownerId: '~chain' },
    { source: 'records', partition: labId, ownerId: counterId },
    ...users.map((user) => ({ source: 'users' as const, partition: user.username, ownerId: user.username })),
  ];
  const results = await Promise.all(chains.map((chain) => verifyChain(chain.source, chain.partition, chain.ownerId)));
  let firstBroken = results.find((result) => result.broken)?.broken ?? null;
  const recordsChain = results[2]!.entries;
  const { resources: records } = await (await container('records')).items
    .query<RecordDocument>({ query: "SELECT * FROM c WHERE c.labId = @labId AND c.type = 'record'", parameters: [{ name: '@labId', value: labId }] }, { partitionKey: labId })
    .fetchAll();
  // Calibration signatures (SPEC §9) are checked like record signatures: an altered event shows.
  const { resources: calibrations } = await (await container('equipment')).items
    .query<CalibrationDocument>({ query: "SELECT * FROM c WHERE c.labId = @labId AND c.type = 'calibration'", parameters: [{ name: '@labId', value: labId }] }, { partitionKey: labId })
    .fetchAll();
  if (!firstBroken) {
    for (const calibration of calibrations.sort((a, b) => a.calibrationNumber.localeCompare(b.calibrationNumber))) {
      const problem = calibrationSignatureProblem(calibration);
      if (problem) {
        firstBroken = { source: 'equipment', partition: labId, recordNumber: calibration.calibrationNumber, reason: problem };
        break;
      }
    }
  }
  // Dispositions, closures (SPEC §10) and returns to service are signed too.
  if (!firstBroken) firstBroken = await signedEquipmentProblem(labId);
  if (!firstBroken) {
    const hashes = recordedHashes(recordsChain);
    for (const record of records.sort((a, b) => a.recordNumber.localeCompare(b.recordNumber))) {
      const problem = recordProblem(record, hashes.get(record.recordNumber));
      if (problem) {
        firstBroken = { source: 'records', partition: labId, recordNumber: record.recordNumber, reason: problem };
        break;
      }
    }
  }
  return {
    labId,
    verifiedAt: new Date().toISOString(),
    intact: firstBroken === null,
    chains: chains.map((chain, index) => ({ source: chain.source, partition: chain.partition, entries: results[index]!.entries.length })),
    recordsChecked: records.length,
    firstBroken,
  };
}
