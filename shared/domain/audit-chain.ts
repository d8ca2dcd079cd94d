import { createHash } from 'node:crypto';

/** Where a partition's chain stands: the last entry's sequence number and hash. */
export interface AuditHead {
  seq: number;
  hash: string;
}

export interface AuditActor {
  username: string;
  displayName: string;
}

/** One audited happening, before it is placed in a chain. */
export interface AuditEvent {
  action: string;
  entityType: string;
  entityId: string;
  /** Labs the event concerns, so lab-scoped auditors find it. */
  labIds: string[];
  actor: AuditActor | null;
  at: string;
  before?: unknown;
  after?: unknown;
  reason?: string;
  requestId?: string;
  clientAddress?: string;
}

export interface AuditEntry extends AuditEvent {
  id: string;
  type: 'audit';
  seq: number;
  prevHash: string;
  hash: string;
}

export const genesisHash = '0'.repeat(64);

/** JSON with keys sorted at every level, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

export function auditEntryId(seq: number): string {
  return `audit-${String(seq).padStart(12, '0')}`;
}

export function hashEntry(entry: Omit<AuditEntry, 'hash'>): string {
  return createHash('sha256').update(canonicalJson(entry)).digest('hex');
}

/**
 * Places events after the head: each entry holds the previous entry's hash and its own, so removing,
 * reordering or editing an entry breaks every link after it. `extra` carries the container's
 * partition key field.
 */
export function chainEvents(
  head: AuditHead | undefined,
  events: readonly AuditEvent[],
  extra: Record<string, string>,
): { entries: AuditEntry[]; head: AuditHead } {
  let current: AuditHead = head ?? { seq: 0, hash: genesisHash };
  const entries = events.map((event) => {
    const seq = current.seq + 1;
    const unsigned = { ...event, ...extra, id: auditEntryId(seq), type: 'audit' as const, seq, prevHash: current.hash };
    const entry: AuditEntry = { ...unsigned, hash: hashEntry(unsigned) };
    current = { seq, hash: entry.hash };
    return entry;
  });
  return { entries, head: current };
}

/**
 * The first entry whose link or hash does not hold, or null when the chain is intact. `after` is the
 * last entry already checked, so a long chain can be checked a slice at a time.
 */
export function firstBrokenLink(entries: readonly AuditEntry[], after: AuditHead = { seq: 0, hash: genesisHash }): { seq: number; reason: string } | null {
  let previous: AuditHead = after;
  for (const entry of entries) {
    if (entry.seq !== previous.seq + 1) return { seq: previous.seq + 1, reason: 'entry missing' };
    if (entry.prevHash !== previous.hash) return { seq: entry.seq, reason: 'previous hash does not match' };
    const { hash, ...rest } = entry;
    // Properties starting with "_" are the database's own (_etag, _ts, ...), never part of an entry.
    const unsigned = Object.fromEntries(Object.entries(rest).filter(([key]) => !key.startsWith('_'))) as Omit<AuditEntry, 'hash'>;
    if (hashEntry(unsigned) !== hash) return { seq: entry.seq, reason: 'content does not match its hash' };
    previous = { seq: entry.seq, hash };
  }
  return null;
}
