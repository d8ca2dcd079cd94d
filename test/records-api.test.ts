import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addModel } from '../shared/catalog/manage-catalog.js';
import { container } from '../shared/data/cosmos.js';
import { scryptHash } from '../shared/auth/scrypt-hashes.js';
import { changeUser, readUser } from '../shared/data/users-repository.js';
import type { AuditEntry } from '../shared/domain/audit-chain.js';
import { registerEquipment } from '../shared/equipment/manage-equipment.js';
import { generateLab } from '../shared/jobs/lab-run.js';
import type { PmRecord, RecordSummary } from '../shared/schemas/records.js';
import { systemActor } from '../shared/users/manage-users.js';
import type { ApiClient, ApiResponse } from './helpers/api-client.js';
import { auditTrailOf, newUserBody } from './helpers/fixtures.js';
import { demoPassword, startTestProduct, type TestProduct } from './helpers/test-product.js';

let product: TestProduct;
let admin: ApiClient;
let manager: ApiClient;
let tech: ApiClient;
const dayMs = 86_400_000;
const problem = (body: unknown) => body as { detail: string; errors?: { field: string; message: string }[] };

/** A lab of its own with four machines of a model with a check and a ranged reading, in service for `days`. */
async function labWithHistory(labId: string, days: number): Promise<void> {
  const since = new Date(Date.now() - days * dayMs);
  await admin.post('/api/labs', { labId, name: `Records ${labId}`, timeZone: 'UTC' });
  const modelId = `Rec model ${labId}`;
  await addModel(
    systemActor,
    {
      modelId,
      manufacturer: 'Acme',
      equipmentClass: 'Mill',
      active: true,
      frequencies: {
        Daily: {
          tasks: [
            { text: 'Clean', kind: 'check' },
            { text: 'Pressure', kind: 'reading', unit: 'bar', min: 5, max: 7 },
          ],
        },
      },
    },
    null,
    since,
  );
  for (const machine of [1, 2, 3, 4]) {
    await registerEquipment(systemActor, labId, { serialNumber: `${labId}-M${machine}`, modelId, status: 'In Service' }, null, since);
  }
  await generateLab(labId, new Date(), 'test');
  for (const username of ['manager1', 'tech1']) {
    expect((await admin.put(`/api/users/${username}/labs/${labId}`, { role: username === 'tech1' ? 'Technician' : 'Manager' })).status).toBe(200);
  }
}

async function recordsAt(labId: string, status: string): Promise<PmRecord[]> {
  const response = await admin.get<{ items: PmRecord[] }>(`/api/labs/${labId}/records?status=${status}&frequency=Daily&pageSize=1000`);
  return response.body.items;
}

const good = (value = 6, note?: string) => [
  { taskId: 'T1', done: true },
  { taskId: 'T2', done: true, value, ...(note ? { note } : {}) },
];
const sign = (password = demoPassword) => ({ password, meaning: 'Performed by' });

async function recordChain(labId: string): Promise<AuditEntry[]> {
  const { resources } = await (
    await container('records')
  ).items
    .query<AuditEntry>({ query: "SELECT * FROM c WHERE c.type = 'audit' ORDER BY c.seq" }, { partitionKey: labId })
    .fetchAll();
  return resources;
}

beforeAll(async () => {
  product = await startTestProduct();
  admin = await product.signedIn('admin');
  await labWithHistory('REC1', 3);
  await labWithHistory('REC2', 20);
  manager = await product.signedIn('manager1');
  tech = await product.signedIn('tech1');
});
afterAll(async () => product.cleanup());

describe('completing a record', () => {
  it('signs with the password, keeps the signer, meaning, time and content hash, and audits it', async () => {
    // M1's: M3 and M4 are moved and taken out of service below, each with its open records.
    const record = (await recordsAt('REC1', 'Open')).find((open) => open.serialNumber === 'REC1-M1');
    const done = await tech.post<PmRecord>(`/api/labs/REC1/records/${record!.recordNumber}/complete`, { responses: good(), signature: sign() });
    expect(done.status, done.text).toBe(200);
    expect(done.body).toMatchObject({ status: 'Completed', late: false, completedBy: { username: 'tech1', displayName: 'Tara Technician' } });
    expect(done.body.signature).toMatchObject({ username: 'tech1', displayName: 'Tara Technician', meaning: 'Performed by', method: 'password' });
    expect(done.body.signature?.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const chain = await recordChain('REC1');
    expect(chain.at(-1)).toMatchObject({ action: 'record.completed', entityId: record!.recordNumber, actor: { username: 'tech1' } });
    const again = await tech.post(`/api/labs/REC1/records/${record!.recordNumber}/complete`, { responses: good(), signature: sign() });
    expect(again.status).toBe(409);
    expect(problem(again.body).detail).toContain('already completed by Tara Technician');
  });

  it('explains every missing or wrong answer, field by field', async () => {
    const [record] = await recordsAt('REC2', 'Open');
    const url = `/api/labs/REC2/records/${record!.recordNumber}/complete`;
    const missing = await tech.post(url, { responses: [{ taskId: 'T1', done: true }], signature: sign() });
    expect(missing.status).toBe(400);
    expect(problem(missing.body).errors).toEqual([{ field: 'responses', message: 'T2 ("Pressure") is not answered' }]);
    const undone = await tech.post(url, {
      responses: [
        { taskId: 'T1', done: false },
        { taskId: 'T2', done: true, value: 6 },
      ],
      signature: sign(),
    });
    expect(problem(undone.body).errors?.[0]).toEqual({ field: 'responses.0.done', message: '"Clean" must be done before the record is complete' });
    const noReading = await tech.post(url, {
      responses: [
        { taskId: 'T1', done: true },
        { taskId: 'T2', done: true },
      ],
      signature: sign(),
    });
    expect(problem(noReading.body).errors?.[0]).toEqual({ field: 'responses.1.value', message: '"Pressure" needs a reading in bar' });
    const outOfRange = await tech.post(url, { responses: good(9), signature: sign() });
    expect(problem(outOfRange.body).errors?.[0]).toEqual({ field: 'responses.1.note', message: '9 is outside 5–7 bar: add a note saying why' });
    const unknown = await tech.post(url, { responses: [...good(), { taskId: 'T9', done: true }], signature: sign() });
    expect(problem(unknown.body).errors?.[0]?.message).toBe('T9 is not a task of this record');
    const meaning = await tech.post(url, { responses: good(), signature: { password: demoPassword, meaning: 'Looked at' } });
    expect(problem(meaning.body).errors?.[0]?.field).toBe('signature.meaning');
    const noPassword = await tech.post(url, { responses: good(), signature: { meaning: 'Performed by' } });
    expect(problem(noPassword.body).errors?.[0]?.field).toBe('signature.password');
    const { body: still } = await tech.get<PmRecord>(`/api/labs/REC2/records/${record!.recordNumber}`);
    expect(still.status).toBe('Open');
  });

  it('accepts an out-of-range reading with a note, and flags it', async () => {
    const [record] = await recordsAt('REC2', 'Open');
    const done = await tech.post<PmRecord>(`/api/labs/REC2/records/${record!.recordNumber}/complete`, {
      responses: good(7.4, 'Regulator drifting; service booked'),
      signature: sign(),
    });
    expect(done.status, done.text).toBe(200);
    expect(done.body.outOfRangeCount).toBe(1);
    expect(done.body.responses[1]).toEqual({ taskId: 'T2', done: true, value: 7.4, note: 'Regulator drifting; service booked', outOfRange: true });
  });

  it('a wrong signature password is a 401 that counts toward lockout, says how many tries are left, and says plainly when it locks', async () => {
    expect((await admin.post('/api/users', newUserBody('signer1', { primaryLabId: 'REC1', requirePasswordChange: false }))).status).toBe(201);
    const signer = await product.signedIn('signer1', 'a first password 123');
    const open = await recordsAt('REC1', 'Missed');
    const url = `/api/labs/REC1/records/${open[0]!.recordNumber}/complete`;
    const wrong = await signer.post(url, { responses: good(), signature: sign('not the password 1') });
    expect(wrong.status).toBe(401);
    expect(problem(wrong.body).detail).toBe('The password is not correct; nothing was signed. 2 more wrong passwords in a row lock your account.');
    expect((await readUser('signer1'))?.document.failedLogins).toBe(1);
    const second = await signer.post(url, { responses: good(), signature: sign('not the password 2') });
    expect(problem(second.body).detail).toBe('The password is not correct; nothing was signed. One more wrong password locks your account.');
    const third = await signer.post(url, { responses: good(), signature: sign('not the password 3') });
    expect(third.status).toBe(423);
    expect(problem(third.body).detail).toContain('your account is now locked and you are signed out. Nothing was signed');
    expect(problem(third.body).detail).toContain('A manager of your lab or an administrator can unlock the account.');
    expect((await readUser('signer1'))?.document.status).toBe('Locked');
    expect((await admin.get<PmRecord>(`/api/labs/REC1/records/${open[0]!.recordNumber}`)).body.status).toBe('Missed');
  });

  it('a signature by an account with a scrypt hash of an earlier release signs, and stores the password again as Argon2id, once', async () => {
    expect((await admin.post('/api/users', newUserBody('signer2', { primaryLabId: 'REC1', requirePasswordChange: false }))).status).toBe(201);
    const signer = await product.signedIn('signer2', 'a first password 123');
    const old = await scryptHash('a first password 123', { logN: 14, r: 8, p: 1 });
    await changeUser('signer2', (user) => ({ user: { ...user, passwordHash: old }, events: [] }));
    const [first, second] = await recordsAt('REC1', 'Missed');
    const done = await signer.post<PmRecord>(`/api/labs/REC1/records/${first!.recordNumber}/complete`, {
      responses: good(),
      signature: sign('a first password 123'),
    });
    expect(done.status, done.text).toBe(200);
    const stored = (await readUser('signer2'))!.document.passwordHash!;
    expect(stored).toMatch(/^\$argon2id\$/);
    expect(
      (await signer.post(`/api/labs/REC1/records/${second!.recordNumber}/complete`, { responses: good(), signature: sign('a first password 123') })).status,
    ).toBe(200);
    expect((await readUser('signer2'))!.document.passwordHash).toBe(stored);
    const rehashes = (await auditTrailOf('signer2')).filter((entry) => entry.action === 'user.password.rehashed');
    expect(rehashes).toHaveLength(1);
  });

  it('50 parallel completions of one record: exactly one succeeds, the others get 409 or 412', async () => {
    const [record] = await recordsAt('REC2', 'Open');
    // A client tries again after a 503's Retry-After, as the web app does: under a CI machine's load the
    // store may ask for that, and the retried completion must still find the record completed.
    const complete = async (): Promise<ApiResponse<PmRecord>> => {
      const answer = await tech.post<PmRecord>(`/api/labs/REC2/records/${record!.recordNumber}/complete`, { responses: good(), signature: sign() });
      if (answer.status !== 503) return answer;
      await new Promise((resolve) => setTimeout(resolve, Number(answer.headers.get('retry-after')) * 1000));
      return complete();
    };
    const answers = await Promise.all(Array.from({ length: 50 }, complete));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    const others = answers.filter((answer) => answer.status !== 200 && answer.status !== 409 && answer.status !== 412);
    expect(others.map((answer) => `${answer.status} ${answer.text}`)).toEqual([]);
    const winner = answers.find((answer) => answer.status === 200)!;
    const { body: stored } = await admin.get<PmRecord>(`/api/labs/REC2/records/${record!.recordNumber}`);
    expect(stored.signature).toEqual(winner.body.signature);
    const entries = (await recordChain('REC2')).filter((entry) => entry.entityId === record!.recordNumber && entry.action === 'record.completed');
    expect(entries).toHaveLength(1);
  });

  it('refuses a stale If-Match with 412', async () => {
    const [record] = await recordsAt('REC1', 'Missed');
    const read = await tech.get<PmRecord>(`/api/labs/REC1/records/${record!.recordNumber}`);
    const etag = read.headers.get('etag')!;
    expect(etag).toBeTruthy();
    await manager.post(`/api/labs/REC1/records/${record!.recordNumber}/justification`, { reason: 'Changed meanwhile', signature: { password: demoPassword } });
    const stale = await tech.post(
      `/api/labs/REC1/records/${record!.recordNumber}/complete`,
      { responses: good(), signature: sign() },
      { headers: { 'if-match': etag } },
    );
    expect(stale.status).toBe(412);
  });

  it('completes a missed record late within the window, and refuses one whose window has passed', async () => {
    const missed = await recordsAt('REC2', 'Missed');
    const recent = missed.find((record) => Date.parse(record.completableUntil!) > Date.now())!;
    const late = await tech.post<PmRecord>(`/api/labs/REC2/records/${recent.recordNumber}/complete`, { responses: good(), signature: sign() });
    expect(late.status, late.text).toBe(200);
    expect(late.body).toMatchObject({ status: 'Completed', late: true, missedAt: recent.missedAt });
    const old = missed.find((record) => Date.parse(record.completableUntil!) < Date.now())!;
    const tooLate = await tech.post(`/api/labs/REC2/records/${old.recordNumber}/complete`, { responses: good(), signature: sign() });
    expect(tooLate.status).toBe(409);
    expect(problem(tooLate.body).detail).toContain('window for late completion ended');
  });

  it('keeps technicians to their own labs and auditors to reading', async () => {
    const [record] = await recordsAt('REC1', 'Open');
    const tech2 = await product.signedIn('tech2');
    expect((await tech2.post(`/api/labs/REC1/records/${record!.recordNumber}/complete`, { responses: good(), signature: sign() })).status).toBe(403);
    const auditor = await product.signedIn('auditor');
    expect((await auditor.get(`/api/labs/REC1/records/${record!.recordNumber}`)).status).toBe(200);
    expect((await auditor.post(`/api/labs/REC1/records/${record!.recordNumber}/complete`, { responses: good(), signature: sign() })).status).toBe(403);
    expect((await admin.get('/api/labs/REC1/records/REC2000001')).status).toBe(404);
    expect((await admin.get('/api/labs/REC1/records/not-a-number')).status).toBe(404);
  });
});

describe('corrections', () => {
  it('amends a completed record with a reason and an "Amended by" signature, keeping the original', async () => {
    const [record] = await recordsAt('REC1', 'Completed');
    const amended = await manager.post<PmRecord>(`/api/labs/REC1/records/${record!.recordNumber}/amendments`, {
      responses: [{ taskId: 'T2', done: true, value: 5.5 }],
      reason: 'Gauge read wrongly; corrected from the log book',
      signature: { password: demoPassword },
    });
    expect(amended.status, amended.text).toBe(200);
    expect(amended.body.responses).toEqual(record!.responses);
    expect(amended.body.currentResponses.find((response) => response.taskId === 'T2')?.value).toBe(5.5);
    expect(amended.body.amendments[0]).toMatchObject({
      number: 1,
      reason: 'Gauge read wrongly; corrected from the log book',
      changes: [{ taskId: 'T2', before: { value: 6 }, after: { value: 5.5 } }],
      signature: { username: 'manager1', meaning: 'Amended by' },
    });
    const same = await manager.post(`/api/labs/REC1/records/${record!.recordNumber}/amendments`, {
      responses: [{ taskId: 'T2', done: true, value: 5.5 }],
      reason: 'Again',
      signature: { password: demoPassword },
    });
    expect(same.status).toBe(400);
    expect(
      (await tech.post(`/api/labs/REC1/records/${record!.recordNumber}/amendments`, { responses: good(), reason: 'x', signature: { password: demoPassword } }))
        .status,
    ).toBe(403);
    const [open] = await recordsAt('REC1', 'Open');
    if (open) {
      const notCompleted = await manager.post(`/api/labs/REC1/records/${open.recordNumber}/amendments`, {
        responses: good(),
        reason: 'x',
        signature: { password: demoPassword },
      });
      expect(notCompleted.status).toBe(409);
    }
  });

  it('lets a manager justify a missed record, and only a missed one, with a "Justified by" signature', async () => {
    const [missed] = await recordsAt('REC2', 'Missed');
    const unsigned = await manager.post(`/api/labs/REC2/records/${missed!.recordNumber}/justification`, { reason: 'Machine room flooded', signature: {} });
    expect(unsigned.status).toBe(400);
    const wrong = await manager.post(`/api/labs/REC2/records/${missed!.recordNumber}/justification`, {
      reason: 'Machine room flooded',
      signature: { password: 'not the password 9' },
    });
    expect(wrong.status).toBe(401);
    expect((await admin.get<PmRecord>(`/api/labs/REC2/records/${missed!.recordNumber}`)).body.justification).toBeNull();
    const justified = await manager.post<PmRecord>(`/api/labs/REC2/records/${missed!.recordNumber}/justification`, {
      reason: 'Machine room flooded',
      signature: { password: demoPassword },
    });
    expect(justified.status).toBe(200);
    expect(justified.body.justification).toMatchObject({
      reason: 'Machine room flooded',
      by: { username: 'manager1' },
      signature: { username: 'manager1', displayName: 'Maria Manager', meaning: 'Justified by', method: 'password' },
    });
    // A signed justification is never silently replaced: four more sent at once are each refused, and the first stays.
    const again = await Promise.all(
      ['A', 'B', 'C', 'D'].map((reason) =>
        manager.post(`/api/labs/REC2/records/${missed!.recordNumber}/justification`, {
          reason: `Second thoughts ${reason}`,
          signature: { password: demoPassword },
        }),
      ),
    );
    expect(again.map((answer) => answer.status)).toEqual([409, 409, 409, 409]);
    expect((await admin.get<PmRecord>(`/api/labs/REC2/records/${missed!.recordNumber}`)).body.justification).toMatchObject({ reason: 'Machine room flooded' });
    expect((await admin.get<{ firstBroken: unknown }>('/api/audit/verify?labId=REC2')).body.firstBroken).toBeNull();
    const [completed] = await recordsAt('REC2', 'Completed');
    expect(
      (await manager.post(`/api/labs/REC2/records/${completed!.recordNumber}/justification`, { reason: 'x', signature: { password: demoPassword } })).status,
    ).toBe(409);
    expect(
      (await manager.post(`/api/labs/REC2/records/${missed!.recordNumber}/justification`, { reason: '', signature: { password: demoPassword } })).status,
    ).toBe(400);
  });
});

describe('listing', () => {
  it('gives the dashboard in one call: open and late-completable records, soonest due first, as summary rows', async () => {
    const dashboard = await tech.get<{ items: RecordSummary[] }>('/api/labs/REC2/dashboard');
    expect(dashboard.status).toBe(200);
    const items = dashboard.body.items;
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((record) => record.status === 'Open' || (record.status === 'Missed' && Date.parse(record.completableUntil!) >= Date.now() - 1000))).toBe(
      true,
    );
    // Every open or late-completable record of the lab, and nothing but the summary of each.
    const { body: all } = await admin.get<{ items: PmRecord[] }>('/api/labs/REC2/records?status=Open,Missed&pageSize=1000');
    const due = all.items.filter((record) => record.status === 'Open' || Date.parse(record.completableUntil!) >= Date.now() - 1000);
    expect(new Set(items.map((record) => record.recordNumber))).toEqual(new Set(due.map((record) => record.recordNumber)));
    expect(Object.keys(items[0]!).sort()).toEqual([
      'completableUntil',
      'dueEnd',
      'frequency',
      'labId',
      'late',
      'modelId',
      'periodStart',
      'recordNumber',
      'serialNumber',
      'status',
    ]);
    const misspelt = await tech.get<{ errors: { field: string; message: string }[] }>('/api/labs/REC2/dashboard?view=dashboard');
    expect(misspelt.status).toBe(400);
    expect(misspelt.body.errors).toEqual([{ field: 'view', message: 'is not a name this request takes (check its spelling)' }]);
    const soonestFirst = [...items].sort((a, b) => a.dueEnd.localeCompare(b.dueEnd) || a.recordNumber.localeCompare(b.recordNumber));
    expect(items.map((record) => record.recordNumber)).toEqual(soonestFirst.map((record) => record.recordNumber));
    expect((await tech.get('/api/labs/REC2/records?status=Opened')).status).toBe(400);
    expect((await tech.get('/api/labs/REC2/records?continuationToken=garbage&status=Missed')).status).toBe(400);
  });

  it('pages through a lab with continuation tokens', async () => {
    const first = await admin.get<{ items: PmRecord[]; continuationToken: string | null }>('/api/labs/REC2/records?pageSize=5');
    expect(first.body.items).toHaveLength(5);
    const second = await admin.get<{ items: PmRecord[] }>(
      `/api/labs/REC2/records?pageSize=5&continuationToken=${encodeURIComponent(first.body.continuationToken!)}`,
    );
    const items = [...first.body.items, ...second.body.items];
    const numbers = items.map((record) => record.recordNumber);
    expect(new Set(numbers).size).toBe(numbers.length);
    // Newest period first and, within a period, the highest number first: the same order on every call.
    const expected = [...items].sort((a, b) => b.periodStart.localeCompare(a.periodStart) || b.recordNumber.localeCompare(a.recordNumber));
    expect(numbers).toEqual(expected.map((record) => record.recordNumber));
  });
});

describe('records follow their machine', () => {
  it('cancels the open records of a machine that leaves service, with the reason, and reopens them when it is back', async () => {
    const serial = 'REC1-M4';
    const openBefore = (await admin.get<{ items: PmRecord[] }>(`/api/labs/REC1/records?status=Open&serialNumber=${serial}`)).body.items;
    expect(openBefore.length).toBeGreaterThan(0);
    expect((await manager.patch(`/api/labs/REC1/equipment/${serial}`, { status: 'Repair offsite' })).status).toBe(200);
    const cancelled = (await admin.get<{ items: PmRecord[] }>(`/api/labs/REC1/records?status=Cancelled&serialNumber=${serial}`)).body.items;
    expect(cancelled.map((record) => record.recordNumber).sort()).toEqual(openBefore.map((record) => record.recordNumber).sort());
    expect(cancelled.every((record) => record.cancelReason === 'Repair offsite')).toBe(true);
    expect((await manager.patch(`/api/labs/REC1/equipment/${serial}`, { status: 'In Service' })).status).toBe(200);
    const reopened = (await admin.get<{ items: PmRecord[] }>(`/api/labs/REC1/records?status=Open&serialNumber=${serial}`)).body.items;
    expect(reopened.map((record) => record.recordNumber).sort()).toEqual(openBefore.map((record) => record.recordNumber).sort());
  });

  it('cancels a transferred machine’s open records at the old lab and starts its records at the new one', async () => {
    const serial = 'REC1-M3';
    expect((await admin.post(`/api/labs/REC1/equipment/${serial}/transfer`, { toLabId: 'REC2' })).status).toBe(200);
    const old = (await admin.get<{ items: PmRecord[] }>(`/api/labs/REC1/records?status=Cancelled&serialNumber=${serial}`)).body.items;
    expect(old.length).toBeGreaterThan(0);
    expect(old.every((record) => record.cancelReason === 'transferred to REC2')).toBe(true);
    expect((await admin.get<{ items: PmRecord[] }>(`/api/labs/REC1/records?status=Open&serialNumber=${serial}`)).body.items).toEqual([]);
    const fresh = (await admin.get<{ items: PmRecord[] }>(`/api/labs/REC2/records?status=Open&serialNumber=${serial}`)).body.items;
    expect(fresh.map((record) => record.frequency)).toEqual(['Daily']);
    expect(fresh[0]!.recordNumber.startsWith('REC2')).toBe(true);
    // Its history (ISO/IEC 17025 §6.4.13) keeps every record, from both labs.
    const history = await admin.get<{ events: { kind: string }[]; records: PmRecord[] }>(`/api/labs/REC2/equipment/${serial}/history`);
    expect(history.body.events.map((event) => event.kind)).toEqual(['registered', 'transfer']);
    expect(new Set(history.body.records.map((record) => record.labId))).toEqual(new Set(['REC1', 'REC2']));
    const atOldLab = (await admin.get<{ items: PmRecord[] }>(`/api/labs/REC1/records?serialNumber=${serial}`)).body.items;
    expect(
      history.body.records
        .filter((record) => record.labId === 'REC1')
        .map((record) => record.recordNumber)
        .sort(),
    ).toEqual(atOldLab.map((record) => record.recordNumber).sort());
    expect(history.body.records.every((record) => record.serialNumber === serial)).toBe(true);
  });
});

describe('verification, the second signature', () => {
  it('is signed "Verified by" by a second person on a model that asks for it, and only then counts as done', async () => {
    const labId = 'VER1';
    const since = new Date(Date.now() - 2 * dayMs);
    expect((await admin.post('/api/labs', { labId, name: 'Verified lab', timeZone: 'UTC' })).status).toBe(201);
    await addModel(
      systemActor,
      {
        modelId: 'Verified oven',
        manufacturer: 'Acme',
        equipmentClass: 'Mill',
        active: true,
        frequencies: { Daily: { tasks: [{ text: 'Check the door seal', kind: 'check' }], needsVerification: true } },
      },
      null,
      since,
    );
    await registerEquipment(systemActor, labId, { serialNumber: 'VER1-M1', modelId: 'Verified oven', status: 'In Service' }, null, since);
    await generateLab(labId, new Date(), 'test');
    for (const username of ['manager1', 'tech1'])
      expect((await admin.put(`/api/users/${username}/labs/${labId}`, { role: username === 'tech1' ? 'Technician' : 'Manager' })).status).toBe(200);
    const [open] = await recordsAt(labId, 'Open');
    expect(open).toMatchObject({ needsVerification: true, verification: null });
    const url = `/api/labs/${labId}/records/${open!.recordNumber}`;

    expect((await tech.post(`${url}/verification`, { signature: { password: demoPassword } })).status).toBe(409);
    const verifiedBy = await tech.post(`${url}/complete`, {
      responses: [{ taskId: 'T1', done: true }],
      signature: { password: demoPassword, meaning: 'Verified by' },
    });
    expect(verifiedBy.status).toBe(400);
    expect(problem(verifiedBy.body).errors?.[0]?.message).toContain('a second person signs "Verified by" afterwards');
    const done = await tech.post<PmRecord>(`${url}/complete`, { responses: [{ taskId: 'T1', done: true }], signature: { password: demoPassword } });
    expect(done.status, done.text).toBe(200);
    expect(done.body.signature?.meaning).toBe('Performed by');
    const summary = async () =>
      (await admin.get<{ summary: { awaitingVerification: number; completedOnTime: number }[] }>(`/api/reports/compliance?labId=${labId}`)).body.summary[0]!;
    expect(await summary()).toMatchObject({ awaitingVerification: 1, completedOnTime: 0 });

    const self = await tech.post(`${url}/verification`, { signature: { password: demoPassword } });
    expect(self.status).toBe(409);
    expect(problem(self.body).detail).toBe(`You performed ${open!.recordNumber}; its verification needs a second person.`);
    expect((await manager.post(`${url}/verification`, { signature: { password: 'not the password 7' } })).status).toBe(401);
    const verified = await manager.post<PmRecord>(`${url}/verification`, { signature: { password: demoPassword } });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body.verification).toMatchObject({ username: 'manager1', displayName: 'Maria Manager', meaning: 'Verified by', method: 'password' });
    expect(verified.body.signature).toEqual(done.body.signature);
    expect((await manager.post(`${url}/verification`, { signature: { password: demoPassword } })).status).toBe(409);
    expect(await summary()).toMatchObject({ awaitingVerification: 0, completedOnTime: 1 });
    expect((await recordChain(labId)).filter((entry) => entry.action === 'record.verified')).toHaveLength(1);
    expect((await admin.get<{ firstBroken: unknown }>(`/api/audit/verify?labId=${labId}`)).body.firstBroken).toBeNull();
  });
});
