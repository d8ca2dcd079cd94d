import { PluginOn, type FeedOptions, type PluginConfig } from '@azure/cosmos';

/** Raised in place of a query plan that was not fetched; seen only if Cosmos DB ever asks for one. */
export class QueryPlanNotFetched extends Error {
  readonly code = 'QUERY_PLAN_NOT_FETCHED';
  constructor() {
    super('A query scoped to one partition needed a query plan, which this client does not fetch for such queries');
  }
}

/**
 * The JavaScript SDK asks the gateway for a query plan beside every query, and for a query scoped to
 * one partition key it never uses the answer: the query runs in that partition as sent, and the plan
 * would matter only if Cosmos DB refused it as a cross-partition query. So every list of the product
 * cost two requests instead of one. This plugin answers those plan requests at once, without a
 * network call; queries across partitions still fetch their plan.
 */
export const skipUnusedQueryPlans: PluginConfig = {
  on: PluginOn.request,
  plugin: async (context, _diagnostics, next) => {
    const isPlanRequest = String(context.headers?.['x-ms-cosmos-is-query-plan-request'] ?? '').toLowerCase() === 'true';
    if (isPlanRequest && (context.options as FeedOptions | undefined)?.partitionKey !== undefined) throw new QueryPlanNotFetched();
    return next(context);
  },
};
