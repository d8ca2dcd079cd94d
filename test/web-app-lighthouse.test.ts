import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditWithLighthouse } from '../local/lighthouse-audit.js';
import { demoPassword, startTestProduct, type TestProduct } from './helpers/test-product.js';

/**
 * Lighthouse (Google's audit, the npm package) with Debian's Chromium on the pages people open most:
 * the sign-in page, Today on a phone and the equipment list at a desk. Accessibility must score 100
 * and best practices at least 95; a failure names each audit that fell short and where.
 */
let product: TestProduct;
beforeAll(async () => {
  product = await startTestProduct();
});
afterAll(async () => product.cleanup());

describe('Lighthouse', () => {
  it('URS-161 scores 100 for accessibility and at least 95 for best practices on the sign-in page, Today on a phone and the equipment list at a desk', async () => {
    const audits = await auditWithLighthouse(product.url, demoPassword, ['accessibility', 'best-practices']);
    const shortfalls = audits.flatMap(({ page, scores, failed }) =>
      (scores.accessibility ?? 0) < 100 || (scores['best-practices'] ?? 0) < 95
        ? [
            `${page.name}: accessibility ${scores.accessibility}, best practices ${scores['best-practices']}`,
            ...failed.map((audit) => `  ${audit.category} ${audit.id}: ${audit.title} ${audit.items.join(' | ')}`),
          ]
        : [],
    );
    expect(shortfalls).toEqual([]);
    expect(audits).toHaveLength(3);
    // The signed-in pages were read as their users see them, not as the sign-in form.
    for (const { page, apiRequests } of audits.filter((audit) => audit.page.username)) {
      expect(
        apiRequests.filter((request) => request.status === 401),
        page.name,
      ).toEqual([]);
      expect(
        apiRequests.some((request) => request.path.startsWith('/api/labs/') && request.status === 200),
        `${page.name}: ${JSON.stringify(apiRequests)}`,
      ).toBe(true);
    }
    console.log(audits.map(({ page, scores, durationMs }) => `${page.name}: ${JSON.stringify(scores)} in ${durationMs} ms`).join('\n'));
  }, 120_000);
});
