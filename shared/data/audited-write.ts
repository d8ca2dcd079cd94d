import type { JSONObject, OperationInput } from '@azure/cosmos';
import { chainEvents, type AuditEvent, type AuditHead } from '../domain/audit-chain.js';
import { container } from './cosmos.js';
import type { ContainerName } from './containers.js';
import { DocumentChanged, DocumentExists } from './errors.js';

/** A document that owns its partition's audit chain: it carries the chain's head. */
export interface ChainOwner {
  id: string;
  audit?: AuditHead;
}

export interface AuditedWrite<T extends ChainOwner> {
  container: ContainerName;
  /** Name and value of the container's partition key field, e.g. ['username', 'tech1']. */
  partition: [field: string, value: string];
  owner: T;
  /** The owner's ETag when replacing it; undefined to create it. */
  ownerEtag: string | undefined;
  events: readonly AuditEvent[];
}

/**
 * Writes a change and the audit entries describing it as one transactional batch in one partition.
 * The owner document goes first and is conditional (create, or replace on its ETag), so concurrent
 * writers are serialised by it and the embedded store, whose batches are not atomic, stops at the
 * first operation when it loses the race.
 */
export async function writeWithAudit<T extends ChainOwner>(write: AuditedWrite<T>): Promise<{ owner: T; etag: string }> {
  const [field, value] = write.partition;
  const { entries, head } = chainEvents(write.owner.audit, write.events, { [field]: value });
  const owner = { ...stripSystemProperties(write.owner), audit: head } as T;
  const ownerOperation: OperationInput = write.ownerEtag
    ? { operationType: 'Replace', id: owner.id, resourceBody: owner as unknown as JSONObject, ifMatch: write.ownerEtag, partitionKey: value }
    : { operationType: 'Create', resourceBody: owner as unknown as JSONObject, partitionKey: value };
  const operations: OperationInput[] = [
    ownerOperation,
    ...entries.map((entry): OperationInput => ({ operationType: 'Create', resourceBody: entry as unknown as JSONObject, partitionKey: value })),
  ];
  const response = await (await container(write.container)).items.batch(operations, value);
  const first = response.result?.[0];
  if (first?.statusCode === 409) throw new DocumentExists(`${owner.id} already exists`);
  if (first?.statusCode === 412) throw new DocumentChanged(`${owner.id} changed since it was read`);
  const failed = response.result?.find((result) => result.statusCode >= 400);
  if (!first?.eTag || failed) throw new Error(`Audited write of ${owner.id} failed with status ${failed?.statusCode ?? response.code}`);
  return { owner, etag: first.eTag };
}

const systemProperties = ['_rid', '_self', '_etag', '_ts', '_attachments'] as const;

export function stripSystemProperties<T extends object>(document: T): T {
  const copy: Record<string, unknown> = { ...(document as Record<string, unknown>) };
  for (const name of systemProperties) delete copy[name];
  return copy as T;
}
