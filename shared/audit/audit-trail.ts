import type { Principal } from '../auth/principal.js';
import { auditPage, chainContainers, type AuditFilter, type ChainContainer } from '../data/audit-repository.js';
import { invalidTokenAsBadRequest } from '../data/paging.js';
import type { AuditEntry } from '../domain/audit-chain.js';
import { labsWhere } from '../domain/permissions.js';
import { badRequest, forbidden } from '../platform/problems.js';

const sources = Object.keys(chainContainers) as ChainContainer[];

interface SourceCursor {
  /** The token of the page being read (null: the first page), and how many of its entries were shown. */
  token: string | null;
  skip: number;
  done: boolean;
}

type Cursors = Record<ChainContainer, SourceCursor>;

function decodeCursors(token: string | undefined): Cursors {
  const fresh = Object.fromEntries(sources.map((source) => [source, { token: null, skip: 0, done: false }])) as Cursors;
  if (!token) return fresh;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<Cursors>;
    for (const source of sources) {
      const cursor = parsed[source];
      if (!cursor || (cursor.token !== null && typeof cursor.token !== 'string') || !Number.isInteger(cursor.skip) || cursor.skip < 0 || typeof cursor.done !== 'boolean') {
        throw new Error('bad cursor');
      }
      fresh[source] = cursor;
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
      if (cursor.done) return { source, entries: [] as AuditEntry[], next: null as string | null };
      const page = await auditPage(source, filter, pageSize + cursor.skip, cursor.token ?? undefined).catch(invalidTokenAsBadRequest);
      return { source, entries: page.items.slice(cursor.skip), next: page.continuationToken };
    }),
  );
  const merged = pages
    .flatMap(({ source, entries }) => entries.map((entry) => ({ source, entry })))
    .sort((a, b) => (a.entry.at < b.entry.at ? 1 : a.entry.at > b.entry.at ? -1 : a.source.localeCompare(b.source) || b.entry.seq - a.entry.seq))
    .slice(0, pageSize);
  let more = false;
  for (const { source, entries, next } of pages) {
    const cursor = cursors[source];
    if (cursor.done) continue;
    const shown = merged.filter((item) => item.source === source).length;
    if (shown < entries.length) cursors[source] = { token: cursor.token, skip: cursor.skip + shown, done: false };
    else cursors[source] = { token: next, skip: 0, done: next === null };
    more ||= !cursors[source].done;
  }
  return {
    items: merged.map(({ source, entry }) => viewOf(entry, source)),
    continuationToken: more ? Buffer.from(JSON.stringify(cursors)).toString('base64url') : null,
  };
}
