import type { Principal } from '../auth/principal.js';
import { auditPage, auditSortKeys, chainContainers, mayConcern, type AuditFilter, type ChainContainer } from '../data/audit-repository.js';
import { invalidTokenAsBadRequest, tokenAfter } from '../data/paging.js';
import type { AuditEntry } from '../domain/audit-chain.js';
import { labsWhere } from '../domain/permissions.js';
import { badRequest, forbidden } from '../platform/problems.js';

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
    throw badRequest('The continuation token is not valid; start again from the first page.', [
      { field: 'continuationToken', message: 'is not a token this list gave out' },
    ]);
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
