import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { container } from '../shared/data/cosmos.js';
import { readCounter, type RecordDocument } from '../shared/data/records-repository.js';
import { listLabs } from '../shared/data/labs-repository.js';
import { planNotificationRun } from '../shared/notifications/notification-runs.js';
import { planScheduledRun, type GeneratorHealth } from '../shared/jobs/generator-runs.js';
import type { ApiClient } from './helpers/api-client.js';
import { startTestProduct, type TestProduct } from './helpers/test-product.js';

let product: TestProduct;
let admin: ApiClient;

async function health(): Promise<GeneratorHealth> {
  const response = await admin.get<GeneratorHealth>('/api/admin/generator');
  expect(response.status).toBe(200);
  return response.body;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, seconds = 60): Promise<T> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > until) throw new Error(`Gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function runIdsSeen(runIds: string[], labIds: string[]): Promise<boolean> {
  const { labs } = await health();
  // A later run of the same lab may have finished last; each run must have left its records either way.
  return labIds.every((labId) => labs.some((lab) => lab.labId === labId && lab.lastRunId !== null && runIds.includes(lab.lastRunId as string)));
}

beforeAll(async () => {
  product = await startTestProduct({}, { queues: { pollMs: 100, retryDelaySeconds: 0 } });
  admin = await product.signedIn('admin');
});
afterAll(async () => product.cleanup());

describe('generator fan-out over the queue', () => {
  it('answers 202 with a run id and one message per active lab, which the queue trigger generates', async () => {
    const started = await admin.post<{ runId: string; labs: string[] }>('/api/admin/generate', {});
    expect(started.status).toBe(202);
    expect(started.body.labs).toEqual(['LAB01', 'LAB02', 'LAB03', 'LAB04', 'LAB05', 'LAB06', 'LAB07', 'LAB08', 'LAB09', 'LAB10']);
    await waitFor('every lab to report the run', async () => ((await health()).labs.every((lab) => lab.lastRunId === started.body.runId) ? true : undefined));
    const { labs, failingLabs } = await health();
    expect(failingLabs).toEqual([]);
    expect(labs.find((lab) => lab.labId === 'LAB01')?.lastSuccessAt).not.toBeNull();
  });

  it('ten concurrent runs leave exactly one record per machine, frequency and period, numbered without gaps', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => admin.post<{ runId: string }>('/api/admin/generate', {})));
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(202));
    const runIds = answers.map((answer) => answer.body.runId);
    await waitFor('all runs', async () => ((await runIdsSeen(runIds, ['LAB01', 'LAB02'])) ? true : undefined));
    // Let any run still in flight finish before counting.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const labId of ['LAB01', 'LAB02']) {
      const { resources } = await (
        await container('records')
      ).items
        .query<RecordDocument>({ query: "SELECT * FROM c WHERE c.type = 'record'" }, { partitionKey: labId })
        .fetchAll();
      const keys = resources.map((record) => `${record.serialKey}|${record.frequency}|${record.periodStart}`);
      expect(new Set(keys).size).toBe(keys.length);
      const numbers = resources.map((record) => Number(record.recordNumber.slice(labId.length))).sort((a, b) => a - b);
      expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, index) => index + 1));
      expect((await readCounter(labId))?.document.lastNumber).toBe(numbers.length);
    }
  });

  it('queues every active lab once an hour on the schedule, each at a minute of its own', async () => {
    const hour = Date.UTC(2026, 11, 1, 22, 0, 0);
    const queued = new Map<string, number>();
    for (let minute = 0; minute < 60; minute++) {
      for (const message of (await planScheduledRun(new Date(hour + minute * 60_000))).messages)
        queued.set(message.labId, (queued.get(message.labId) ?? 0) + 1);
    }
    const active = (await listLabs()).filter((lab) => lab.active).map((lab) => lab.labId);
    expect([...queued.keys()].sort()).toEqual(active.sort());
    expect([...queued.values()].every((times) => times === 1)).toBe(true);
  });

  it('refuses a future date and an unknown lab with messages a person understands', async () => {
    const future = await admin.post('/api/admin/generate', { date: '2999-01-01' });
    expect(future.status).toBe(400);
    expect((future.body as { errors: { field: string }[] }).errors[0]?.field).toBe('date');
    expect((await admin.post('/api/admin/generate', { labId: 'LAB99' })).status).toBe(404);
  });

  it('a lab that keeps failing ends in the poison queue and shows as failed', async () => {
    // A lab whose stored time zone no longer exists: every run of it fails.
    await (
      await container('labs')
    ).items.upsert({
      id: 'BROKEN',
      type: 'lab',
      labId: 'BROKEN',
      name: 'Broken lab',
      timeZone: 'Mars/Olympus_Mons',
      active: true,
      createdAt: new Date().toISOString(),
    });
    const started = await admin.post<{ runId: string }>('/api/admin/generate', { labId: 'BROKEN' });
    expect(started.status).toBe(202);
    const broken = await waitFor(
      'the poison record',
      async () => (await health()).labs.find((lab) => lab.labId === 'BROKEN' && lab.poisoned?.runId === started.body.runId),
      90,
    );
    expect(broken.failed).toBe(true);
    expect(broken.lastFailure).toMatchObject({ runId: started.body.runId, attempt: 5 });
    expect(broken.lastFailure?.error).toContain('Mars/Olympus_Mons');
    const { failingLabs, poisonMessages } = await health();
    expect(failingLabs).toEqual(['BROKEN']);
    expect(poisonMessages).toBe(1);
    // Its reminders cannot be dated either: the health page says so, and the schedule leaves it out.
    expect((await health()).notifications.labs.find((lab) => lab.labId === 'BROKEN')).toEqual({ labId: 'BROKEN', date: null, digest: null });
    expect((await planNotificationRun(new Date())).messages.map((message) => message.labId)).not.toContain('BROKEN');
  });
});
