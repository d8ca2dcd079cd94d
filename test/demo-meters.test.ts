import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Meter, Reading } from '../shared/schemas/meters.js';
import type { PmRecord } from '../shared/schemas/records.js';
import type { VerificationPage } from '../shared/schemas/audit-verification.js';
import type { ApiClient } from './helpers/api-client.js';
import { startTestProduct, type TestProduct } from './helpers/test-product.js';

/** The demo company's meters, usage schedules and their history (SPEC §15), as a started product seeds them. */
let product: TestProduct;
let manager: ApiClient;
let admin: ApiClient;

beforeAll(async () => {
  product = await startTestProduct();
  manager = await product.signedIn('manager1');
  admin = await product.signedIn('admin');
}, 60_000);
afterAll(async () => product.cleanup());

async function meterOf(serialNumber: string): Promise<{ meter: Meter; readings: Reading[] }> {
  const meters = await manager.get<{ items: Meter[] }>(`/api/labs/LAB01/equipment/${serialNumber}/meters`);
  expect(meters.status, meters.text).toBe(200);
  expect(meters.body.items).toHaveLength(1);
  const meter = meters.body.items[0]!;
  const readings = await manager.get<{ items: Reading[] }>(`/api/labs/LAB01/equipment/${serialNumber}/meters/${meter.meterId}/readings`);
  return { meter, readings: readings.body.items };
}

async function usageRecords(serialNumber: string): Promise<PmRecord[]> {
  const records = await manager.get<{ items: PmRecord[] }>(`/api/labs/LAB01/records?frequency=Usage&serialNumber=${serialNumber}`);
  expect(records.status, records.text).toBe(200);
  return records.body.items;
}

describe('the demo’s meters and usage schedules', () => {
  it('gives the mills and printers meters with half a year of readings, a signed spindle service and an open resin tank change', async () => {
    const mill = await meterOf('DWX-01-002');
    expect(mill.meter).toMatchObject({ name: 'Spindle hours', unit: 'h', value: 518, total: 518 });
    const oldest = mill.readings.at(-1)!;
    expect(Date.now() - Date.parse(oldest.readAt)).toBeGreaterThan(150 * 86_400_000);
    expect(mill.readings.every((reading) => reading.source === 'typed' && reading.by === 'tech1')).toBe(true);
    const [service] = await usageRecords('DWX-01-002');
    expect(service).toMatchObject({ status: 'Completed', late: false, usage: { meter: 'Spindle hours', threshold: 500 }, signature: { username: 'tech1' } });
    expect((await meterOf('DWX-01-006')).meter.total).toBeLessThan(500);
    expect(await usageRecords('DWX-01-006')).toEqual([]);
    const printer = await meterOf('F3B-01-005');
    expect(printer.meter).toMatchObject({ name: 'Layers printed', unit: 'layers', value: 2040 });
    const [tank] = await usageRecords('F3B-01-005');
    expect(tank).toMatchObject({ status: 'Open', usage: { meter: 'Layers printed', threshold: 2000 } });
    expect(Date.parse(tank!.dueEnd)).toBeGreaterThan(Date.now());
    expect(Date.parse(tank!.dueEnd) - Date.now()).toBeLessThan(7 * 86_400_000);
    const models = await manager.get<{ usageSchedules: { meter: string; every: number; orEveryMonths?: number }[] }>('/api/models/DWX-52DCi');
    expect(models.body.usageSchedules).toMatchObject([{ meter: 'Spindle hours', every: 500, orEveryMonths: 6 }]);
  });

  it('keeps the audit trail of the lab intact with the back-dated readings', async () => {
    let token: string | null = null;
    let last: VerificationPage;
    do {
      const answer: { status: number; body: VerificationPage } = await admin.get<VerificationPage>(
        `/api/audit/verify?labId=LAB01${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`,
      );
      expect(answer.status).toBe(200);
      last = answer.body;
      token = last.continuationToken;
    } while (token);
    expect(last.firstBroken, JSON.stringify(last.firstBroken)).toBeNull();
    expect(last.intact).toBe(true);
  });
});
