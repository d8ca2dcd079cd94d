import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRecord, readCounter, writeRecords } from '../shared/data/records-repository.js';
import { auditEvent } from '../shared/domain/audit-entries.js';
import { contentHash } from '../shared/domain/record-hash.js';
import { generateLab } from '../shared/jobs/lab-run.js';
import type { Meter, Reading } from '../shared/schemas/meters.js';
import type { PmRecord } from '../shared/schemas/records.js';
import type { VerificationPage } from '../shared/schemas/audit-verification.js';
import type { ApiClient } from './helpers/api-client.js';
import { demoPassword, startTestProduct, type TestProduct } from './helpers/test-product.js';

/** A model's Daily reading task linked to a meter: completing the record takes the reading (SPEC §15). */
let product: TestProduct;
let admin: ApiClient;
let manager: ApiClient;
let technician: ApiClient;
const modelId = 'Task Meter Mill';
const problem = (body: unknown) => body as { detail: string; errors?: { field: string; message: string }[] };

beforeAll(async () => {
  product = await startTestProduct();
  admin = await product.signedIn('admin');
  manager = await product.signedIn('manager1');
  technician = await product.signedIn('tech1');
  const created = await admin.post('/api/models', {
    modelId,
    manufacturer: 'Roland DGA',
    equipmentClass: 'Mill',
    frequencies: {
      Daily: {
        tasks: [
          { text: 'Clean the chamber', kind: 'check' },
          { text: 'Spindle hours', kind: 'reading', unit: 'h', meter: 'Spindle hours' },
        ],
      },
    },
    usageSchedules: [{ meter: 'Spindle hours', every: 500, dueWithin: { days: 14 }, tasks: [{ text: 'Service the spindle', kind: 'check' }] }],
  });
  expect(created.status, created.text).toBe(201);
}, 60_000);
afterAll(async () => product.cleanup());

/** A machine of the model with its Daily record open today. */
async function machineWithDailyRecord(serialNumber: string): Promise<PmRecord> {
  const registered = await manager.post('/api/labs/LAB01/equipment', { serialNumber, modelId });
  expect(registered.status, registered.text).toBe(201);
  await generateLab('LAB01', new Date(), 'test');
  const records = await technician.get<{ items: PmRecord[] }>(`/api/labs/LAB01/records?frequency=Daily&serialNumber=${serialNumber}&status=Open`);
  expect(records.status, records.text).toBe(200);
  expect(records.body.items).toHaveLength(1);
  return records.body.items[0]!;
}

const completion = (value: number, extra: object = {}) => ({
  responses: [
    { taskId: 'T1', done: true },
    { taskId: 'T2', done: true, value, ...extra },
  ],
  signature: { password: demoPassword, meaning: 'Performed by' },
});

async function meterOf(serialNumber: string): Promise<Meter | undefined> {
  const meters = await technician.get<{ items: Meter[] }>(`/api/labs/LAB01/equipment/${serialNumber}/meters`);
  expect(meters.status, meters.text).toBe(200);
  return meters.body.items.find((meter) => meter.name === 'Spindle hours');
}

async function readingsOf(serialNumber: string, meterId: string): Promise<Reading[]> {
  const readings = await technician.get<{ items: Reading[] }>(`/api/labs/LAB01/equipment/${serialNumber}/meters/${meterId}/readings`);
  expect(readings.status, readings.text).toBe(200);
  return readings.body.items;
}

/** How many audit entries the machine and its record have. */
async function auditCount(serialNumber: string, recordNumber: string): Promise<number> {
  let count = 0;
  for (const entityId of [serialNumber, recordNumber]) {
    const trail = await admin.get<{ items: unknown[] }>(`/api/audit?entityId=${entityId}&pageSize=500`);
    expect(trail.status, trail.text).toBe(200);
    count += trail.body.items.length;
  }
  return count;
}

describe('PM reading tasks linked to a meter', () => {
  it('URS-147 completing a record takes its reading task as a reading of the machine’s meter, named by the record, and opens the usage record it crosses', async () => {
    const first = await machineWithDailyRecord('TM-01');
    // No meter yet: the first completion adds it in the task's unit.
    expect(await meterOf('TM-01')).toBeUndefined();
    const done = await technician.post<PmRecord>(`/api/labs/LAB01/records/${first.recordNumber}/complete`, completion(480));
    expect(done.status, done.text).toBe(200);
    const meter = await meterOf('TM-01');
    expect(meter).toMatchObject({ unit: 'h', value: 480, total: 0, readings: 1 });
    expect(await readingsOf('TM-01', meter!.meterId)).toMatchObject([{ value: 480, source: 'task', recordNumber: first.recordNumber, by: 'tech1' }]);
    // A machine whose meter read 490 h: the record's 520 h passes 500 h and one usage record opens.
    const second = await machineWithDailyRecord('TM-05');
    const added = await manager.post<Meter>('/api/labs/LAB01/equipment/TM-05/meters', { name: 'Spindle hours', unit: 'h' });
    for (const value of [0, 490]) {
      const typed = await technician.post(`/api/labs/LAB01/equipment/TM-05/meters/${added.body.meterId}/readings`, { value });
      expect(typed.status, typed.text).toBe(201);
    }
    const crossed = await technician.post<PmRecord>(`/api/labs/LAB01/records/${second.recordNumber}/complete`, completion(520.5));
    expect(crossed.status, crossed.text).toBe(200);
    const readings = await readingsOf('TM-05', added.body.meterId);
    expect(readings.map((reading) => [reading.value, reading.total, reading.source, reading.recordNumber])).toEqual([
      [520.5, 520.5, 'task', second.recordNumber],
      [490, 490, 'typed', null],
      [0, 0, 'typed', null],
    ]);
    const usage = await manager.get<{ items: PmRecord[] }>('/api/labs/LAB01/records?frequency=Usage&serialNumber=TM-05');
    expect(usage.body.items.map((record) => [record.usage?.threshold, record.status])).toEqual([[500, 'Open']]);
  });

  it('URS-148 completing twice or at once takes the reading once', async () => {
    const record = await machineWithDailyRecord('TM-02');
    const path = `/api/labs/LAB01/records/${record.recordNumber}/complete`;
    const answers = await Promise.all([technician.post(path, completion(100)), manager.post(path, completion(100)), technician.post(path, completion(100))]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409, 409]);
    const again = await technician.post(path, completion(100));
    expect(again.status).toBe(409);
    const meter = await meterOf('TM-02');
    expect(meter).toMatchObject({ value: 100, readings: 1 });
    expect(await readingsOf('TM-02', meter!.meterId)).toHaveLength(1);
  });

  it('URS-148 a completion written before a crash took its reading: completing again takes it, once', async () => {
    const record = await machineWithDailyRecord('TM-06');
    // The record as a completion leaves it when the process stops before the reading is taken.
    const stored = (await findRecord('LAB01', record.recordNumber))!;
    const counter = (await readCounter('LAB01'))!;
    const responses = [
      { taskId: 'T1', done: true },
      { taskId: 'T2', done: true, value: 75 },
    ];
    const completed = {
      ...stored.document,
      status: 'Completed' as const,
      responses,
      completedBy: { username: 'tech1', displayName: 'Tech One' },
      completedAt: new Date().toISOString(),
    };
    // With its audit entry, as the completion's batch writes them together.
    const entry = auditEvent('record.completed', { kind: 'record', recordNumber: completed.recordNumber, labId: 'LAB01' }, completed.completedBy, null, {
      after: { status: 'Completed', recordHash: contentHash(completed) },
    });
    await writeRecords(counter.document, counter.etag, [{ document: completed, etag: stored.etag }], [entry]);
    expect(await meterOf('TM-06')).toBeUndefined();
    const path = `/api/labs/LAB01/records/${record.recordNumber}/complete`;
    expect((await technician.post(path, completion(75))).status).toBe(409);
    const meter = await meterOf('TM-06');
    expect(meter).toMatchObject({ value: 75, readings: 1 });
    expect((await technician.post(path, completion(75))).status).toBe(409);
    expect(await readingsOf('TM-06', meter!.meterId)).toMatchObject([{ value: 75, source: 'task', recordNumber: record.recordNumber, by: 'tech1' }]);
  });

  it('URS-149 a value lower than the meter refuses the completion, writing nothing, until the task says the meter was replaced or reset', async () => {
    const record = await machineWithDailyRecord('TM-03');
    const meter = await manager.post<Meter>('/api/labs/LAB01/equipment/TM-03/meters', { name: 'Spindle hours', unit: 'h' });
    expect((await technician.post(`/api/labs/LAB01/equipment/TM-03/meters/${meter.body.meterId}/readings`, { value: 800 })).status).toBe(201);
    const before = await auditCount('TM-03', record.recordNumber);
    const path = `/api/labs/LAB01/records/${record.recordNumber}/complete`;
    const lower = await technician.post(path, completion(12));
    expect(lower.status).toBe(400);
    expect(problem(lower.body).detail).toBe(
      '"Spindle hours": Value 12 is lower than the last reading of Spindle hours (800 h): give the reason replaced or reset to start a new count.',
    );
    expect(problem(lower.body).errors?.[0]?.field).toBe('responses.1.meterReason');
    expect(await auditCount('TM-03', record.recordNumber)).toBe(before);
    const still = await technician.get<PmRecord>(`/api/labs/LAB01/records/${record.recordNumber}`);
    expect(still.body.status).toBe('Open');
    expect(await meterOf('TM-03')).toMatchObject({ value: 800, readings: 1 });
    const replaced = await technician.post<PmRecord>(path, completion(12, { meterReason: 'replaced' }));
    expect(replaced.status, replaced.text).toBe(200);
    expect(replaced.body.responses[1]).toMatchObject({ value: 12, meterReason: 'replaced' });
    expect(await meterOf('TM-03')).toMatchObject({ value: 12, total: 12, readings: 2 });
    expect((await readingsOf('TM-03', meter.body.meterId))[0]).toMatchObject({ value: 12, reason: 'replaced', source: 'task' });
  });

  it('URS-142 refuses a reason on a task that reads no meter, and a meter on a check or without a unit', async () => {
    const record = await machineWithDailyRecord('TM-04');
    const answer = await technician.post(`/api/labs/LAB01/records/${record.recordNumber}/complete`, {
      responses: [
        { taskId: 'T1', done: true, meterReason: 'reset' },
        { taskId: 'T2', done: true, value: 5 },
      ],
      signature: { password: demoPassword, meaning: 'Performed by' },
    });
    expect(answer.status).toBe(400);
    expect(problem(answer.body).detail).toContain('"Clean the chamber" reads no meter, so it takes no reason replaced or reset');
    const model = await admin.post('/api/models', {
      modelId: 'Task Meter Bad',
      manufacturer: 'Roland DGA',
      equipmentClass: 'Mill',
      frequencies: { Daily: { tasks: [{ text: 'Hours', kind: 'reading', meter: 'Spindle hours' }] } },
    });
    expect(model.status).toBe(400);
    expect(problem(model.body).errors?.map((error) => error.message)).toEqual([
      "is required for a task reading the meter Spindle hours: give the meter's unit",
    ]);
  });

  it('URS-141 a usage record opened and then missed by readings keeps the lab’s audit trail verifiable', async () => {
    const created = await admin.post('/api/models', {
      modelId: 'Units Window Mill',
      manufacturer: 'Roland DGA',
      equipmentClass: 'Mill',
      frequencies: {},
      usageSchedules: [{ meter: 'Spindle hours', every: 500, dueWithin: { units: 50 }, tasks: [{ text: 'Service the spindle', kind: 'check' }] }],
    });
    expect(created.status, created.text).toBe(201);
    expect((await manager.post('/api/labs/LAB01/equipment', { serialNumber: 'TM-07', modelId: 'Units Window Mill' })).status).toBe(201);
    const meter = await manager.post<Meter>('/api/labs/LAB01/equipment/TM-07/meters', { name: 'Spindle hours', unit: 'h' });
    for (const value of [0, 510, 600]) {
      const read = await technician.post(`/api/labs/LAB01/equipment/TM-07/meters/${meter.body.meterId}/readings`, { value });
      expect(read.status, read.text).toBe(201);
    }
    const usage = await manager.get<{ items: PmRecord[] }>('/api/labs/LAB01/records?frequency=Usage&serialNumber=TM-07');
    expect(usage.body.items.map((record) => record.status)).toEqual(['Missed']);
    let token: string | null = null;
    let last: VerificationPage;
    do {
      const page: { status: number; body: VerificationPage } = await admin.get<VerificationPage>(
        `/api/audit/verify?labId=LAB01${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`,
      );
      expect(page.status).toBe(200);
      last = page.body;
      token = last.continuationToken;
    } while (token);
    expect(last.firstBroken, JSON.stringify(last.firstBroken)).toBeNull();
    expect(last.intact).toBe(true);
  });
});
