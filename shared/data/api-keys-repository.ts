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

/**
 * A Microsoft Entra app registration that called with an access token: it owns its partition's audit
 * chain and use counters as a key does, made on its first call. What it may do comes from its token
 * and the installation's settings, never from this document.
 */
export interface EntraAppDocument extends ChainOwner {
  /** `entra-<appId>`: the partition, beside the keys' own. */
  id: string;
  type: 'entra-app';
  keyId: string;
  appId: string;
  name: string;
  lastUsedOn: string | null;
}

/** Whoever calls without a browser: an API key or an Entra app; each owns its chain and counters. */
export type IntegrationCallerDocument = ApiKeyDocument | EntraAppDocument;

export const entraAppPartition = (appId: string) => `entra-${appId}`;

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

async function readCallerDocument(keyId: string): Promise<{ document: IntegrationCallerDocument; etag: string } | null> {
  const { resource, etag } = await (await container('apiKeys')).item(keyId, keyId).read<IntegrationCallerDocument>();
  if (!resource || (resource.type !== 'api-key' && resource.type !== 'entra-app')) return null;
  return { document: resource, etag };
}

/**
 * Appends `events` to an Entra app's chain, making the app's document on its first call (a racing
 * first call finds it made and appends after it).
 */
export async function auditEntraApp(app: Pick<EntraAppDocument, 'appId' | 'name'>, events: readonly AuditEvent[]): Promise<void> {
  const keyId = entraAppPartition(app.appId);
  await retryWhileOvertaken(async () => {
    const current = await readCallerDocument(keyId);
    const owner: EntraAppDocument = current
      ? { ...(current.document as EntraAppDocument), name: app.name }
      : { id: keyId, type: 'entra-app', keyId, appId: app.appId, name: app.name, lastUsedOn: null };
    await writeWithAudit({ container: 'apiKeys', partition: ['keyId', keyId], owner, ownerEtag: current?.etag, events });
  }, `Entra app ${app.appId}`);
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
 * Counts one use of a key or an Entra app on `day`. The day's first use also writes `firstUse` to the
 * caller's chain, with the day's counter, in one batch; a second request that races it finds the
 * counter made and adds to it. An Entra app's document is made on its first use.
 */
export async function countApiKeyUse(caller: IntegrationCallerDocument, day: string, firstUse: AuditEvent): Promise<void> {
  const keys = await container('apiKeys');
  const keyId = caller.keyId;
  await retryWhileOvertaken(async () => {
    const current = caller.lastUsedOn === day ? null : await readCallerDocument(keyId);
    const firstOfTheDay = current ? current.document.lastUsedOn !== day : caller.lastUsedOn !== day;
    if (firstOfTheDay) {
      const counter: ApiKeyUsesDocument = { id: usesId(day), type: 'api-key-uses', keyId, day, uses: 1 };
      await writeWithAudit({
        container: 'apiKeys',
        partition: ['keyId', keyId],
        owner: { ...(current?.document ?? caller), lastUsedOn: day },
        ownerEtag: current?.etag,
        alongside: [{ operationType: 'Create', resourceBody: { ...counter }, partitionKey: keyId }],
        events: [firstUse],
      });
      return;
    }
    const response = await keys.items.batch(
      [{ operationType: 'Patch', id: usesId(day), partitionKey: keyId, resourceBody: { operations: [{ op: 'incr', path: '/uses', value: 1 }] } }],
      keyId,
    );
    assertBatchSucceeded(response.result ?? [], `The uses of ${keyId} on ${day}`, response.code);
  }, `The uses of ${keyId}`);
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
