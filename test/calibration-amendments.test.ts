import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerEquipment } from '../shared/equipment/manage-equipment.js';
import { systemActor } from '../shared/users/manage-users.js';
import { container } from '../shared/data/cosmos.js';
import type { Calibration } from '../shared/schemas/calibration.js';
import type { Equipment } from '../shared/schemas/equipment.js';
import type { ApiClient } from './helpers/api-client.js';
import { demoPassword, startTestProduct, type TestProduct } from './helpers/test-product.js';
import { labDaysAgo } from './helpers/lab-days.js';

let product: TestProduct;
let admin: ApiClient;
let manager: ApiClient;
let tech: ApiClient;

const sign = { password: demoPassword };
/** Days before the lab's own today, by which the product judges a calibration's date. */
const daysAgo = (days: number, labId = 'LAB01') => labDaysAgo(labId, days);
const problem = (body: unknown) => body as { detail: string; errors?: { field: string; message: string }[] };
const path = (serialNumber: string, calibrationNumber = '') =>
  `/api/labs/LAB01/equipment/${serialNumber}/calibrations${calibrationNumber ? `/${calibrationNumber}` : ''}`;
const fitnessOf = async (serialNumber: string) => (await admin.get<Equipment>(`/api/labs/LAB01/equipment/${serialNumber}`)).body.fitness;
const verify = async () => (await admin.get<{ intact: boolean; firstBroken?: { recordNumber: string; reason: string } }>('/api/audit/verify?labId=LAB01')).body;

/** A machine with a two-point plan and one approved passing calibration, performed `days` ago. */
async function approvedCalibration(serialNumber: string, days = 3): Promise<Calibration> {
  await registerEquipment(systemActor, 'LAB01', { serialNumber, modelId: 'Form 3B', status: 'In Service' }, null, new Date(Date.now() - 500 * 86_400_000));
  const plan = await admin.put(`/api/labs/LAB01/equipment/${serialNumber}/calibration-plan`, {
    required: true,
    reason: 'Cure temperatures we report',
    intervalMonths: 6,
    warningDays: 14,
    graceDays: 0,
    decisionRule: 'simple',
    referenceStandard: false,
    points: [
      { name: '60 °C', unit: '°C', nominal: 60, lowerLimit: 59, upperLimit: 61 },
      { name: '80 °C', unit: '°C', nominal: 80, lowerLimit: 79, upperLimit: 81 },
    ],
  });
  expect(plan.status, plan.text).toBe(200);
  const recorded = await tech.post<Calibration>(path(serialNumber), {
    performedOn: daysAgo(days),
    kind: 'internal',
    asFound: [
      { pointId: 'P1', value: 60.3 },
      { pointId: 'P2', value: 80.2 },
    ],
    adjusted: false,
    signature: sign,
  });
  expect(recorded.status, recorded.text).toBe(201);
  const approved = await manager.post<Calibration>(`${path(serialNumber, recorded.body.calibrationNumber)}/approval`, { decision: 'approve', signature: sign });
  expect(approved.status, approved.text).toBe(200);
  return approved.body;
}

beforeAll(async () => {
  product = await startTestProduct();
  admin = await product.signedIn('admin');
  manager = await product.signedIn('manager1');
  tech = await product.signedIn('tech1');
});
afterAll(async () => product.cleanup());

describe('amendments of approved calibrations', () => {
  it('correct what was entered with a signed reason, keep the original values beside it, and leave the chain verifiable', async () => {
    const approved = await approvedCalibration('AMEND-1');
    const amended = await manager.post<Calibration>(`${path('AMEND-1', approved.calibrationNumber)}/amendments`, {
      reason: 'The reading at 80 °C was typed from the wrong line of the worksheet',
      asFound: [{ pointId: 'P2', value: 80.4 }],
      signature: sign,
    });
    expect(amended.status, amended.text).toBe(200);
    expect(amended.body.points[1]!.asFound).toEqual({ value: 80.4 });
    expect(amended.body).toMatchObject({ result: 'Pass', status: 'Approved', nextDue: approved.nextDue });
    expect(amended.body.amendments).toEqual([
      expect.objectContaining({
        number: 1,
        reason: 'The reading at 80 °C was typed from the wrong line of the worksheet',
        changes: [{ field: 'asFound.P2', before: { value: 80.2 }, after: { value: 80.4 } }],
        result: 'Pass',
        signature: expect.objectContaining({ username: 'manager1', meaning: 'Amended by' }),
      }),
    ]);
    expect(approved.signature.contentHash).toBe(amended.body.signature.contentHash);
    expect(await fitnessOf('AMEND-1')).toMatchObject({ state: 'fit' });
    const trail = await admin.get<{ items: { action: string; reason?: string }[] }>('/api/audit?labId=LAB01&entityType=equipment&entityId=AMEND-1');
    expect(trail.body.items.find((entry) => entry.action === 'calibration.amended')?.reason).toBe(
      'The reading at 80 °C was typed from the wrong line of the worksheet',
    );
    const csv = parse((await admin.get('/api/labs/LAB01/equipment/AMEND-1/history?format=csv&section=calibrations')).text, { columns: true }) as Record<
      string,
      string
    >[];
    expect(csv.map((row) => [row.point_id, row.as_found])).toEqual([
      ['P1', '60.3'],
      ['P2', '80.4'],
    ]);
    expect(csv[0]!.amendments).toContain('1: The reading at 80 °C was typed from the wrong line of the worksheet (Amended by manager1');
    expect(csv[0]!.amendments).toContain('asFound.P2 {"value":80.2} -> {"value":80.4}');
    expect(await verify()).toMatchObject({ intact: true });
  });

  it('judge the corrected readings again: a correction that fails makes the machine not fit, and correcting it back makes it fit', async () => {
    const approved = await approvedCalibration('AMEND-2');
    const failing = await manager.post<Calibration>(`${path('AMEND-2', approved.calibrationNumber)}/amendments`, {
      reason: 'The certificate shows 61.6 °C at 60 °C',
      asFound: [{ pointId: 'P1', value: 61.6 }],
      signature: sign,
    });
    expect(failing.status, failing.text).toBe(200);
    expect(failing.body).toMatchObject({ result: 'Fail', outOfTolerance: true, nextDue: null });
    expect(failing.body.points[0]!.asFoundResult).toMatchObject({ pass: false });
    expect(await fitnessOf('AMEND-2')).toMatchObject({ state: 'not fit', reasons: expect.arrayContaining(['out of tolerance']) });

    const back = await admin.post<Calibration>(`${path('AMEND-2', approved.calibrationNumber)}/amendments`, {
      reason: 'The certificate was another machine’s; 60.3 °C was right',
      asFound: [{ pointId: 'P1', value: 60.3 }],
      certificateNumber: 'INT-2026-118',
      signature: sign,
    });
    expect(back.status, back.text).toBe(200);
    expect(back.body).toMatchObject({ result: 'Pass', outOfTolerance: false, certificateNumber: 'INT-2026-118', nextDue: approved.nextDue });
    expect(back.body.amendments.map((amendment) => amendment.number)).toEqual([1, 2]);
    expect(await fitnessOf('AMEND-2')).toMatchObject({ state: 'fit' });
    expect(await verify()).toMatchObject({ intact: true });
  });

  it('are refused for calibrations not approved, for technicians, for corrections that change nothing or do not fit', async () => {
    const approved = await approvedCalibration('AMEND-3');
    const amendments = `${path('AMEND-3', approved.calibrationNumber)}/amendments`;
    const pending = await tech.post<Calibration>(path('AMEND-3'), {
      performedOn: daysAgo(1),
      kind: 'internal',
      asFound: [
        { pointId: 'P1', value: 60 },
        { pointId: 'P2', value: 80 },
      ],
      adjusted: false,
      signature: sign,
    });
    const onPending = await manager.post(`${path('AMEND-3', pending.body.calibrationNumber)}/amendments`, {
      reason: 'typo',
      asFound: [{ pointId: 'P1', value: 60.1 }],
      signature: sign,
    });
    expect(onPending.status).toBe(409);
    expect(problem(onPending.body).detail).toContain('still awaiting approval');
    expect((await tech.post(amendments, { reason: 'typo', asFound: [{ pointId: 'P1', value: 60.1 }], signature: sign })).status).toBe(403);
    const nothing = await manager.post(amendments, { reason: 'typo', asFound: [{ pointId: 'P1', value: 60.3 }], signature: sign });
    expect(nothing.status).toBe(400);
    expect(problem(nothing.body).detail).toContain('changes nothing');
    const misfit = await manager.post(amendments, {
      reason: 'typo',
      asFound: [{ pointId: 'P9', value: 1 }],
      asLeft: [{ pointId: 'P1', value: 60 }],
      adjustment: 'none',
      signature: sign,
    });
    expect(misfit.status).toBe(400);
    expect(
      problem(misfit.body)
        .errors?.map((error) => error.field)
        .sort(),
    ).toEqual(['adjustment', 'asFound.0.pointId', 'asLeft']);
    const unsigned = await manager.post(amendments, { reason: 'typo', asFound: [{ pointId: 'P1', value: 60.1 }], signature: { password: 'not the password' } });
    expect(unsigned.status).toBe(401);
    expect((await manager.get<Calibration>(path('AMEND-3', approved.calibrationNumber))).body.amendments).toEqual([]);
  });

  it('are checked by the audit verification: an amendment altered in the store is named', async () => {
    const approved = await approvedCalibration('AMEND-4');
    const amended = await manager.post<Calibration>(`${path('AMEND-4', approved.calibrationNumber)}/amendments`, {
      reason: 'Certificate number added',
      certificateNumber: 'INT-7',
      signature: sign,
    });
    expect(amended.status, amended.text).toBe(200);
    const equipment = await container('equipment');
    const id = `cal:${approved.calibrationNumber}`;
    const { resource } = await equipment.item(id, 'LAB01').read<Calibration>();
    await equipment.item(id, 'LAB01').replace({
      ...resource!,
      certificateNumber: 'INT-8',
      amendments: [{ ...resource!.amendments[0]!, changes: [{ field: 'certificateNumber', before: null, after: 'INT-8' }] }],
    });
    expect(await verify()).toMatchObject({
      intact: false,
      firstBroken: { recordNumber: approved.calibrationNumber, reason: 'the signature of amendment 1 does not match the amendment' },
    });
  });
});
