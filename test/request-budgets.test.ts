import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PmRecord } from '../shared/schemas/records.js';
import type { ApiClient } from './helpers/api-client.js';
import { demoPassword, startTestProduct, type TestProduct } from './helpers/test-product.js';

/**
 * On Cosmos DB, cost and latency follow the number of requests, so the hot paths have budgets of
 * requests, counted as the embedded store receives them from the SDK (query plans included).
 */
let product: TestProduct;
let tech: ApiClient;

beforeAll(async () => {
  product = await startTestProduct();
  tech = await product.signedIn('tech1');
});

afterAll(async () => {
  await product.cleanup();
});

describe('Cosmos requests per call', () => {
  it('loads the dashboard with one batch for session and user and one partition query: at most 3, none cross-partition', async () => {
    const { result, counts } = await product.countCosmosRequests(() => tech.get<{ items: PmRecord[] }>('/api/labs/LAB01/records?view=dashboard'));
    expect(result.status).toBe(200);
    expect(result.body.items.length).toBeGreaterThan(0);
    expect(counts.total).toBeLessThanOrEqual(3);
    expect(counts.crossPartitionQueries).toBe(0);
    // A query scoped to one partition goes out without the query plan the SDK would discard.
    expect(counts.queryPlans).toBe(0);
  });

  it('completes and signs a record in at most 5', async () => {
    const { body } = await tech.get<{ items: PmRecord[] }>('/api/labs/LAB01/records?view=dashboard');
    const record = body.items.find((item) => item.status === 'Open' && item.tasks.every((task) => task.kind === 'check'))!;
    const { result, counts } = await product.countCosmosRequests(() =>
      tech.post<PmRecord>(`/api/labs/LAB01/records/${record.recordNumber}/complete`, {
        responses: record.tasks.map((task) => ({ taskId: task.taskId, done: true })),
        signature: { password: demoPassword, meaning: 'Performed by' },
      }),
    );
    expect(result.status).toBe(200);
    expect(result.body.status).toBe('Completed');
    expect(counts.total).toBeLessThanOrEqual(5);
    expect(counts.crossPartitionQueries).toBe(0);
    expect(counts.queryPlans).toBe(0);
  });
});

describe('queries across partitions', () => {
  it('still fetch their query plan and answer', async () => {
    const admin = await product.signedIn('admin');
    const { result, counts } = await product.countCosmosRequests(() => admin.get<{ items: unknown[] }>('/api/users'));
    expect(result.status).toBe(200);
    expect(result.body.items.length).toBeGreaterThan(3);
    expect(counts.queryPlans).toBe(1);
  });
});
