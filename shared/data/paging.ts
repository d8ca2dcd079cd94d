import type { Container, PartitionKey, SqlQuerySpec } from '@azure/cosmos';
import { badRequest } from '../platform/problems.js';

/** A continuation token the database (or the SDK reading it) did not accept. */
export class InvalidContinuationToken extends Error {}

export interface Page<T> {
  items: T[];
  continuationToken: string | null;
}

/**
 * One page of a query in one partition. Continuation tokens come back from clients, so a damaged one
 * must become a caller's mistake, not a crash: the SDK throws TypeErrors on some and Cosmos answers
 * 400 to others. A query across partitions pages with `queryKeysetPage` instead: the gateway's
 * continuation tokens hold only within one partition.
 */
export async function queryPage<T>(
  container: Container,
  query: string | SqlQuerySpec,
  pageSize: number,
  continuationToken: string | undefined,
  partitionKey: PartitionKey,
): Promise<Page<T>> {
  const iterator = container.items.query<T>(query, {
    maxItemCount: pageSize,
    ...(continuationToken ? { continuationToken } : {}),
    partitionKey,
  });
  try {
    const page = await iterator.fetchNext();
    return { items: page.resources, continuationToken: page.continuationToken ?? null };
  } catch (error) {
    const rejected = error instanceof TypeError || error instanceof SyntaxError || (error as { code?: number }).code === 400;
    if (continuationToken && rejected) throw new InvalidContinuationToken('The continuation token is not valid');
    throw error;
  }
}

/** A property a keyset page sorts on; together the keys must name one document (add a tie-breaker). */
export interface SortKey {
  property: string;
  descending?: boolean;
}

export interface KeysetQuery {
  /** Conditions joined with AND; none may nest parentheses more than one deep. */
  conditions: readonly string[];
  parameters: SqlQuerySpec['parameters'];
  sortKeys: readonly SortKey[];
}

type KeyValue = string | number;

/** The token of the page that starts after this document, in the order of these keys. */
export function tokenAfter(document: object, sortKeys: readonly SortKey[]): string {
  const values = sortKeys.map((key) => (document as Record<string, unknown>)[key.property]);
  return Buffer.from(JSON.stringify({ after: values })).toString('base64url');
}

function decodeKeys(token: string, count: number): KeyValue[] {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    const values = parsed.after;
    if (Array.isArray(values) && values.length === count && values.every((value) => typeof value === 'string' || typeof value === 'number'))
      return values as KeyValue[];
  } catch {
    // Falls through to the refusal below.
  }
  throw new InvalidContinuationToken('The continuation token is not valid');
}

/**
 * The condition that starts a page after the keys of the last document shown, flat (one level of
 * parentheses inside) so the gateway's rewritten query stays shallow: k0 > v0 OR (k0 = v0 AND k1 > v1) ...
 */
function afterKeys(
  alias: string,
  sortKeys: readonly SortKey[],
  values: readonly KeyValue[],
): { condition: string; parameters: { name: string; value: KeyValue }[] } {
  const parameters = values.map((value, index) => ({ name: `@after${index}`, value }));
  const alternatives = sortKeys.map((key, index) => {
    const equalBefore = sortKeys.slice(0, index).map((earlier, position) => `${alias}.${earlier.property} = @after${position}`);
    const beyond = `${alias}.${key.property} ${key.descending ? '<' : '>'} @after${index}`;
    return equalBefore.length === 0 ? beyond : `(${[...equalBefore, beyond].join(' AND ')})`;
  });
  return { condition: `(${alternatives.join(' OR ')})`, parameters };
}

/**
 * One page of a query across partitions, in the order of its sort keys. The Cosmos DB gateway will not
 * run an ORDER BY across partitions itself: the SDK merges the partitions' answers in its own
 * pipeline, which gives no continuation token (and refuses one) unless query control is on. So the
 * token here is the sort keys of the last document shown, and the next page is a new query for what
 * comes after them: every page costs the same however deep the list, and a document added meanwhile
 * is neither doubled nor skips another. Within one partition (`partitionKey`) the same keys page the
 * same way, so a list that is sometimes one partition and sometimes many keeps one kind of token. One document more than the page is read to know whether
 * another page exists, so the last page never comes back empty.
 */
export async function queryKeysetPage<T extends object>(
  container: Container,
  query: KeysetQuery,
  pageSize: number,
  continuationToken?: string,
  partitionKey?: PartitionKey,
): Promise<Page<T>> {
  const conditions = [...query.conditions];
  const parameters = [...(query.parameters ?? [])];
  if (continuationToken) {
    const after = afterKeys('c', query.sortKeys, decodeKeys(continuationToken, query.sortKeys.length));
    conditions.push(after.condition);
    parameters.push(...after.parameters);
  }
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
  const order = query.sortKeys.map((key) => `c.${key.property}${key.descending ? ' DESC' : ''}`).join(', ');
  // Across partitions, planned up front: the gateway would refuse the query and the SDK then fetch the plan anyway.
  const options = partitionKey === undefined ? { forceQueryPlan: true } : { partitionKey };
  const iterator = container.items.query<T>({ query: `SELECT * FROM c${where} ORDER BY ${order}`, parameters }, { maxItemCount: pageSize + 1, ...options });
  // The SDK's pipeline answers an empty result with no array at all.
  const resources = (await iterator.fetchNext()).resources ?? [];
  const items = resources.slice(0, pageSize);
  const last = items.at(-1);
  return { items, continuationToken: resources.length > pageSize && last !== undefined ? tokenAfter(last, query.sortKeys) : null };
}

/**
 * One page of a list the product computes and sorts itself (a due list from the lab's machines): the
 * token holds where the next page starts. Lists that change between pages shift as queried ones do.
 */
export function pageOfList<T>(items: readonly T[], pageSize: number, continuationToken?: string): Page<T> {
  let start = 0;
  if (continuationToken) {
    const offset = /^list:(\d{1,7})$/.exec(Buffer.from(continuationToken, 'base64url').toString('utf8'))?.[1];
    if (offset === undefined) throw new InvalidContinuationToken('The continuation token is not valid');
    start = Number(offset);
  }
  const end = start + pageSize;
  return { items: items.slice(start, end), continuationToken: end < items.length ? Buffer.from(`list:${end}`).toString('base64url') : null };
}

/** For `.catch` on a list: a token the list did not give out is the caller's mistake, with a way out. */
export function invalidTokenAsBadRequest(error: unknown): never {
  if (error instanceof InvalidContinuationToken) {
    throw badRequest('The continuation token is not valid; start again from the first page.', [
      { field: 'continuationToken', message: 'is not a token this list gave out' },
    ]);
  }
  throw error;
}
