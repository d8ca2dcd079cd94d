import { container } from './cosmos.js';
import type { ContainerName } from './containers.js';
import { queryKeysetPage, type Page } from './paging.js';

/** One query of the OData feed: documents of one lab's partition matching conditions on allow-listed paths. */
export interface FeedSlice {
  container: ContainerName;
  labId: string;
  conditions: readonly string[];
  parameters: { name: string; value: string | number | boolean }[];
  /** The stored property that orders the rows and names each one. */
  orderPath: string;
}

/** A page of the slice after the given token, from the lab's partition only. */
export async function feedPage(slice: FeedSlice, pageSize: number, after: string | undefined): Promise<Page<Record<string, unknown>>> {
  return queryKeysetPage<Record<string, unknown>>(
    await container(slice.container),
    { conditions: [...slice.conditions], parameters: slice.parameters, sortKeys: [{ property: slice.orderPath }] },
    pageSize,
    after,
    slice.labId,
  );
}

/** How many documents of the lab's partition match: one aggregate query in one partition. */
export async function feedCount(slice: FeedSlice): Promise<number> {
  const where = slice.conditions.length > 0 ? ` WHERE ${slice.conditions.join(' AND ')}` : '';
  const { resources } = await (
    await container(slice.container)
  ).items
    .query<number>({ query: `SELECT VALUE COUNT(1) FROM c${where}`, parameters: slice.parameters }, { partitionKey: slice.labId })
    .fetchAll();
  return resources.reduce((sum, count) => sum + count, 0);
}
