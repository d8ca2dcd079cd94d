import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Calibration, Certificate } from '../shared/schemas/calibration.js';
import type { Nonconformity } from '../shared/schemas/nonconformities.js';
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
// Each round is a restart, about four seconds (fifteen on a busy machine).
const uploadRounds = 5;
const password = 'Kill-Restart-Password-1';
const random = seededRandom(Number(process.env.CHAOS_SEED ?? 20261123));
let dataDir: string;
let running: SpawnedProduct | undefined;
const figures = { kills: 0, completionsSent: 0, completionsAcknowledged: 0, completionsKept: 0, uploadsSent: 0, uploadsAcknowledged: 0, uploadsKept: 0 };

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ems-kill-'));
});
afterAll(async () => {
  running?.process.kill('SIGKILL');
  await running?.exited;
  console.log(
    `Kill and restart: ${figures.kills} kills, ${figures.completionsSent} completions sent, ${figures.completionsAcknowledged} answered 200 before a kill, ${figures.completionsKept} kept`,
  );
  console.log(
    `Kill and restart: ${figures.uploadsSent} evidence uploads sent, ${figures.uploadsAcknowledged} answered 201 before a kill, ${figures.uploadsKept} downloaded byte for byte after it`,
  );
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
  it(
    'always comes back whole',
    async () => {
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
              responses: record.tasks.map((task) =>
                task.kind === 'reading' ? { taskId: task.taskId, done: true, value: task.min ?? task.max ?? 1 } : { taskId: task.taskId, done: true },
              ),
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
    },
    full ? 900_000 : 240_000,
  );
});

/** A small PDF or PNG, unique by its random tail, about the size of a scanned page or a phone photo. */
function evidenceFile(kind: 'pdf' | 'png'): Buffer {
  const head = kind === 'pdf' ? Buffer.from('%PDF-1.4\n') : Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([head, randomBytes(kind === 'pdf' ? 200_000 : 60_000)]);
}

describe('killed within a second of evidence uploads and started again on the same data', () => {
  it(
    'keeps every certificate and photo answered 201, byte for byte',
    async () => {
      running ??= await start();
      const admin = await signedIn(running.url, 'admin');
      // The demo oven's calibration awaiting approval: an approved one takes no more certificates.
      const calibrations = await admin.get<{ items: Calibration[] }>('/api/labs/LAB01/equipment/PS2-01-011/calibrations');
      expect(calibrations.status, calibrations.text).toBe(200);
      const awaiting = calibrations.body.items.find((calibration) => calibration.status === 'Awaiting approval')!;
      const certificates = `/api/labs/LAB01/equipment/PS2-01-011/calibrations/${awaiting.calibrationNumber}/certificates`;
      const reported = await admin.post<Nonconformity>('/api/labs/LAB01/nonconformities', {
        serialNumber: 'REF-T-02',
        description: 'Reading drifts by 0.4 °C against REF-T-01',
      });
      expect(reported.status, reported.text).toBe(201);
      const photos = `/api/labs/LAB01/nonconformities/${reported.body.ncNumber}/attachments`;
      const kept: { download: string; bytes: Buffer }[] = [];

      for (let round = 1; round <= uploadRounds; round++) {
        const [manager, tech] = await Promise.all([signedIn(running.url, 'manager1'), signedIn(running.url, 'tech1')]);
        const uploads = Array.from({ length: 10 }, (_, index) => {
          const [client, path, bytes] = index % 5 < 3 ? [manager, certificates, evidenceFile('pdf')] : [tech, photos, evidenceFile('png')];
          figures.uploadsSent += 1;
          return client
            .post<Certificate>(path, undefined, { rawBody: bytes, contentType: bytes[0] === 0x25 ? 'application/pdf' : 'image/png' })
            .then((answer) => {
              if (answer.status === 201) kept.push({ download: `${path}/${answer.body.certificateId}`, bytes });
              else throw new Error(`${path} answered ${answer.status}: ${answer.text}`);
            });
        });
        // Well inside the five seconds between Azurite's own saves of its index.
        await Promise.all(uploads);
        await new Promise((resolve) => setTimeout(resolve, random() * 1000));
        running.process.kill('SIGKILL');
        await running.exited;
        figures.kills += 1;
        figures.uploadsAcknowledged += uploads.length;

        running = await start();
        const reader = await signedIn(running.url, 'auditor');
        for (const file of kept) {
          const download = await reader.get(file.download);
          expect(download.status, `${file.download} after kill ${figures.kills}: ${download.text.slice(0, 300)}`).toBe(200);
          expect(download.bytes.equals(file.bytes), file.download).toBe(true);
        }
      }
      figures.uploadsKept = kept.length;
    },
    full ? 600_000 : 240_000,
  );
});
