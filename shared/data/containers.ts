export type CompositeIndex = { path: string; order: 'ascending' | 'descending' }[];

/**
 * Record lists break ties on the record number, so records of one period always come in the same
 * order; Cosmos DB serves an ORDER BY on two properties only from a composite index that matches it.
 */
function recordListOrders(): CompositeIndex[] {
  return [
    [
      { path: '/periodStart', order: 'descending' },
      { path: '/recordNumber', order: 'descending' },
    ],
    [
      { path: '/dueEnd', order: 'ascending' },
      { path: '/recordNumber', order: 'ascending' },
    ],
  ];
}

/**
 * The audit trail's order, newest first: time, then the chain (the partition), then the place in the
 * chain. The keys name one entry, so the trail pages by them across partitions (shared/data/paging.ts).
 */
export function auditTrailOrder(partitionKey: string): CompositeIndex {
  return [
    { path: '/at', order: 'descending' },
    { path: partitionKey, order: 'descending' },
    { path: '/seq', order: 'descending' },
  ];
}

/**
 * Every container, its partition key and what lives in it. infra/modules/cosmos.bicep declares the
 * same list (a test keeps the two equal).
 */
export const containerDefinitions = {
  /** One partition per lab: the lab document and the audit chain of changes to it. */
  labs: { id: 'labs', partitionKey: '/labId', compositeIndexes: [auditTrailOrder('/labId')] },
  /**
   * One partition per user: the user document, their sessions (which expire; nothing else here has a
   * ttl) and the audit chain of their account and sign-ins. Single-use sign-in flow markers have a
   * partition of their own.
   */
  users: { id: 'users', partitionKey: '/username', defaultTtl: -1, compositeIndexes: [auditTrailOrder('/username')] },
  /** Sign-in attempts per account and per address in one-minute windows, for rate limiting. */
  attemptCounters: { id: 'attempt-counters', partitionKey: '/id', defaultTtl: -1 },
  /** One partition per equipment class (by its name in lower case): the class and its audit chain. */
  equipmentClasses: { id: 'equipment-classes', partitionKey: '/key', compositeIndexes: [auditTrailOrder('/key')] },
  /** One partition per model (by its id in lower case): the model with its tasks, and its audit chain. */
  models: { id: 'models', partitionKey: '/modelKey', compositeIndexes: [auditTrailOrder('/modelKey')] },
  /**
   * One partition per lab: its equipment (each with its calibration plan), its calibration events and
   * the audit chain of changes to both; the chain head also counts the lab's calibrations.
   */
  equipment: { id: 'equipment', partitionKey: '/labId', compositeIndexes: [auditTrailOrder('/labId')] },
  /** One partition per serial number (upper case): which lab holds it, so serials are unique company-wide. */
  serialNumbers: { id: 'serial-numbers', partitionKey: '/serialKey' },
  /** One partition per lab: its PM records, its record counter and the audit chain of record changes. */
  records: { id: 'records', partitionKey: '/labId', compositeIndexes: [...recordListOrders(), auditTrailOrder('/labId')] },
  /** One partition per approved calibration provider (ISO/IEC 17025 §6.6): the provider and its audit chain. */
  calibrationProviders: { id: 'calibration-providers', partitionKey: '/providerId', compositeIndexes: [auditTrailOrder('/providerId')] },
  /**
   * One partition per API key (by the key's public id, the part before its secret): the key, its uses
   * per day and the audit chain of its creation, daily use and revocation. A caller's key is one point read.
   */
  apiKeys: { id: 'api-keys', partitionKey: '/keyId', compositeIndexes: [auditTrailOrder('/keyId')] },
  /**
   * One partition per webhook subscription: the subscription, its deliveries and the audit chain of its
   * changes; one more (`~cursors`) notes how far each lab's equipment chain was read for events.
   */
  webhooks: {
    id: 'webhooks',
    partitionKey: '/subscriptionId',
    compositeIndexes: [
      auditTrailOrder('/subscriptionId'),
      [
        { path: '/createdAt', order: 'descending' },
        { path: '/id', order: 'descending' },
      ],
    ],
  },
} as const satisfies Record<string, { id: string; partitionKey: string; defaultTtl?: number; compositeIndexes?: CompositeIndex[] }>;

export type ContainerName = keyof typeof containerDefinitions;
