import type { Container, SqlQuerySpec } from '@azure/cosmos';

/** A continuation token the database (or the SDK reading it) did not accept. */
export class InvalidContinuationToken extends Error {}

export interface Page<T> {
  items: T[];
  continuationToken: string | null;
}

/**
 * One page of a query. Continuation tokens come back from clients, so a damaged one must become a
 * caller's mistake, not a crash: the SDK throws TypeErrors on some and Cosmos answers 400 to others.
 */
export async function queryPage<T>(container: Container, query: SqlQuerySpec, pageSize: number, continuationToken?: string): Promise<Page<T>> {
  const iterator = container.items.query<T>(query, { maxItemCount: pageSize, ...(continuationToken ? { continuationToken } : {}) });
  try {
    const page = await iterator.fetchNext();
    return { items: page.resources, continuationToken: page.continuationToken ?? null };
  } catch (error) {
    const rejected = error instanceof TypeError || error instanceof SyntaxError || (error as { code?: number }).code === 400;
    if (continuationToken && rejected) throw new InvalidContinuationToken('The continuation token is not valid');
    throw error;
  }
}
