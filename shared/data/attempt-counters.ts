import { createHash } from 'node:crypto';
import { container } from './cosmos.js';

interface AttemptCounter {
  id: string;
  count: number;
  /** Epoch milliseconds where the window begins. */
  windowStart: number;
  ttl: number;
}

/** Hashed, so whatever a key holds (an address a header carried, a name typed) makes a valid id. */
export function attemptCounterId(scope: string, key: string, windowStart: number): string {
  return createHash('sha256').update(`${scope}\n${key}\n${windowStart}`).digest('hex');
}

/**
 * Adds one to the counter of a key in a fixed time window and returns the new count. Shared by every
 * instance of the app, so a limit holds however far it scales out. One round trip when the window's
 * counter exists (an atomic increment), two when it is the window's first attempt.
 */
export async function countAttempt(scope: string, key: string, windowStart: number, windowSeconds: number): Promise<number> {
  const counters = await container('attemptCounters');
  const id = attemptCounterId(scope, key, windowStart);
  for (;;) {
    try {
      const { resource } = await counters.item(id, id).patch<AttemptCounter>([{ op: 'incr', path: '/count', value: 1 }]);
      return resource!.count;
    } catch (error) {
      if ((error as { code?: number }).code !== 404) throw error;
    }
    try {
      // Real Cosmos drops it after two windows; elsewhere purgeOldAttemptCounters does.
      await counters.items.create<AttemptCounter>({ id, count: 1, windowStart, ttl: windowSeconds * 2 });
      return 1;
    } catch (error) {
      // Another instance created it first: increment theirs.
      if ((error as { code?: number }).code !== 409) throw error;
    }
  }
}

/** The count of a key in a window without adding to it: 0 when nothing was counted. */
export async function readAttemptCount(scope: string, key: string, windowStart: number): Promise<number> {
  const id = attemptCounterId(scope, key, windowStart);
  const { resource } = await (await container('attemptCounters')).item(id, id).read<AttemptCounter>();
  return resource?.count ?? 0;
}

/** Deletes counters of windows that started before the cutoff; returns how many. */
export async function purgeOldAttemptCounters(cutoff: Date): Promise<number> {
  const counters = await container('attemptCounters');
  const { resources } = await counters.items
    .query<{ id: string }>({ query: 'SELECT c.id FROM c WHERE c.windowStart < @cutoff', parameters: [{ name: '@cutoff', value: cutoff.getTime() }] })
    .fetchAll();
  for (const { id } of resources) {
    await counters
      .item(id, id)
      .delete()
      .catch((error: { code?: number }) => {
        if (error.code !== 404) throw error;
      });
  }
  return resources.length;
}
