import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PmRecord } from '../shared/schemas/records.js';
import type { Meter, Reading, ReadingResult } from '../shared/schemas/meters.js';
import type { ApiClient } from './helpers/api-client.js';
import { startTestProduct, type TestProduct } from './helpers/test-product.js';

/** Meters, readings and usage-based maintenance through the API (SPEC §15). */
let product: TestProduct;
let admin: ApiClient;
let manager: ApiClient;
let technician: ApiClient;
const inAYear = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
const modelId = 'Usage Mill';

async function machineWithMeter(serialNumber: string): Promise<string> {
  const registered = await manager.post(`/api/labs/LAB01/equipment`, { serialNumber, modelId });
  expect(registered.status, registered.text).toBe(201);
  const meter = await manager.post<Meter>(`/api/labs/LAB01/equipment/${serialNumber}/meters`, { name: 'Spindle hours', unit: 'h' });
  expect(meter.status, meter.text).toBe(201);
  return meter.body.meterId;
}

async function auditActions(serialNumber: string): Promise<string[]> {
  const trail = await admin.get<{ items: { action: string }[] }>(`/api/audit?entityId=${serialNumber}&pageSize=100`);
  expect(trail.status, trail.text).toBe(200);
  return trail.body.items.map((entry) => entry.action);
}

beforeAll(async () => {
  product = await startTestProduct();
  admin = await product.signedIn('admin');
  manager = await product.signedIn('manager1');
  technician = await product.signedIn('tech1');
  const created = await admin.post('/api/models', {
    modelId,
    manufacturer: 'Roland DGA',
    equipmentClass: 'Mill',
    frequencies: {},
    usageSchedules: [{ meter: 'Spindle hours', every: 500, dueWithin: { days: 14 }, tasks: [{ text: 'Replace the spindle bearings', kind: 'check' }] }],
  });
  expect(created.status, created.text).toBe(201);
}, 60_000);
afterAll(async () => product.cleanup());

describe('meters and readings', () => {
  it('URS-142 a manager adds a meter; readings typed at the machine are kept and audited; a lower one needs a reason and starts a new count', async () => {
    const meterId = await machineWithMeter('UM-01');
    const refused = await technician.post('/api/labs/LAB01/equipment/UM-01/meters', { name: 'Cycles', unit: 'cycles' });
    expect(refused.status).toBe(403);
    const path = `/api/labs/LAB01/equipment/UM-01/meters/${meterId}/readings`;
    expect((await technician.post<ReadingResult>(path, { value: 1200 })).body.meter).toMatchObject({ value: 1200, total: 0, readings: 1 });
    expect((await technician.post<ReadingResult>(path, { value: 1300 })).body.meter).toMatchObject({ value: 1300, total: 100 });
    const before = await auditActions('UM-01');
    const lower = await technician.post<{ detail: string }>(path, { value: 20 });
    expect(lower.status).toBe(400);
    expect(lower.body.detail).toBe(
      'Value 20 is lower than the last reading of Spindle hours (1300 h): give the reason replaced or reset to start a new count.',
    );
    expect(await auditActions('UM-01')).toEqual(before);
    const reset = await technician.post<ReadingResult>(path, { value: 20, reason: 'replaced' });
    expect(reset.status, reset.text).toBe(201);
    expect(reset.body.meter).toMatchObject({ value: 20, total: 120, readings: 3 });
    const readings = await technician.get<{ items: Reading[] }>(path);
    expect(readings.body.items.map((reading) => [reading.value, reading.total, reading.reason, reading.source, reading.by])).toEqual([
      [20, 120, 'replaced', 'typed', 'tech1'],
      [1300, 100, null, 'typed', 'tech1'],
      [1200, 0, null, 'typed', 'tech1'],
    ]);
    expect((await auditActions('UM-01')).filter((action) => action.startsWith('meter.'))).toEqual(['meter.read', 'meter.read', 'meter.read', 'meter.added']);
  });

  it('URS-143 twenty readings posted at once across a threshold open exactly one usage record, numbered like every record of the lab', async () => {
    await machineWithMeter('UM-02');
    const key = await admin.post<{ key: string }>('/api/api-keys', {
      name: 'Mill controller',
      labIds: ['LAB01'],
      scopes: ['meters:write'],
      expiresOn: inAYear,
    });
    expect(key.status, key.text).toBe(201);
    const post = (value: number, reason?: string) =>
      product
        .client()
        .post<ReadingResult>(
          '/api/machines/UM-02/meter-readings',
          { meter: 'spindle hours', value, ...(reason ? { reason } : {}) },
          { headers: { 'X-Api-Key': key.body.key } },
        );
    expect((await post(0)).status).toBe(201);
    expect((await post(490)).status).toBe(201);
    // Each value passes 500 counted from 490; lower values than the one stored before them are refused.
    const answers = await Promise.all(Array.from({ length: 20 }, (_, index) => post(501 + index)));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.every((status) => status === 201 || status === 400)).toBe(true);
    const opened = answers.flatMap((answer) => (answer.status === 201 ? answer.body.recordsOpened : []));
    expect(opened).toHaveLength(1);
    const records = await manager.get<{ items: PmRecord[] }>('/api/labs/LAB01/records?frequency=Usage&serialNumber=UM-02');
    expect(records.status, records.text).toBe(200);
    expect(records.body.items).toHaveLength(1);
    const record = records.body.items[0]!;
    expect(record).toMatchObject({ recordNumber: opened[0], frequency: 'Usage', status: 'Open', usage: { meter: 'Spindle hours', threshold: 500, unit: 'h' } });
    expect(record.recordNumber).toMatch(/^LAB01\d{6}$/);
    expect(Date.parse(record.dueEnd) - Date.now()).toBeGreaterThan(13 * 86_400_000);
  });

  it('refuses a key without meters:write, and answers a machine of another lab as one that does not exist', async () => {
    const feed = await admin.post<{ key: string }>('/api/api-keys', { name: 'Reader', labIds: ['LAB01'], scopes: ['fitness:read'], expiresOn: inAYear });
    const other = await admin.post<{ key: string }>('/api/api-keys', { name: 'Other lab', labIds: ['LAB02'], scopes: ['meters:write'], expiresOn: inAYear });
    const send = (key: string) =>
      product
        .client()
        .post<{ detail: string }>('/api/machines/UM-01/meter-readings', { meter: 'Spindle hours', value: 999 }, { headers: { 'X-Api-Key': key } });
    expect((await send(feed.body.key)).status).toBe(403);
    const hidden = await send(other.body.key);
    expect(hidden.status).toBe(404);
    expect(hidden.body.detail).toBe('There is no machine UM-01 in the labs this API key may write to.');
    expect((await product.client().post('/api/machines/UM-01/meter-readings', { meter: 'Spindle hours', value: 999 })).status).toBe(401);
  });
});
