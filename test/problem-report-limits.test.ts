import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerEquipment } from '../shared/equipment/manage-equipment.js';
import type { LabelSheet } from '../shared/schemas/labels.js';
import { systemActor } from '../shared/users/manage-users.js';
import { startTestProduct, type TestProduct } from './helpers/test-product.js';

/**
 * A product of its own with limits of 2 reports per machine and 4 per address an hour, so its windows
 * count only this file's reports. Every request of this file comes from the same address.
 */
let product: TestProduct;
const keys = new Map<string, string>();

beforeAll(async () => {
  product = await startTestProduct({ PROBLEM_REPORTS_PER_ADDRESS: '4', PROBLEM_REPORTS_PER_MACHINE: '2', PROBLEM_REPORTS_WINDOW_SECONDS: '3600' });
  const manager = await product.signedIn('manager1');
  for (const serialNumber of ['LIMIT-A', 'LIMIT-B', 'LIMIT-C']) {
    await registerEquipment(systemActor, 'LAB01', { serialNumber, modelId: 'Form 3B', status: 'In Service' }, null);
    const sheet = await manager.get<LabelSheet>(`/api/labs/LAB01/labels?serials=${serialNumber}`);
    keys.set(serialNumber, new URL(sheet.body.items[0]!.url).searchParams.get('k')!);
  }
  // Windows are whole hours: wait for the next one only in an hour's last seconds, so that every report
  // here falls in the same window and the file rarely waits at all.
  const secondsLeft = 3600 - (Math.floor(Date.now() / 1000) % 3600);
  if (secondsLeft < 40) await new Promise((resolve) => setTimeout(resolve, secondsLeft * 1000 + 200));
});
afterAll(async () => product.cleanup());

const send = (serialNumber: string, key = keys.get(serialNumber)!) =>
  product.client().post(`/api/machines/${serialNumber}/problem-reports?k=${encodeURIComponent(key)}`, { description: 'It stopped' });

describe('problem reports at the machine are limited', () => {
  it('URS-154 per machine, then per address (wrong keys count there too), with 429 and Retry-After', async () => {
    expect((await send('LIMIT-A')).status).toBe(201);
    expect((await send('LIMIT-A')).status).toBe(201);
    const machineLimited = await send('LIMIT-A');
    expect(machineLimited.status).toBe(429);
    expect(Number(machineLimited.headers.get('retry-after'))).toBeGreaterThan(0);
    // The address has spent 3 of its 4: a guessed key spends the fourth, and then even a right key waits.
    expect((await send('LIMIT-B', 'a-guessed-key')).status).toBe(404);
    const addressLimited = await send('LIMIT-C');
    expect(addressLimited.status).toBe(429);
    expect(addressLimited.body.detail).toMatch(/^Too many attempts\. Try again in \d+ seconds\.$/);
  });
});
