import { createHash } from 'node:crypto';
import { container } from './cosmos.js';

interface AttemptCounter {
  id: string;
  count: number;
  ttl: number;
}

/**
 * Adds one to the counter of a key in a fixed time window and returns the new count. Shared by every
 * instance of the app, so a limit holds however far it scales out. One round trip when the window's
 * counter exists (an atomic increment), two when it is the window's first attempt.
 */
export async function countAttempt(scope: string, key: string, windowStart: number, windowSeconds: number): Promise<number> {
  const counters = await container('attemptCounters');
  const id = createHash('sha256').update(`${scope}\n${key}\n${windowStart}`).digest('hex');
  for (;;) {
    try {
      const { resource } = await counters.item(id, id).patch<AttemptCounter>([{ op: 'incr', path: '/count', value: 1 }]);
      return resource!.count;
    } catch (error) {
      if ((error as { code?: number }).code !== 404) throw error;
    }
    try {
      // Kept for two windows in real Cosmos; the local store has no TTL and keeps them (they are tiny).
      await counters.items.create<AttemptCounter>({ id, count: 1, ttl: windowSeconds * 2 });
      return 1;
    } catch (error) {
      // Another instance created it first: increment theirs.
      if ((error as { code?: number }).code !== 409) throw error;
    }
  }
}
