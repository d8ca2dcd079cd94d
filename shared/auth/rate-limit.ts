import { tooManyRequests } from '../platform/problems.js';

/**
 * Sliding-window counters per key, kept in this instance's memory. Lockout counts failures in the
 * database, so this only needs to slow a burst down on whichever instance it reaches.
 */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly limit: () => number,
    private readonly windowMs: number,
  ) {}

  /** Counts one attempt for the key; throws 429 with Retry-After when the key is over its limit. */
  take(key: string, now = Date.now()): void {
    const recent = (this.hits.get(key) ?? []).filter((time) => now - time < this.windowMs);
    if (recent.length >= this.limit()) {
      this.hits.set(key, recent);
      const retryAfter = Math.max(1, Math.ceil((recent[0]! + this.windowMs - now) / 1000));
      throw tooManyRequests(retryAfter);
    }
    recent.push(now);
    this.hits.set(key, recent);
    if (this.hits.size > 10_000) this.forgetIdle(now);
  }

  private forgetIdle(now: number): void {
    for (const [key, times] of this.hits) {
      if (times.every((time) => now - time >= this.windowMs)) this.hits.delete(key);
    }
  }

  reset(): void {
    this.hits.clear();
  }
}
