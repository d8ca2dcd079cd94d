import type { JSONObject, OperationInput } from '@azure/cosmos';
import { chainEvents, type AuditEvent, type AuditHead } from '../domain/audit-chain.js';
import { container } from './cosmos.js';
import type { ContainerName } from './containers.js';
import { DocumentChanged, DocumentExists } from './errors.js';
import { documentIdProblem } from '../schemas/document-ids.js';

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
  /** Further writes of the same change in the same partition (e.g. the equipment beside its lab's chain head). */
  alongside?: readonly OperationInput[];
  events: readonly AuditEvent[];
}

/**
 * Writes a change and the audit entries describing it as one transactional batch in one partition:
 * all of it or none of it. The owner document goes first and is conditional (create, or replace on
 * its ETag), so concurrent writers are serialised by it and a lost race fails at the first operation.
 */
export async function writeWithAudit<T extends ChainOwner>(write: AuditedWrite<T>): Promise<{ owner: T; etag: string; etags: (string | undefined)[] }> {
  const [field, value] = write.partition;
  const { entries, head } = chainEvents(write.owner.audit, write.events, { [field]: value });
  const owner = { ...stripSystemProperties(write.owner), audit: head } as T;
  const ownerOperation: OperationInput = write.ownerEtag
    ? { operationType: 'Replace', id: owner.id, resourceBody: owner as unknown as JSONObject, ifMatch: write.ownerEtag, partitionKey: value }
    : { operationType: 'Create', resourceBody: owner as unknown as JSONObject, partitionKey: value };
  const operations: OperationInput[] = [
    ownerOperation,
    ...(write.alongside ?? []),
    ...entries.map((entry): OperationInput => ({ operationType: 'Create', resourceBody: entry as unknown as JSONObject, partitionKey: value })),
  ];
  assertDocumentIds(operations);
  const response = await (await container(write.container)).items.batch(operations, value);
  assertBatchSucceeded(response.result ?? [], owner.id, response.code);
  return { owner, etag: response.result![0]!.eTag!, etags: response.result!.map((result) => result.eTag) };
}

/**
 * The SDK checks an item's id on a single create, not inside a batch, and a document whose id Cosmos
 * DB refuses could be written there and never read back: refused here, before anything is sent.
 */
export function assertDocumentIds(operations: readonly OperationInput[]): void {
  for (const operation of operations) {
    const id = 'id' in operation && operation.id !== undefined ? operation.id : (operation as { resourceBody?: { id?: unknown } }).resourceBody?.id;
    const problem = typeof id === 'string' ? documentIdProblem(id) : null;
    if (problem) throw new Error(`${problem} Refused before writing: ${JSON.stringify(id)}`);
  }
}

/**
 * A failed batch names its failing operation; the others answer 424. A conflict anywhere (the owner
 * created twice, or a chain entry another writer appended first) and a stale ETag mean the caller was
 * overtaken and may read again.
 */
export function assertBatchSucceeded(results: readonly { statusCode: number; eTag?: string }[], what: string, code?: number): void {
  let operationIndex = results.findIndex((result) => result.statusCode >= 400 && result.statusCode !== 424);
  if (operationIndex < 0) operationIndex = results.findIndex((result) => result.statusCode >= 400);
  const failing = results[operationIndex];
  if (failing?.statusCode === 409) throw new DocumentExists(`${what} already exists`, { operationIndex });
  if (failing?.statusCode === 412) throw new DocumentChanged(`${what} changed since it was read`, { operationIndex });
  if (failing || !results[0]?.eTag) throw new Error(`The write of ${what} failed with status ${failing?.statusCode ?? code}`);
}

const systemProperties = ['_rid', '_self', '_etag', '_ts', '_attachments'] as const;

export function stripSystemProperties<T extends object>(document: T): T {
  const copy: Record<string, unknown> = { ...(document as Record<string, unknown>) };
  for (const name of systemProperties) delete copy[name];
  return copy as T;
}
