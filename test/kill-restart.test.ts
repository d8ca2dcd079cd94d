import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PmRecord } from '../shared/schemas/records.js';
import { ApiClient } from './helpers/api-client.js';
import { seededRandom } from './helpers/cosmos-faults.js';
import { spawnProduct, type SpawnedProduct } from './helpers/spawned-product.js';

/**
 * The local host killed with SIGKILL at random moments while technicians sign records and the
 * generator runs, then started again on the same data folder. The embedded store journals every change
 * before answering it, so every completion answered 200 is there after the restart; and what comes
 * back is always whole: no record doubled, numbers unique, every completed record signed and audited
 * once, every audit chain intact.
 */
const full = process.env.CHAOS_SIZE === 'full';
const rounds = full ? 8 : 2;
const password = 'Kill-Restart-Password-1';
const random = seededRandom(Number(process.env.CHAOS_SEED ?? 20261123));
let dataDir: string;
let running: SpawnedProduct | undefined;
const figures = { kills: 0, completionsSent: 0, completionsAcknowledged: 0, completionsKept: 0 };

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ems-kill-'));
});
afterAll(async () => {
  running?.process.kill('SIGKILL');
  await running?.exited;
  console.log(`Kill and restart: ${figures.kills} kills, ${figures.completionsSent} completions sent, ${figures.completionsAcknowledged} answered 200 before a kill, ${figures.completionsKept} kept`);
  await rm(dataDir, { recursive: true, force: true });
});

// Every round signs in again after the restart; the sign-in limits are not what this tests.
const start = () => spawnProduct({ LOCAL_DATA_DIR: dataDir, DEMO_PASSWORD: password, LOGIN_RATE_LIMIT_PER_MINUTE: '1000' });

async function signedIn(url: string, username: string): Promise<ApiClient> {
  const client = new ApiClient(url);
  await client.login(username, password);
  return client;
}

async function allRecords(client: ApiClient, labId: string): Promise<PmRecord[]> {
  const records: PmRecord[] = [];
  let token: string | null = null;
  do {
    const query: string = token ? `&continuationToken=${encodeURIComponent(token)}` : '';
    const page = await client.get<{ items: PmRecord[]; continuationToken: string | null }>(`/api/labs/${labId}/records?pageSize=500${query}`);
    expect(page.status, page.text).toBe(200);
    records.push(...page.body.items);
    token = page.body.continuationToken;
  } while (token);
  return records;
}

async function expectWhole(url: string): Promise<void> {
  const admin = await signedIn(url, 'admin');
  for (const labId of ['LAB01', 'LAB02']) {
    const records = await allRecords(admin, labId);
    const numbers = records.map((record) => record.recordNumber);
    expect(new Set(numbers).size, `${labId} record numbers`).toBe(numbers.length);
    const periods = records.map((record) => `${record.serialNumber}|${record.frequency}|${record.periodStart}`);
    expect(new Set(periods).size, `${labId} one record per machine and period`).toBe(periods.length);
    for (const record of records.filter((each) => each.status === 'Completed')) expect(record.signature, record.recordNumber).toBeTruthy();
    // The verification reads every record against its audit trail and signature.
    const verified = await admin.get<{ intact: boolean; firstBroken: unknown }>(`/api/audit/verify?labId=${labId}`);
    expect(verified.status).toBe(200);
    expect(verified.body.intact, JSON.stringify(verified.body.firstBroken)).toBe(true);
  }
}

describe('killed at random moments and started again on the same data', () => {
  it('always comes back whole', async () => {
    running = await start();
    const completedByTech = async (url: string) =>
      (await (await signedIn(url, 'tech1')).get<{ items: PmRecord[] }>('/api/labs/LAB01/records?status=Completed&pageSize=500')).body.items.filter(
        (record) => record.completedBy?.username === 'tech1',
      ).length;
    const completedBefore = await completedByTech(running.url);
    for (let round = 1; round <= rounds; round++) {
      const url = running.url;
      const tech = await signedIn(url, 'tech1');
      const admin = await signedIn(url, 'admin');
      const { body } = await tech.get<{ items: PmRecord[] }>('/api/labs/LAB01/records?status=Open&pageSize=20');
      const acknowledged: string[] = [];
      const work = body.items.slice(0, 6).map((record) => {
        figures.completionsSent += 1;
        return tech
          .post(`/api/labs/LAB01/records/${record.recordNumber}/complete`, {
            responses: record.tasks.map((task) => (task.kind === 'reading' ? { taskId: task.taskId, done: true, value: task.min ?? task.max ?? 1 } : { taskId: task.taskId, done: true })),
            signature: { password, meaning: 'Performed by' },
          })
          .then((answer) => {
            if (answer.status === 200) acknowledged.push(record.recordNumber);
          })
          .catch(() => null);
      });
      const generation = admin.post('/api/admin/generate', {}).catch(() => null);
      // Somewhere in the middle of that work, or just after it.
      await new Promise((resolve) => setTimeout(resolve, 50 + random() * 4000));
      running.process.kill('SIGKILL');
      await running.exited;
      figures.kills += 1;
      await Promise.all([...work, generation]);

      running = await start();
      await expectWhole(running.url);
      // Every completion answered 200 before the kill is there, signed.
      const after = await signedIn(running.url, 'tech1');
      for (const recordNumber of acknowledged) {
        const kept = await after.get<PmRecord>(`/api/labs/LAB01/records/${recordNumber}`);
        expect(kept.body.status, `${recordNumber} was answered 200 before kill ${figures.kills}`).toBe('Completed');
        expect(kept.body.signature, recordNumber).toBeTruthy();
      }
      figures.completionsAcknowledged += acknowledged.length;
    }
    figures.completionsKept = (await completedByTech(running.url)) - completedBefore;
  }, full ? 900_000 : 240_000);
});
