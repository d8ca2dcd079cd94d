import { countAttempt } from '../data/attempt-counters.js';
import { tooManyRequests } from '../platform/problems.js';
import { trackProductEvent } from '../platform/telemetry.js';

/** A limit of attempts per key in fixed windows, counted in the database so every instance shares it. */
export class RateLimiter {
  constructor(
    private readonly scope: string,
    private readonly limit: () => number,
    private readonly windowSeconds: number,
    /** Whether the key is a username, which telemetry may name; an address it must not. */
    private readonly keyIsUsername: boolean,
  ) {}

  /** Counts one attempt for the key; throws 429 with Retry-After when the key is over its limit. */
  async take(key: string, now = Date.now()): Promise<void> {
    const windowMs = this.windowSeconds * 1000;
    const windowStart = Math.floor(now / windowMs) * windowMs;
    const count = await countAttempt(this.scope, key, windowStart, this.windowSeconds);
    if (count > this.limit()) {
      const retryAfterSeconds = Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000));
      trackProductEvent('RequestRateLimited', { limit: this.scope, username: this.keyIsUsername ? key : '' }, { retryAfterSeconds });
      throw tooManyRequests(retryAfterSeconds);
    }
  }
}
