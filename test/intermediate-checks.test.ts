import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { intermediateCheckWindow } from '../shared/domain/impact.js';
import { labDigest } from '../shared/notifications/digest.js';
import type { CalibrationDueItem, CalibrationPlan } from '../shared/schemas/calibration.js';
import type { IntermediateCheck, IntermediateChecks } from '../shared/schemas/intermediate-checks.js';
import type { DashboardPage } from '../shared/schemas/dashboard.js';
import type { Nonconformity } from '../shared/schemas/nonconformities.js';
import type { ApiClient } from './helpers/api-client.js';
import { calibratedAndApproved, machineWithPlan, yearlyPlan } from './helpers/fixtures.js';
import { labDaysAgo } from './helpers/lab-days.js';
import { demoPassword, startTestProduct, type TestProduct } from './helpers/test-product.js';

let product: TestProduct;
let admin: ApiClient;
let manager: ApiClient;
let tech: ApiClient;

const plan = {
  ...yearlyPlan,
  intermediateCheck: {
    intervalDays: 30,
    checkStandard: 'Reference thermometer RT-7',
    points: [{ name: '100 °C', unit: '°C', nominal: 100, lowerLimit: 99, upperLimit: 101 }],
  },
};

const base = (serialNumber: string) => `/api/labs/LAB01/equipment/${serialNumber}`;

async function checked(client: ApiClient, serialNumber: string, value: number, daysAgo: number) {
  return client.post<IntermediateCheck>(`${base(serialNumber)}/intermediate-checks`, {
    performedOn: labDaysAgo('LAB01', daysAgo),
    readings: [{ pointId: 'P1', value }],
    signature: { password: demoPassword },
  });
}

beforeAll(async () => {
  product = await startTestProduct();
  admin = await product.signedIn('admin');
  manager = await product.signedIn('manager1');
  tech = await product.signedIn('tech1');
  await machineWithPlan(manager, 'ICK-1', plan);
  await calibratedAndApproved(tech, manager, 'ICK-1', 100.1, 40);
});
afterAll(async () => product.cleanup());

describe('intermediate checks', () => {
  it('URS-135 a plan defines checks between calibrations, and a check due since the last calibration shows on the due list and in the digest', async () => {
    const current = await manager.get<CalibrationPlan>(`${base('ICK-1')}/calibration-plan`);
    expect(current.body.current?.intermediateCheck).toMatchObject({
      intervalDays: 30,
      checkStandard: 'Reference thermometer RT-7',
      points: [{ pointId: 'P1' }],
    });
    const checks = await tech.get<IntermediateChecks>(`${base('ICK-1')}/intermediate-checks`);
    expect(checks.body).toMatchObject({ plan: { intervalDays: 30 }, nextDue: labDaysAgo('LAB01', 10), items: [] });
    const due = await tech.get<{ items: CalibrationDueItem[] }>('/api/labs/LAB01/calibrations/due?within=0');
    expect(due.body.items.find((item) => item.serialNumber === 'ICK-1')).toMatchObject({ intermediateCheckDue: labDaysAgo('LAB01', 10) });
    const digest = await labDigest('LAB01', new Date());
    expect(digest?.intermediateChecks.find((item) => item.serialNumber === 'ICK-1')).toMatchObject({ due: labDaysAgo('LAB01', 10), daysLeft: -10 });
  });

  it('URS-136 a passing check is signed and moves the next check, and leaves the calibration due date where it was', async () => {
    const before = await manager.get<CalibrationPlan>(`${base('ICK-1')}/calibration-plan`);
    const passing = await checked(tech, 'ICK-1', 100.4, 20);
    expect(passing.status, passing.text).toBe(201);
    expect(passing.body).toMatchObject({
      checkId: 'IC-0001',
      result: 'Pass',
      ncNumber: null,
      checkStandard: 'Reference thermometer RT-7',
      points: [{ pointId: 'P1', value: 100.4, pass: true }],
      signature: { username: 'tech1', meaning: 'Performed by', method: 'password' },
    });
    const after = await manager.get<CalibrationPlan>(`${base('ICK-1')}/calibration-plan`);
    expect(after.body.fitness).toEqual(before.body.fitness);
    expect(after.body.fitness.calibrationDue).toBe(before.body.fitness.calibrationDue);
    const checks = await tech.get<IntermediateChecks>(`${base('ICK-1')}/intermediate-checks`);
    expect(checks.body.nextDue).toBe(labDaysAgo('LAB01', -10));
  });

  it('URS-137 a failing check makes the machine not fit and opens a nonconformity whose impact window starts at the last passing check', async () => {
    const failing = await checked(tech, 'ICK-1', 101.6, 5);
    expect(failing.status, failing.text).toBe(201);
    expect(failing.body).toMatchObject({ checkId: 'IC-0002', result: 'Fail', ncNumber: expect.stringMatching(/^LAB01-NC-\d{6}$/) });
    const planNow = await manager.get<CalibrationPlan>(`${base('ICK-1')}/calibration-plan`);
    expect(planNow.body.fitness.state).toBe('not fit');
    expect(planNow.body.fitness.reasons).toContain('intermediate check failed');
    expect(planNow.body.quarantinedBy).toEqual([failing.body.ncNumber]);
    const nc = await manager.get<Nonconformity>(`/api/labs/LAB01/nonconformities/${failing.body.ncNumber}`);
    expect(nc.status, nc.text).toBe(200);
    expect(nc.body).toMatchObject({
      source: 'intermediate-check',
      window: { from: labDaysAgo('LAB01', 20), to: labDaysAgo('LAB01', 5), since: 'last passing intermediate check IC-0001' },
    });
    expect(nc.body.description).toContain('Intermediate check IC-0002 against Reference thermometer RT-7 failed');
    const verified = await admin.get<{ intact: boolean }>('/api/audit/verify?labId=LAB01');
    expect(verified.body.intact, verified.text).toBe(true);
  });

  it('URS-137 without a passing check since, the window starts at the last passing calibration', () => {
    const window = intermediateCheckWindow(
      { checkId: 'IC-0003', performedOn: '2026-06-10' },
      [{ checkId: 'IC-0001', performedOn: '2026-03-01' }],
      [{ calibrationNumber: 'LAB01-CAL-000009', performedOn: '2026-05-01' }],
      '2025-01-01',
    );
    expect(window).toEqual({ from: '2026-05-01', to: '2026-06-10', since: 'last passing calibration LAB01-CAL-000009', sinceReference: 'LAB01-CAL-000009' });
    expect(intermediateCheckWindow({ checkId: 'IC-0001', performedOn: '2026-06-10' }, [], [], '2025-01-01').from).toBe('2025-01-01');
  });

  it('URS-138 refuses a check the plan does not define or whose readings miss a point, and writes nothing', async () => {
    // A check is dated as a calibration is: not after the lab's today, not before its machine.
    const tomorrow = await checked(tech, 'ICK-1', 100, -1);
    expect(tomorrow.status).toBe(400);
    expect((tomorrow.body as unknown as { detail: string }).detail).toBe(
      `A check cannot be recorded before it is performed (${labDaysAgo('LAB01', -1)} is after today, ${labDaysAgo('LAB01', 0)}).`,
    );
    const early = await checked(tech, 'ICK-1', 100, 600);
    expect(early.status).toBe(400);
    expect((early.body as unknown as { detail: string }).detail).toMatch(
      new RegExp(`^A check cannot predate its machine: Performed on is ${labDaysAgo('LAB01', 600)}, before ICK-1 was registered on \\d{4}-\\d{2}-\\d{2}\\.$`),
    );
    const { intermediateCheck: _none, ...withoutCheck } = plan;
    await machineWithPlan(manager, 'ICK-2', withoutCheck);
    const undefinedCheck = await checked(tech, 'ICK-2', 100, 1);
    expect(undefinedCheck.status).toBe(409);
    expect(undefinedCheck.text).toContain('defines no intermediate check');
    const missing = await tech.post(`${base('ICK-1')}/intermediate-checks`, {
      performedOn: labDaysAgo('LAB01', 1),
      readings: [{ pointId: 'P9', value: 100 }],
      signature: { password: demoPassword },
    });
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('names no point of the check');
    const checks = await tech.get<IntermediateChecks>(`${base('ICK-1')}/intermediate-checks`);
    expect(checks.body.items.map((check) => check.checkId)).toEqual(['IC-0002', 'IC-0001']);
  });

  it('URS-139 the audit verification names an intermediate check changed outside the product', async () => {
    const { container } = await import('../shared/data/cosmos.js');
    const equipment = await container('equipment');
    const stored = (await equipment.item('ICK-1', 'LAB01').read<{ calibration: { intermediateChecks: { result: string }[] } }>()).resource!;
    await equipment.item('ICK-1', 'LAB01').replace({
      ...stored,
      calibration: { ...stored.calibration, intermediateChecks: stored.calibration.intermediateChecks.map((check) => ({ ...check, result: 'Pass' })) },
    });
    const broken = await admin.get<{ intact: boolean; firstBroken: { recordNumber: string; reason: string } }>('/api/audit/verify?labId=LAB01');
    expect(broken.body).toMatchObject({ intact: false, firstBroken: { recordNumber: 'ICK-1', reason: expect.stringContaining('intermediate check IC-0002') } });
    await equipment.item('ICK-1', 'LAB01').replace(stored);
  });
});

describe('intermediate checks on Today', () => {
  it('URS-162 the dashboard carries the checks due today or overdue, each with its machine, check standard and due day, and a check recorded leaves the list', async () => {
    // Each machine's count starts at its own calibration, so this holds whatever ran before it.
    for (const [serialNumber, calibratedDaysAgo] of [
      ['ICD-DUE', 30],
      ['ICD-OVER', 45],
      ['ICD-LATER', 10],
    ] as const) {
      await machineWithPlan(manager, serialNumber, plan);
      await calibratedAndApproved(tech, manager, serialNumber, 100.1, calibratedDaysAgo);
    }
    const dueOf = async () => {
      const dashboard = await tech.get<DashboardPage>('/api/labs/LAB01/dashboard');
      expect(dashboard.status, dashboard.text).toBe(200);
      return dashboard.body.intermediateChecksDue.filter((check) => check.serialNumber.startsWith('ICD-'));
    };
    expect(await dueOf()).toEqual([
      { serialNumber: 'ICD-OVER', modelId: 'Form 3B', checkStandard: 'Reference thermometer RT-7', due: labDaysAgo('LAB01', 15), overdue: true },
      { serialNumber: 'ICD-DUE', modelId: 'Form 3B', checkStandard: 'Reference thermometer RT-7', due: labDaysAgo('LAB01', 0), overdue: false },
    ]);

    const passing = await checked(tech, 'ICD-OVER', 100.2, 0);
    expect(passing.status, passing.text).toBe(201);
    expect((await dueOf()).map((check) => check.serialNumber)).toEqual(['ICD-DUE']);
  });
});
