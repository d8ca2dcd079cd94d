import type { EmailSender } from './outgoing-email.js';
import type { Reservation } from '../data/email-send-windows.js';

/**
 * A send that has to wait for the sender's limit: nothing went out, nothing failed, and the message is
 * due again at `retryAt`. Deliveries keep such a message waiting however long it takes; only other
 * failures count towards giving up.
 */
export class EmailThrottled extends Error {
  constructor(
    readonly retryAt: Date,
    message: string,
  ) {
    super(message);
    this.name = 'EmailThrottled';
  }
}

/** Without a Retry-After, a throttled send waits this long: a minute window of the service. */
const defaultThrottleWaitMs = 60_000;

type HeaderSource = { get?: (name: string) => string | undefined } | Record<string, string | undefined>;

function headerOf(headers: HeaderSource | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof headers.get === 'function') return headers.get(name);
  const record = headers as Record<string, string | undefined>;
  return Object.entries(record).find(([key]) => key.toLowerCase() === name)?.[1];
}

/**
 * When a send refused for throttling may be tried again, or null when the error is something else.
 * Reads what @azure/communication-email throws for a 429 (a RestError with `statusCode` and the
 * response's headers) and plain errors carrying `status` and `headers`: `retry-after-ms` and
 * `x-ms-retry-after-ms` in milliseconds, else `Retry-After` in seconds or as an HTTP date.
 */
export function throttledUntil(error: unknown, now: Date): Date | null {
  const candidate = error as { statusCode?: number; status?: number; response?: { headers?: HeaderSource }; headers?: HeaderSource } | null;
  if (!candidate || (candidate.statusCode ?? candidate.status) !== 429) return null;
  const headers = candidate.response?.headers ?? candidate.headers;
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const value = Number(headerOf(headers, name));
    if (headerOf(headers, name) && Number.isFinite(value) && value >= 0) return new Date(now.getTime() + value);
  }
  const retryAfter = headerOf(headers, 'retry-after')?.trim();
  if (retryAfter && /^\d+$/.test(retryAfter)) return new Date(now.getTime() + Number(retryAfter) * 1000);
  const date = retryAfter ? Date.parse(retryAfter) : NaN;
  if (Number.isFinite(date)) return new Date(Math.max(date, now.getTime()));
  return new Date(now.getTime() + defaultThrottleWaitMs);
}

/**
 * Sends through `send` only when the sender's window has a place (`reserve`), and turns a 429 from the
 * service into a wait: the service counts every request, so a refused one is not retried at once.
 */
export function pacedEmailSender(send: EmailSender, reserve: (now: Date) => Promise<Reservation>, clock: () => Date): EmailSender {
  return async (email) => {
    const place = await reserve(clock());
    if (!place.reserved)
      throw new EmailThrottled(place.retryAt, `The e-mail limit per ${place.limit} is reached; sending again from ${place.retryAt.toISOString()}`);
    try {
      await send(email);
    } catch (error) {
      const retryAt = throttledUntil(error, clock());
      if (retryAt) throw new EmailThrottled(retryAt, `Azure Communication Services is throttling e-mail (429); sending again from ${retryAt.toISOString()}`);
      throw error;
    }
  };
}
