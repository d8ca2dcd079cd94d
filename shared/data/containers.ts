/**
 * Every container, its partition key and what lives in it. infra/modules/cosmos.bicep declares the
 * same list (a test keeps the two equal).
 */
export const containerDefinitions = {
  /** One partition per lab: the lab document and the audit chain of changes to it. */
  labs: { id: 'labs', partitionKey: '/labId' },
  /** One partition per user: the user document and the audit chain of their account and sign-ins. */
  users: { id: 'users', partitionKey: '/username' },
  /** Server-side session records and single-use sign-in flow markers; expired ones are purged. */
  sessions: { id: 'sessions', partitionKey: '/username', defaultTtl: -1 },
  /** Sign-in attempts per account and per address in one-minute windows, for rate limiting. */
  attemptCounters: { id: 'attempt-counters', partitionKey: '/id', defaultTtl: -1 },
} as const satisfies Record<string, { id: string; partitionKey: string; defaultTtl?: number }>;

export type ContainerName = keyof typeof containerDefinitions;
