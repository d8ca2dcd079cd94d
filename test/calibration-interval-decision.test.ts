import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalibrationPlan, CalibrationReport } from '../shared/schemas/calibration.js';
import type { IntervalReview } from '../shared/schemas/calibration-interval-review.js';
import type { ApiClient } from './helpers/api-client.js';
import { calibratedAndApproved, machineWithPlan as machineWithPlanBy, yearlyPlan } from './helpers/fixtures.js';
import { demoPassword, startTestProduct, type TestProduct } from './helpers/test-product.js';

let product: TestProduct;
let admin: ApiClient;
let manager: ApiClient;

interface AuditView {
  action: string;
  reason?: string;
  after?: Record<string, unknown>;
}

const machineWithPlan = (serialNumber: string) => machineWithPlanBy(admin, serialNumber, yearlyPlan);
const calibrated = (serialNumber: string, value: number, daysAgo: number) => calibratedAndApproved(manager, admin, serialNumber, value, daysAgo);

const reviewOf = (serialNumber: string) => manager.get<IntervalReview>(`/api/labs/LAB01/equipment/${serialNumber}/calibration-plan/interval-review`);

/** What a decision sends of the review it was made on. */
const shown = (review: IntervalReview) => ({
  currentIntervalDays: review.currentIntervalDays!,
  recommendedIntervalDays: review.recommendedIntervalDays!,
  calibrationNumbers: review.history.map((step) => step.calibrationNumber),
});

const auditOf = async (serialNumber: string) =>
  (await admin.get<{ items: AuditView[] }>(`/api/audit?labId=LAB01&entityType=equipment&entityId=${serialNumber}&pageSize=100`)).body.items;

beforeAll(async () => {
  product = await startTestProduct();
  admin = await product.signedIn('admin');
  manager = await product.signedIn('manager1');
});
afterAll(async () => product.cleanup());

describe('deciding a calibration interval review', () => {
  it('URS-130 accepting sets the recommended interval as a new plan version whose change reason cites the review, signed and audited', async () => {
    await machineWithPlan('IVD-1');
    const first = await calibrated('IVD-1', 100.2, 3);
    const second = await calibrated('IVD-1', 100.1, 2);
    const review = await reviewOf('IVD-1');
    // By hand: 365 × 1.25 = 456.25 → 456; 456 × 1.25 = 570.
    expect(review.body).toMatchObject({ currentIntervalDays: 365, recommendedIntervalDays: 570, due: false, lastDecision: null });

    const decided = await manager.post<IntervalReview>('/api/labs/LAB01/equipment/IVD-1/calibration-plan/interval-review/decision', {
      decision: 'accept',
      reviewed: shown(review.body),
      signature: { password: demoPassword },
    });
    expect(decided.status, decided.text).toBe(200);
    expect(decided.body).toMatchObject({
      currentIntervalDays: 570,
      recommendedIntervalDays: 570,
      history: [],
      lastDecision: {
        decision: 'accept',
        intervalDays: 365,
        recommendedIntervalDays: 570,
        calibrationNumbers: [first, second],
        planVersion: 2,
        signature: { username: 'manager1', meaning: 'Reviewed by', method: 'password' },
      },
    });
    const planNow = await manager.get<CalibrationPlan>('/api/labs/LAB01/equipment/IVD-1/calibration-plan');
    expect(planNow.body.current).toMatchObject({ version: 2, intervalDays: 570, changedBy: { username: 'manager1' } });
    expect(planNow.body.current!.changeReason).toContain('Interval review accepted by');
    expect(planNow.body.current!.changeReason).toContain(review.body.summary);

    const actions = (await auditOf('IVD-1')).map((entry) => entry.action);
    expect(actions).toContain('calibration-interval.accepted');
    expect(actions.filter((action) => action === 'calibration-plan.changed')).toHaveLength(2);
    const verified = await admin.get<{ intact: boolean }>('/api/audit/verify?labId=LAB01');
    expect(verified.body.intact, verified.text).toBe(true);
  });

  it('URS-131 rejecting needs a reason, keeps the interval, and the review starts again from the decision', async () => {
    await machineWithPlan('IVD-2');
    await calibrated('IVD-2', 101.0, 2);
    const review = await reviewOf('IVD-2');
    expect(review.body).toMatchObject({ recommendedIntervalDays: 183, due: true });
    const url = '/api/labs/LAB01/equipment/IVD-2/calibration-plan/interval-review/decision';
    const unexplained = await manager.post(url, { decision: 'reject', reviewed: shown(review.body), signature: { password: demoPassword } });
    expect(unexplained.status).toBe(400);
    expect(unexplained.text).toContain('reason');

    const rejected = await manager.post<IntervalReview>(url, {
      decision: 'reject',
      reason: 'The drift came from a power cut, not the oven',
      reviewed: shown(review.body),
      signature: { password: demoPassword },
    });
    expect(rejected.status, rejected.text).toBe(200);
    expect(rejected.body).toMatchObject({
      currentIntervalDays: 365,
      history: [],
      due: false,
      lastDecision: { decision: 'reject', reason: 'The drift came from a power cut, not the oven', planVersion: null },
    });
    const planNow = await manager.get<CalibrationPlan>('/api/labs/LAB01/equipment/IVD-2/calibration-plan');
    expect(planNow.body.current).toMatchObject({ version: 1, intervalDays: 365 });
    const entry = (await auditOf('IVD-2')).find((candidate) => candidate.action === 'calibration-interval.rejected');
    expect(entry).toMatchObject({ reason: 'The drift came from a power cut, not the oven' });
  });

  it('URS-132 is refused with 409 naming what changed when a calibration was approved since the review was shown, and writes nothing', async () => {
    await machineWithPlan('IVD-3');
    await calibrated('IVD-3', 100.0, 3);
    const review = await reviewOf('IVD-3');
    const later = await calibrated('IVD-3', 100.1, 1);
    const before = (await auditOf('IVD-3')).length;
    const stale = await manager.post('/api/labs/LAB01/equipment/IVD-3/calibration-plan/interval-review/decision', {
      decision: 'accept',
      reviewed: shown(review.body),
      signature: { password: demoPassword },
    });
    expect(stale.status).toBe(409);
    expect(stale.text).toContain(`${later} was approved since`);
    expect((await auditOf('IVD-3')).length).toBe(before);
    expect((await reviewOf('IVD-3')).body.lastDecision).toBeNull();

    const wrongPassword = await manager.post('/api/labs/LAB01/equipment/IVD-3/calibration-plan/interval-review/decision', {
      decision: 'accept',
      reviewed: shown((await reviewOf('IVD-3')).body),
      signature: { password: 'not the password' },
    });
    expect(wrongPassword.status).toBe(401);
    expect((await reviewOf('IVD-3')).body.lastDecision).toBeNull();
    const tech = await product.signedIn('tech1');
    const refused = await tech.post('/api/labs/LAB01/equipment/IVD-3/calibration-plan/interval-review/decision', {
      decision: 'accept',
      reviewed: shown((await reviewOf('IVD-3')).body),
      signature: { password: demoPassword },
    });
    expect(refused.status).toBe(403);
  });

  it('URS-133 the calibration report and its CSV list the machines whose interval review is due', async () => {
    await machineWithPlan('IVD-4');
    await calibrated('IVD-4', 100.0, 4);
    await calibrated('IVD-4', 100.1, 3);
    const notYet = await admin.get<CalibrationReport>('/api/reports/calibration?labId=LAB01');
    expect(notYet.body.intervalReviews.map((row) => row.serialNumber)).not.toContain('IVD-4');
    const third = await calibrated('IVD-4', 100.2, 2);
    const report = await admin.get<CalibrationReport>('/api/reports/calibration?labId=LAB01');
    expect(report.body.intervalReviews.find((row) => row.serialNumber === 'IVD-4')).toMatchObject({
      currentIntervalDays: 365,
      // 365 → 456 → 570 → 713 (570 × 1.25 = 712.5, rounded half up).
      recommendedIntervalDays: 713,
      outOfTolerance: 0,
      lastDecidedOn: null,
    });
    const csv = await admin.get('/api/reports/calibration?labId=LAB01&format=csv&section=interval-reviews');
    expect(csv.status).toBe(200);
    const lines = csv.text.trim().split(/\r?\n/);
    expect(lines[0]).toContain('serial_number,model_id,current_interval_days,recommended_interval_days,calibrations_since_last_review');
    expect(lines.find((line) => line.includes('IVD-4'))).toContain(third);
  });

  it('URS-134 the audit verification names an interval decision changed outside the product', async () => {
    const { container } = await import('../shared/data/cosmos.js');
    const equipment = await container('equipment');
    const stored = (await equipment.item('IVD-2', 'LAB01').read<{ calibration: { intervalDecisions: { reason: string }[] } }>()).resource!;
    await equipment.item('IVD-2', 'LAB01').replace({
      ...stored,
      calibration: {
        ...stored.calibration,
        intervalDecisions: stored.calibration.intervalDecisions.map((decision) => ({ ...decision, reason: 'Nothing to see' })),
      },
    });
    const broken = await admin.get<{ intact: boolean; firstBroken: { recordNumber: string; reason: string } }>('/api/audit/verify?labId=LAB01');
    expect(broken.body).toMatchObject({ intact: false, firstBroken: { recordNumber: 'IVD-2', reason: expect.stringContaining('interval review') } });
    await equipment.item('IVD-2', 'LAB01').replace(stored);
  });
});
