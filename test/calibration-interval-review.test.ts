import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerEquipment } from '../shared/equipment/manage-equipment.js';
import { systemActor } from '../shared/users/manage-users.js';
import type { IntervalReview } from '../shared/schemas/calibration-interval-review.js';
import type { ApiClient } from './helpers/api-client.js';
import { calibratedAndApproved, machineWithPlan, yearlyPlan } from './helpers/fixtures.js';
import { startTestProduct, type TestProduct } from './helpers/test-product.js';

let product: TestProduct;
let admin: ApiClient;
let manager: ApiClient;

const calibrated = (serialNumber: string, value: number, daysAgo: number) => calibratedAndApproved(manager, admin, serialNumber, value, daysAgo);

beforeAll(async () => {
  product = await startTestProduct();
  admin = await product.signedIn('admin');
  manager = await product.signedIn('manager1');
});
afterAll(async () => product.cleanup());

describe('calibration interval review', () => {
  it('URS-047 recommends the interval a hand computation gives, from the calibrations approved since the interval was set', async () => {
    await machineWithPlan(admin, 'IVR-1', yearlyPlan);
    const before = await manager.get<IntervalReview>('/api/labs/LAB01/equipment/IVR-1/calibration-plan/interval-review');
    expect(before.status, before.text).toBe(200);
    expect(before.body).toMatchObject({ currentIntervalDays: 365, recommendedIntervalDays: 365, history: [] });

    const first = await calibrated('IVR-1', 100.2, 3);
    const second = await calibrated('IVR-1', 101.0, 2);
    const third = await calibrated('IVR-1', 99.9, 1);
    const review = await manager.get<IntervalReview>('/api/labs/LAB01/equipment/IVR-1/calibration-plan/interval-review');
    // By hand, with the default factors 1.25 and 0.5: 365 × 1.25 = 456.25 → 456; 456 × 0.5 = 228; 228 × 1.25 = 285.
    expect(review.body).toMatchObject({
      method: 'Simple response method (ILAC-G24 method 1)',
      factors: { lengthen: 1.25, shorten: 0.5, minDays: 30, maxDays: 1095 },
      currentIntervalDays: 365,
      recommendedIntervalDays: 285,
    });
    expect(review.body.history.map((step) => [step.calibrationNumber, step.outOfTolerance, step.intervalBefore, step.intervalAfter])).toEqual([
      [first, false, 365, 456],
      [second, true, 456, 228],
      [third, false, 228, 285],
    ]);

    // The Manager sets the recommended interval: the review starts again from it, with no calibration since.
    const current = await admin.get<{ current: { version: number } }>('/api/labs/LAB01/equipment/IVR-1/calibration-plan');
    const changed = await manager.put('/api/labs/LAB01/equipment/IVR-1/calibration-plan', {
      ...yearlyPlan,
      intervalDays: 285,
      version: current.body.current.version,
      changeReason: review.body.summary,
    });
    expect(changed.status, changed.text).toBe(200);
    const after = await manager.get<IntervalReview>('/api/labs/LAB01/equipment/IVR-1/calibration-plan/interval-review');
    expect(after.body).toMatchObject({ currentIntervalDays: 285, recommendedIntervalDays: 285, history: [] });
  });

  it('says a machine without an interval has none to review, and keeps other labs out', async () => {
    await registerEquipment(
      systemActor,
      'LAB01',
      { serialNumber: 'IVR-2', modelId: 'Form 3B', status: 'In Service' },
      null,
      new Date(Date.now() - 500 * 86_400_000),
    );
    const none = await manager.get<IntervalReview>('/api/labs/LAB01/equipment/IVR-2/calibration-plan/interval-review');
    expect(none.body).toMatchObject({ currentIntervalDays: null, recommendedIntervalDays: null, summary: 'IVR-2 has no calibration interval to review.' });
    const tech2 = await product.signedIn('tech2');
    expect((await tech2.get('/api/labs/LAB01/equipment/IVR-1/calibration-plan/interval-review')).status).toBe(403);
  });
});
