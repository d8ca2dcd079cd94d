import type { AuditEvent } from '../domain/audit-chain.js';
import type { ApiKeyScope } from '../schemas/api-keys.js';
import { assertBatchSucceeded, writeWithAudit, type ChainOwner } from './audited-write.js';
import { container } from './cosmos.js';
import { retryWhileOvertaken } from './optimistic-retry.js';
import { queryKeysetPage, type Page } from './paging.js';

export interface ApiKeyDocument extends ChainOwner {
  /** The key's public id: the partition, and the part of the key before its secret. */
  id: string;
  type: 'api-key';
  keyId: string;
  name: string;
  labIds: string[];
  scopes: ApiKeyScope[];
  /** The last day (UTC) the key works. */
  expiresOn: string;
  /** SHA-256 (hex) of the secret; the secret itself is shown once and never stored. */
  secretHash: string;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  revokedBy: string | null;
  /** The last day (UTC) a request used the key: its first use on a day is audited, the rest counted. */
  lastUsedOn: string | null;
}

/** How many requests used a key on one day (UTC). */
export interface ApiKeyUsesDocument {
  id: string;
  type: 'api-key-uses';
  keyId: string;
  day: string;
  uses: number;
}

const usesId = (day: string) => `uses-${day}`;

export async function readApiKey(keyId: string): Promise<{ document: ApiKeyDocument; etag: string } | null> {
  const { resource, etag } = await (await container('apiKeys')).item(keyId, keyId).read<ApiKeyDocument>();
  if (!resource || resource.type !== 'api-key') return null;
  return { document: resource, etag };
}

export async function createApiKey(key: ApiKeyDocument, events: readonly AuditEvent[]): Promise<ApiKeyDocument> {
  return (await writeWithAudit({ container: 'apiKeys', partition: ['keyId', key.keyId], owner: key, ownerEtag: undefined, events })).owner;
}

export type ApiKeyChange = { key: ApiKeyDocument; events: AuditEvent[] } | null;

/** Read, change and write with the audit entries; overtaken by another writer, it reads and asks again. */
export async function changeApiKey(keyId: string, change: (current: ApiKeyDocument) => ApiKeyChange): Promise<ApiKeyDocument | null> {
  return retryWhileOvertaken(async () => {
    const current = await readApiKey(keyId);
    if (!current) return null;
    const next = change(current.document);
    if (!next) return current.document;
    return (await writeWithAudit({ container: 'apiKeys', partition: ['keyId', keyId], owner: next.key, ownerEtag: current.etag, events: next.events })).owner;
  }, `API key ${keyId}`);
}

/**
 * Counts one use of the key on `day`. The day's first use also writes `firstUse` to the key's chain, with
 * the day's counter, in one batch; a second request that races it finds the counter made and adds to it.
 */
export async function countApiKeyUse(key: ApiKeyDocument, day: string, firstUse: AuditEvent): Promise<void> {
  const keys = await container('apiKeys');
  await retryWhileOvertaken(async () => {
    const current = key.lastUsedOn === day ? null : await readApiKey(key.keyId);
    if (current && current.document.lastUsedOn !== day) {
      const counter: ApiKeyUsesDocument = { id: usesId(day), type: 'api-key-uses', keyId: key.keyId, day, uses: 1 };
      await writeWithAudit({
        container: 'apiKeys',
        partition: ['keyId', key.keyId],
        owner: { ...current.document, lastUsedOn: day },
        ownerEtag: current.etag,
        alongside: [{ operationType: 'Create', resourceBody: { ...counter }, partitionKey: key.keyId }],
        events: [firstUse],
      });
      return;
    }
    const response = await keys.items.batch(
      [{ operationType: 'Patch', id: usesId(day), partitionKey: key.keyId, resourceBody: { operations: [{ op: 'incr', path: '/uses', value: 1 }] } }],
      key.keyId,
    );
    assertBatchSucceeded(response.result ?? [], `The uses of API key ${key.keyId} on ${day}`, response.code);
  }, `The uses of API key ${key.keyId}`);
}

/** Every key, by id; an installation has a handful, so one page of up to 500 serves the list. */
export async function listApiKeys(pageSize: number, continuationToken?: string): Promise<Page<ApiKeyDocument>> {
  return queryKeysetPage<ApiKeyDocument>(
    await container('apiKeys'),
    { conditions: ["c.type = 'api-key'"], parameters: [], sortKeys: [{ property: 'keyId' }] },
    pageSize,
    continuationToken,
  );
}

/** The key's use counters from `sinceDay` on, oldest first: one partition, one query. */
export async function usesOf(keyId: string, sinceDay: string): Promise<ApiKeyUsesDocument[]> {
  const { resources } = await (
    await container('apiKeys')
  ).items
    .query<ApiKeyUsesDocument>(
      { query: "SELECT * FROM c WHERE c.type = 'api-key-uses' AND c.day >= @since ORDER BY c.day", parameters: [{ name: '@since', value: sinceDay }] },
      { partitionKey: keyId },
    )
    .fetchAll();
  return resources;
}
