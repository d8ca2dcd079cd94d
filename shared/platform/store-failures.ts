/** A chain head that kept moving under concurrent writers; the caller may retry later. */
export class TooMuchContention extends Error {}

/** Network failures the SDK surfaces with the socket's code instead of a status. */
const droppedConnectionCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'REQUEST_SEND_ERROR', 'TimeoutError']);

/**
 * Cosmos DB was throttling, unavailable or unreachable, after the SDK's own retries: the request may
 * be tried again later. Returns how long to wait in milliseconds, or null for any other error.
 */
export function transientStoreFailure(error: unknown): { retryAfterMs: number } | null {
  if (typeof error !== 'object' || error === null) return null;
  const failure = error as { code?: unknown; name?: unknown; retryAfterInMs?: unknown; headers?: Record<string, unknown>; cause?: unknown };
  const transient =
    failure.code === 429 ||
    failure.code === 503 ||
    failure.code === 408 ||
    failure.code === 449 ||
    droppedConnectionCodes.has(String(failure.code)) ||
    failure.name === 'TimeoutError';
  // The SDK wraps a failed transactional batch in a plain Error whose cause is the real failure.
  if (!transient) return failure.cause === undefined ? null : transientStoreFailure(failure.cause);
  const hinted = Number(failure.retryAfterInMs ?? failure.headers?.['x-ms-retry-after-ms']);
  return { retryAfterMs: Number.isFinite(hinted) && hinted > 0 ? hinted : 1000 };
}
