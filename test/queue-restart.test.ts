import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalQueueService } from '../local/azurite.js';
import { LocalQueueClient } from '../local/queues/queue-client.js';
import { generatorQueue, type GeneratorHealth } from '../shared/jobs/generator-runs.js';
import { startTestProduct, type TestProduct } from './helpers/test-product.js';

const dataDir = await mkdtemp(join(tmpdir(), 'ems-queue-restart-'));
let product: TestProduct | undefined;

afterAll(async () => {
  await product?.cleanup();
  await rm(dataDir, { recursive: true, force: true });
});

describe('queued generator work across a restart', () => {
  it('loses no message that was queued while the product was stopped', async () => {
    const first = await startTestProduct({ LOCAL_DATA_DIR: dataDir });
    await first.cleanup();

    // Work queued while nothing runs, kept by Azurite in the data folder.
    const service = await startLocalQueueService(dataDir);
    const client = new LocalQueueClient(service);
    const labs = ['LAB01', 'LAB02', 'LAB03', 'LAB04', 'LAB05'];
    for (const labId of labs) await client.sendMessage(generatorQueue, { runId: 'queued-while-stopped', labId });
    expect(await client.approximateCount(generatorQueue)).toBe(5);
    await service.close();

    product = await startTestProduct({ LOCAL_DATA_DIR: dataDir }, { queues: { pollMs: 100 } });
    const admin = await product.signedIn('admin');
    const until = Date.now() + 30_000;
    let health: GeneratorHealth;
    do {
      await new Promise((resolve) => setTimeout(resolve, 200));
      health = (await admin.get<GeneratorHealth>('/api/admin/generator')).body;
    } while (!labs.every((labId) => health.labs.find((lab) => lab.labId === labId)?.lastRunId === 'queued-while-stopped') && Date.now() < until);
    for (const labId of labs) expect(health.labs.find((lab) => lab.labId === labId)?.lastRunId, labId).toBe('queued-while-stopped');
  });
});
