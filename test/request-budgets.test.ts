import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerEquipment } from '../shared/equipment/manage-equipment.js';
import { addLab } from '../shared/labs/manage-labs.js';
import { runLabFromQueue } from '../shared/jobs/generator-runs.js';
import type { PmRecord, RecordSummary } from '../shared/schemas/records.js';
import { systemActor } from '../shared/users/manage-users.js';
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
  it('loads the dashboard with one batch for session and user and one partition query, the first time in a fresh process also the machines and the lab: at most 4, none cross-partition', async () => {
    const { result, counts } = await product.countCosmosRequests(() => tech.get<{ items: RecordSummary[] }>('/api/labs/LAB01/dashboard'));
    expect(result.status).toBe(200);
    expect(result.body.items.length).toBeGreaterThan(0);
    // The machines behind the fitness column are read once a minute, the lab's time zone once a minute per process.
    expect(counts.total).toBeLessThanOrEqual(4);
    expect(counts.crossPartitionQueries).toBe(0);
    // A query scoped to one partition goes out without the query plan the SDK would discard.
    expect(counts.queryPlans).toBe(0);
  });

  it('loads it again with the batch and the record query alone: the machines behind its fitness column were read within the minute', async () => {
    const { result, counts } = await product.countCosmosRequests(() => tech.get<{ items: RecordSummary[] }>('/api/labs/LAB01/dashboard'));
    expect(result.status).toBe(200);
    expect(result.body.items.find((row) => row.serialNumber === 'PS2-01-007')?.fitness).toMatchObject({ state: 'not fit' });
    expect(counts).toMatchObject({ total: 2, batches: 1, queries: 1 });
  });

  it('completes and signs a record in at most 5', async () => {
    const { body } = await tech.get<{ items: PmRecord[] }>('/api/labs/LAB01/records?status=Open&pageSize=200');
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

describe('the reference-standard picker', () => {
  const standardPlan = {
    required: true,
    reason: 'Reference thermometer of the second lab',
    intervalMonths: 12,
    warningDays: 30,
    graceDays: 7,
    decisionRule: 'guard-band',
    referenceStandard: true,
    points: [{ name: '100 °C', unit: '°C', nominal: 100, lowerLimit: 99.5, upperLimit: 100.5, maxUncertainty: 0.1 }],
  };
  const picker = (client: ApiClient) => client.get<{ items: { serialNumber: string; labId: string }[] }>('/api/labs/LAB01/calibrations/standards');

  it("reads the index and each standard by id in its lab's partition: nothing across partitions, whatever the number of labs", async () => {
    // The first call of an installation older than the index fills it once, from every lab.
    const first = await picker(tech);
    expect(first.status).toBe(200);
    expect(first.body.items.length).toBeGreaterThan(0);
    const { result, counts } = await product.countCosmosRequests(() => picker(tech));
    expect(result.body.items).toEqual(first.body.items);
    expect(counts.crossPartitionQueries).toBe(0);
    expect(counts.queryPlans).toBe(0);
    // The session batch, the index, one read per standard.
    expect(counts.total).toBeLessThanOrEqual(2 + result.body.items.length);
  });

  it("offers a standard another lab's plan makes one after the index was filled, still without a query across partitions", async () => {
    const admin = await product.signedIn('admin');
    expect((await admin.post('/api/labs/LAB02/equipment', { serialNumber: 'STD-BUDGET', modelId: 'Form 3B' })).status).toBe(201);
    expect((await admin.put('/api/labs/LAB02/equipment/STD-BUDGET/calibration-plan', standardPlan)).status).toBe(200);
    const { result, counts } = await product.countCosmosRequests(() => picker(tech));
    expect(result.body.items).toContainEqual(expect.objectContaining({ serialNumber: 'STD-BUDGET', labId: 'LAB02' }));
    expect(counts.crossPartitionQueries).toBe(0);
  });

  it('finds a standard where a transfer took it, from the copy it left behind', async () => {
    const admin = await product.signedIn('admin');
    expect((await admin.post('/api/labs/LAB02/equipment/STD-BUDGET/transfer', { toLabId: 'LAB03' })).status).toBe(200);
    const { result, counts } = await product.countCosmosRequests(() => picker(tech));
    expect(result.body.items.filter((item) => item.serialNumber === 'STD-BUDGET')).toEqual([expect.objectContaining({ labId: 'LAB03' })]);
    expect(counts.crossPartitionQueries).toBe(0);
  });
});

describe('the sign-in methods, asked by every sign-in page', () => {
  it('cost no request once known, and never a query across partitions', async () => {
    const anonymous = product.client();
    expect((await anonymous.get('/api/auth/methods')).status).toBe(200);
    const { result, counts } = await product.countCosmosRequests(() => anonymous.get('/api/auth/methods'));
    expect(result.body).toMatchObject({ setupNeeded: false });
    expect(counts.total).toBe(0);
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

describe('a generator run of one lab, status included', () => {
  const changedBy = (summary: Awaited<ReturnType<typeof runLabFromQueue>>) =>
    summary.created + summary.backfilled + summary.missed + summary.cancelled + summary.reopened;
  const run = (asOf: Date) =>
    product.countCosmosRequests(() =>
      runLabFromQueue({ runId: `budget-${asOf.toISOString()}`, labId: 'BUDGET', asOf: asOf.toISOString() }, { messageId: 'm', dequeueCount: 1 }),
    );

  it('costs at most 4 requests when nothing changed, and 4 more per 99 records written', async () => {
    await addLab(systemActor, { labId: 'BUDGET', name: 'Request budget', timeZone: 'Europe/Berlin', active: true }, null);
    for (const [index, modelId] of ['Form 3B', 'DWX-52DCi', 'Programat S2', 'Medit T710', 'Form 3B', 'DWX-52DCi'].entries()) {
      await registerEquipment(systemActor, 'BUDGET', { serialNumber: `BUDGET-${index}`, modelId, status: 'In Service' }, null);
    }
    const today = new Date();
    await run(today);

    const steady = await run(today);
    expect(changedBy(steady.result)).toBe(0);
    expect(steady.counts.total).toBeLessThanOrEqual(4);

    // The first run of the next day numbers that day's records and marks yesterday's Missed.
    const nextDay = await run(new Date(today.getTime() + 86_400_000));
    const changed = changedBy(nextDay.result);
    expect(changed).toBeGreaterThan(0);
    expect(nextDay.counts.total).toBeLessThanOrEqual(4 + Math.ceil(changed / 99));
    expect(nextDay.counts.crossPartitionQueries).toBe(0);
  });
});
