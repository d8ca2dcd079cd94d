import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { container } from '../shared/data/cosmos.js';
import type { AuditEntry } from '../shared/domain/audit-chain.js';
import type { ApiClient } from './helpers/api-client.js';
import { demoPassword, startTestProduct, type TestProduct } from './helpers/test-product.js';

/**
 * A product of its own with a limit of 3 attempts per account and 15 per address a minute, so its
 * windows count only this file's attempts. Counts carry from one test to the next, in order.
 */
let product: TestProduct;
let tech2: ApiClient;

beforeAll(async () => {
  product = await startTestProduct({ LOGIN_RATE_LIMIT_PER_MINUTE: '3', LOCKOUT_MODE: 'permanent' });
  // Windows are whole minutes: start early in one so that every attempt here falls in the same window.
  const secondsLeft = 60 - new Date().getUTCSeconds();
  if (secondsLeft < 40) await new Promise((resolve) => setTimeout(resolve, secondsLeft * 1000 + 200));
  tech2 = await product.signedIn('tech2');
});
afterAll(async () => product.cleanup());

const login = (username: string, password: string) => product.client().post('/api/auth/login', { username, password });

describe('sign-in rate limits', () => {
  it('answers 429 with Retry-After once an account is over its limit, before checking the password', async () => {
    // A name nobody holds "locks" at the third failure, as a real account would (423).
    for (let attempt = 0; attempt < 3; attempt++) expect((await login('ratelimited', 'wrong password here')).status).toBe(attempt < 2 ? 401 : 423);
    const limited = await login('ratelimited', 'wrong password here');
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.body.detail).toBe(`Too many attempts. Try again in ${retryAfter} seconds.`);
  });

  it('limits password changes per account as well', async () => {
    const attempt = () => tech2.post('/api/auth/password', { currentPassword: 'not my password', newPassword: 'a brand new phrase 1' });
    expect((await attempt()).status).toBe(400);
    expect((await attempt()).status).toBe(400);
    expect((await attempt()).status).toBe(429);
  });

  it('lets other accounts from the same address through until the address is over five times the limit', async () => {
    // So far this address has spent 1 + 4 + 3 = 8 of its 15 attempts in this window.
    expect((await login('tech1', demoPassword)).status).toBe(200);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 8; attempt++) statuses.push((await login(`someone${attempt}`, 'wrong password here')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429, 429]);
  });

  it('counts and audits the address the host appended, never one the client wrote in X-Forwarded-For', async () => {
    // The address is over its limit by now: naming another address does not open a fresh bucket.
    const forged = { headers: { 'x-forwarded-for': '6.6.6.6' } };
    expect((await product.client().post('/api/auth/login', { username: 'someone-new', password: 'wrong password here' }, forged)).status).toBe(429);
    expect((await tech2.get('/api/users', forged)).status).toBe(403);
    const { resources } = await (
      await container('users')
    ).items
      .query<AuditEntry>(
        { query: "SELECT TOP 1 * FROM c WHERE c.type = 'audit' AND c.action = 'access.denied' ORDER BY c.seq DESC" },
        { partitionKey: 'tech2' },
      )
      .fetchAll();
    expect(resources[0]?.clientAddress).toMatch(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
  });
});
