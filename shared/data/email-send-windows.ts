import { createHash } from 'node:crypto';
import { container } from './cosmos.js';

/**
 * One clock hour of e-mail sent through one Communication Service: the hour's count and each of its
 * minutes' counts. Every instance of the app reserves its sends here, so the limits hold however far
 * the Function App scales out. It lives beside the sign-in attempt counters but has no `windowStart`,
 * so their ten-minute purge leaves it alone; the next hour's window deletes it, and in Azure its TTL.
 */
interface SendWindow {
  id: string;
  /** Sends reserved in the hour. */
  sent: number;
  /** `m00` … `m59`: sends reserved in each minute. Made with the window, as a condition on a missing field is never true. */
  [minute: `m${string}`]: number;
  ttl: number;
}

export interface SendLimits {
  perMinute: number;
  perHour: number;
}

export type Reservation = { reserved: true } | { reserved: false; retryAt: Date; limit: 'minute' | 'hour' };

const hourMs = 3_600_000;
const minuteMs = 60_000;

const statusOf = (error: unknown) => (error as { code?: number }).code;
const minuteField = (minute: number) => `m${String(minute).padStart(2, '0')}` as const;
const windowId = (sender: string, hourStart: number) =>
  `email-sends:${createHash('sha256').update(sender).digest('hex').slice(0, 32)}:${new Date(hourStart).toISOString()}`;

async function createWindow(id: string, previousId: string): Promise<void> {
  const counters = await container('attemptCounters');
  const minutes = Object.fromEntries(Array.from({ length: 60 }, (_, minute) => [minuteField(minute), 0]));
  try {
    await counters.items.create<SendWindow>({ id, sent: 0, ...minutes, ttl: 2 * 3600 });
  } catch (error) {
    // Another instance opened the hour first.
    if (statusOf(error) !== 409) throw error;
    return;
  }
  await counters
    .item(previousId, previousId)
    .delete()
    .catch((error: unknown) => {
      if (statusOf(error) !== 404) throw error;
    });
}

/**
 * Takes one place for an e-mail in the sender's current minute and hour, or says when the next place
 * frees up. One conditional patch does both counts at once, so a refused send counts nowhere and two
 * instances never take the last place together.
 */
export async function reserveSend(sender: string, now: Date, limits: SendLimits): Promise<Reservation> {
  const counters = await container('attemptCounters');
  const hourStart = Math.floor(now.getTime() / hourMs) * hourMs;
  const minute = Math.floor((now.getTime() - hourStart) / minuteMs);
  const field = minuteField(minute);
  const id = windowId(sender, hourStart);
  for (;;) {
    try {
      await counters.item(id, id).patch({
        operations: [
          { op: 'incr', path: '/sent', value: 1 },
          { op: 'incr', path: `/${field}`, value: 1 },
        ],
        condition: `from c where c.sent < ${limits.perHour} and c.${field} < ${limits.perMinute}`,
      });
      return { reserved: true };
    } catch (error) {
      if (statusOf(error) === 404) {
        await createWindow(id, windowId(sender, hourStart - hourMs));
        continue;
      }
      if (statusOf(error) !== 412) throw error;
    }
    const { resource } = await counters.item(id, id).read<SendWindow>();
    if (!resource) continue;
    return resource.sent >= limits.perHour
      ? { reserved: false, retryAt: new Date(hourStart + hourMs), limit: 'hour' }
      : { reserved: false, retryAt: new Date(hourStart + (minute + 1) * minuteMs), limit: 'minute' };
  }
}
