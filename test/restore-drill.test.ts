import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreVerification } from '../local/restore/verify-store.js';
import { openLocalData } from '../local/product.js';
import { container } from '../shared/data/cosmos.js';
import { reloadSettings } from '../shared/platform/config.js';
import type { RecordDocument } from '../shared/data/records-repository.js';
import type { PmRecord, RecordSummary } from '../shared/schemas/records.js';
import { demoPassword, startTestProduct } from './helpers/test-product.js';

/**
 * The restore drill of docs/operating-on-azure.md, on the embedded store: a copy of the data folder is
 * the backup, taken while the product runs; more writes follow; the copy is then restored into a new
 * folder and verified by `npm run verify-store` (dist/local/verify-store.js, as the script runs it).
 */
let workDir: string;
let backup: string;

function verifyStoreCommand(dataDir: string): { code: number | null; verification: StoreVerification; stderr: string } {
  const run = spawnSync(process.execPath, ['dist/local/verify-store.js', '--data', dataDir, '--json'], { encoding: 'utf8', timeout: 120_000 });
  return { code: run.status, verification: JSON.parse(run.stdout) as StoreVerification, stderr: run.stderr };
}

async function completeOpenRecords(client: Awaited<ReturnType<Awaited<ReturnType<typeof startTestProduct>>['signedIn']>>, count: number): Promise<string[]> {
  const dashboard = await client.get<{ items: RecordSummary[] }>('/api/labs/LAB01/dashboard');
  const open = dashboard.body.items.filter((row) => row.status === 'Open' && !row.fitness).slice(0, count);
  const done: string[] = [];
  for (const row of open) {
    const record = (await client.get<PmRecord>(`/api/labs/LAB01/records/${row.recordNumber}`)).body;
    const responses = record.tasks.map((task) =>
      task.kind === 'reading'
        ? { taskId: task.taskId, done: true, value: ((task.min ?? 0) + (task.max ?? task.min ?? 0)) / 2 }
        : { taskId: task.taskId, done: true },
    );
    const answer = await client.post(`/api/labs/LAB01/records/${row.recordNumber}/complete`, { responses, signature: { password: demoPassword } });
    if (answer.status === 200) done.push(row.recordNumber);
  }
  return done;
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'ems-restore-'));
  backup = join(workDir, 'backup');
  const product = await startTestProduct();
  try {
    const technician = await product.signedIn('tech1');
    expect(await completeOpenRecords(technician, 1)).toHaveLength(1);
    await product.snapshotNow();
    await cp(product.dataDir, backup, { recursive: true });
    // The writes after the backup, which the restore does not bring back.
    const manager = await product.signedIn('manager1');
    expect((await manager.post('/api/labs/LAB01/equipment', { serialNumber: 'AFTER-BACKUP-1', modelId: 'Form 3B' })).status).toBe(201);
    expect((await completeOpenRecords(technician, 2)).length).toBeGreaterThan(0);
  } finally {
    await product.cleanup();
  }
}, 240_000);
afterAll(async () => rm(workDir, { recursive: true, force: true }));

describe('restore, proven', () => {
  it('URS-090 verifies every lab of a store restored from a copy taken earlier as intact, with the checks of GET /api/audit/verify', async () => {
    const restored = join(workDir, 'restored');
    await cp(backup, restored, { recursive: true });
    const { code, verification, stderr } = verifyStoreCommand(restored);
    expect(code, stderr).toBe(0);
    expect(verification.intact).toBe(true);
    const lab01 = verification.labs.find((lab) => lab.labId === 'LAB01')!;
    expect(lab01).toMatchObject({ intact: true, firstBroken: null, evidenceProblems: [] });
    expect(lab01.recordsChecked).toBeGreaterThan(0);
    expect(lab01.evidenceChecked).toBeGreaterThan(0);
    expect(verification.labs.map((lab) => lab.labId)).toEqual(expect.arrayContaining(['LAB01', 'LAB02']));
  });

  it('URS-090 names a record altered in another restored copy, and says the store is not intact', async () => {
    const altered = join(workDir, 'altered');
    await cp(backup, altered, { recursive: true });
    process.env.LOCAL_DATA_DIR = altered;
    reloadSettings();
    const data = await openLocalData(() => {});
    let recordNumber: string;
    try {
      const records = await container('records');
      const { resources } = await records.items
        .query<RecordDocument>({ query: "SELECT * FROM c WHERE c.type = 'record' AND c.status = 'Completed'" }, { partitionKey: 'LAB01' })
        .fetchAll();
      const target = resources[0]!;
      recordNumber = target.recordNumber;
      const [first, ...rest] = target.responses;
      const changed = first!.value !== undefined ? { ...first!, value: first!.value + 1 } : { ...first!, note: 'Written outside the product' };
      await records.item(target.id, 'LAB01').replace({ ...target, responses: [changed, ...rest] });
      await data.save();
    } finally {
      await data.close();
    }
    const { code, verification } = verifyStoreCommand(altered);
    expect(code).toBe(1);
    expect(verification.intact).toBe(false);
    const lab01 = verification.labs.find((lab) => lab.labId === 'LAB01')!;
    expect(lab01.intact).toBe(false);
    expect(lab01.firstBroken).toMatchObject({ source: 'records', recordNumber });
    expect(verification.labs.filter((lab) => lab.labId !== 'LAB01').every((lab) => lab.intact)).toBe(true);
  });
});
