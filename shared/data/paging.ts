import type { Container, PartitionKey, SqlQuerySpec } from '@azure/cosmos';
import { badRequest } from '../platform/problems.js';

/** A continuation token the database (or the SDK reading it) did not accept. */
export class InvalidContinuationToken extends Error {}

export interface Page<T> {
  items: T[];
  continuationToken: string | null;
}

/**
 * One page of a query, in one partition when `partitionKey` is given. Continuation tokens come back
 * from clients, so a damaged one must become a caller's mistake, not a crash: the SDK throws
 * TypeErrors on some and Cosmos answers 400 to others.
 */
export async function queryPage<T>(
  container: Container,
  query: string | SqlQuerySpec,
  pageSize: number,
  continuationToken?: string,
  partitionKey?: PartitionKey,
): Promise<Page<T>> {
  const iterator = container.items.query<T>(query, {
    maxItemCount: pageSize,
    ...(continuationToken ? { continuationToken } : {}),
    ...(partitionKey !== undefined ? { partitionKey } : {}),
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
