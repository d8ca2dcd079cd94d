import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { container } from '../shared/data/cosmos.js';
import { noteOverdueCalibrations } from '../shared/calibration/overdue-check.js';
import { addDays, nextDueDate } from '../shared/domain/calibration-rules.js';
import type { Calibration, CalibrationPlan, CalibrationReport, Provider, ReferenceStandard } from '../shared/schemas/calibration.js';
import type { Equipment } from '../shared/schemas/equipment.js';
import type { EquipmentHistory } from '../shared/schemas/equipment-history.js';
import type { RecordSummary } from '../shared/schemas/records.js';
import type { ApiClient } from './helpers/api-client.js';
import { newUserBody } from './helpers/fixtures.js';
import { demoPassword, startTestProduct, type TestProduct } from './helpers/test-product.js';
import { labDaysAgo } from './helpers/lab-days.js';
import { registerEquipment } from '../shared/equipment/manage-equipment.js';
import { systemActor } from '../shared/users/manage-users.js';

let product: TestProduct;
let admin: ApiClient;
let manager: ApiClient;
let secondManager: ApiClient;
let tech: ApiClient;

const problem = (body: unknown) => body as { detail: string; errors?: { field: string; message: string }[] };
const labDayOf = (iso: string, labId: string) =>
  new Date(iso).toLocaleDateString('en-CA', { timeZone: labId === 'LAB01' ? 'America/New_York' : 'America/Chicago' });
/** Days before the lab's own today, by which the product judges a calibration's date. */
const daysAgo = (days: number, labId = 'LAB01') => labDaysAgo(labId, days);
const sign = { password: demoPassword };

const thermometerPlan = {
  required: true,
  reason: 'Oven temperatures we report depend on it',
  intervalMonths: 12,
  warningDays: 30,
  graceDays: 7,
  decisionRule: 'simple',
  referenceStandard: false,
  points: [
    { name: '100 °C', unit: '°C', nominal: 100, lowerLimit: 99.5, upperLimit: 100.5 },
    { name: '200 °C', unit: '°C', nominal: 200, lowerLimit: 199, upperLimit: 201 },
  ],
};

const standardPlan = {
  ...thermometerPlan,
  reason: 'Reference thermometer for the oven probes',
  decisionRule: 'guard-band',
  referenceStandard: true,
  points: [{ ...thermometerPlan.points[0]!, maxUncertainty: 0.1 }],
};

/** Registered 500 days back, so calibrations dated weeks or a year ago are after it existed. */
async function register(labId: string, serialNumber: string, plan: object = thermometerPlan): Promise<void> {
  await registerEquipment(systemActor, labId, { serialNumber, modelId: 'Form 3B', status: 'In Service' }, null, new Date(Date.now() - 500 * 86_400_000));
  const set = await admin.put(`/api/labs/${labId}/equipment/${serialNumber}/calibration-plan`, plan);
  expect(set.status, set.text).toBe(200);
}

const passing = (performedOn: string, extra: object = {}) => ({
  performedOn,
  kind: 'internal',
  asFound: [
    { pointId: 'P1', value: 100.1 },
    { pointId: 'P2', value: 200.2 },
  ],
  adjusted: false,
  signature: sign,
  ...extra,
});

async function record(client: ApiClient, labId: string, serialNumber: string, body: object): Promise<Calibration> {
  const answer = await client.post<Calibration>(`/api/labs/${labId}/equipment/${serialNumber}/calibrations`, body);
  expect(answer.status, answer.text).toBe(201);
  return answer.body;
}

async function approve(client: ApiClient, labId: string, serialNumber: string, calibrationNumber: string): Promise<Calibration> {
  const answer = await client.post<Calibration>(`/api/labs/${labId}/equipment/${serialNumber}/calibrations/${calibrationNumber}/approval`, {
    decision: 'approve',
    signature: sign,
  });
  expect(answer.status, answer.text).toBe(200);
  return answer.body;
}

const fitnessOf = async (labId: string, serialNumber: string) => (await admin.get<Equipment>(`/api/labs/${labId}/equipment/${serialNumber}`)).body.fitness;

beforeAll(async () => {
  product = await startTestProduct();
  admin = await product.signedIn('admin');
  manager = await product.signedIn('manager1');
  tech = await product.signedIn('tech1');
  expect(
    (await admin.post('/api/users', newUserBody('manager2', { primaryLabId: 'LAB01', role: 'Manager', password: demoPassword, requirePasswordChange: false })))
      .status,
  ).toBe(201);
  expect((await admin.put('/api/users/manager2/labs/LAB05', { role: 'Manager' })).status).toBe(200);
  secondManager = await product.signedIn('manager2');
});
afterAll(async () => product.cleanup());

describe('calibration providers', () => {
  it('are added by an administrator, listed to managers, changed with an audit entry, and named once', async () => {
    const body = {
      name: 'Acme Metrology Ltd.',
      accreditationBody: 'UKAS',
      accreditationNumber: '0123',
      scope: 'Temperature −50 to 500 °C',
      accreditationExpires: '2099-12-31',
      approved: true,
    };
    const created = await admin.post<Provider>('/api/calibration-providers', body);
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ providerId: 'acme-metrology-ltd', approved: true });
    expect((await admin.post('/api/calibration-providers', body)).status).toBe(409);
    expect((await manager.get<{ items: Provider[] }>('/api/calibration-providers')).body.items.map((provider) => provider.providerId)).toContain(
      'acme-metrology-ltd',
    );
    expect((await manager.post('/api/calibration-providers', { ...body, name: 'Other' })).status).toBe(403);
    const changed = await admin.patch<Provider>('/api/calibration-providers/acme-metrology-ltd', { accreditationExpires: '2098-01-01' });
    expect(changed.body.accreditationExpires).toBe('2098-01-01');
    const trail = await admin.get<{ items: { action: string; entityId: string }[] }>('/api/audit?entityType=calibration-provider&entityId=acme-metrology-ltd');
    expect(trail.body.items.map((entry) => entry.action)).toEqual(['calibration-provider.updated', 'calibration-provider.created']);
  });
});

describe('a machine’s calibration plan', () => {
  it('keeps every version, refuses a stale one with 412, and asks why an interval changed', async () => {
    await register('LAB01', 'PLAN-1');
    const first = (await manager.get<CalibrationPlan>('/api/labs/LAB01/equipment/PLAN-1/calibration-plan')).body;
    expect(first.current).toMatchObject({ version: 1, points: [{ pointId: 'P1' }, { pointId: 'P2' }] });
    expect(first.fitness).toEqual({ state: 'not fit', reasons: ['not yet calibrated'], calibrationDue: null });

    const noVersion = await manager.put('/api/labs/LAB01/equipment/PLAN-1/calibration-plan', { ...thermometerPlan, warningDays: 10 });
    expect(noVersion.status).toBe(400);
    expect(problem(noVersion.body).errors).toEqual([{ field: 'version', message: 'is required: the plan is at version 1' }]);
    const noReason = await manager.put('/api/labs/LAB01/equipment/PLAN-1/calibration-plan', { ...thermometerPlan, intervalMonths: 6, version: 1 });
    expect(noReason.status).toBe(400);
    expect(problem(noReason.body).detail).toBe('Changing the interval from 12 months to 6 months needs a reason (ISO/IEC 17025 §6.4.7).');
    const changed = await manager.put<CalibrationPlan>('/api/labs/LAB01/equipment/PLAN-1/calibration-plan', {
      ...thermometerPlan,
      intervalMonths: 6,
      version: 1,
      changeReason: 'Drift found last year',
    });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.versions.map((version) => [version.version, version.intervalMonths, version.changeReason])).toEqual([
      [1, 12, null],
      [2, 6, 'Drift found last year'],
    ]);
    // Sent again without point ids, the points keep theirs by name, so earlier results stay tied to them.
    expect(changed.body.current!.points.map((point) => point.pointId)).toEqual(['P1', 'P2']);
    expect((await manager.put('/api/labs/LAB01/equipment/PLAN-1/calibration-plan', { ...thermometerPlan, version: 1, changeReason: 'x' })).status).toBe(412);
    expect((await tech.put('/api/labs/LAB01/equipment/PLAN-1/calibration-plan', { ...thermometerPlan, version: 2 })).status).toBe(403);
    expect((await tech.get('/api/labs/LAB01/equipment/PLAN-1/calibration-plan')).status).toBe(200);
  });
});

describe('recording and approving calibrations', () => {
  it('judges every point, waits for another manager’s signed approval, then makes the machine fit until the next due date', async () => {
    await register('LAB01', 'CAL-1');
    const performedOn = daysAgo(3);
    const entered = await record(tech, 'LAB01', 'CAL-1', passing(performedOn));
    expect(entered).toMatchObject({
      calibrationNumber: expect.stringMatching(/^LAB01-CAL-\d{6}$/),
      result: 'Pass',
      outOfTolerance: false,
      status: 'Awaiting approval',
      nextDue: null,
      signature: { username: 'tech1', meaning: 'Performed by', method: 'password' },
    });
    expect(entered.points.map((point) => point.asFoundResult)).toEqual([{ pass: true }, { pass: true }]);
    expect(await fitnessOf('LAB01', 'CAL-1')).toEqual({ state: 'not fit', reasons: ['awaiting approval'], calibrationDue: null });

    const technicianApproves = await tech.post(`/api/labs/LAB01/equipment/CAL-1/calibrations/${entered.calibrationNumber}/approval`, {
      decision: 'approve',
      signature: sign,
    });
    expect(technicianApproves.status).toBe(403);
    const managerEntered = await record(manager, 'LAB01', 'CAL-1', passing(performedOn));
    const own = await manager.post(`/api/labs/LAB01/equipment/CAL-1/calibrations/${managerEntered.calibrationNumber}/approval`, {
      decision: 'approve',
      signature: sign,
    });
    expect(own.status).toBe(409);
    expect(problem(own.body).detail).toBe(`You signed calibration ${managerEntered.calibrationNumber}; another manager approves it.`);

    const approved = await approve(manager, 'LAB01', 'CAL-1', entered.calibrationNumber);
    expect(approved).toMatchObject({
      status: 'Approved',
      nextDue: nextDueDate(performedOn, { months: 12 }),
      approval: { decision: 'approve', signature: { username: 'manager1', meaning: 'Approved by' } },
    });
    expect(await fitnessOf('LAB01', 'CAL-1')).toEqual({ state: 'fit', reasons: [], calibrationDue: nextDueDate(performedOn, { months: 12 }) });
    expect(
      (await manager.post(`/api/labs/LAB01/equipment/CAL-1/calibrations/${entered.calibrationNumber}/approval`, { decision: 'approve', signature: sign }))
        .status,
    ).toBe(409);

    const listed = await tech.get<{ items: Calibration[] }>('/api/labs/LAB01/equipment/CAL-1/calibrations');
    expect(listed.body.items.map((item) => item.calibrationNumber)).toEqual([managerEntered.calibrationNumber, entered.calibrationNumber]);
  });

  it('is decided where it was recorded after its machine moved, and the machine at its new lab shows the decision', async () => {
    await register('LAB01', 'CAL-MOVED');
    const performedOn = daysAgo(0);
    const entered = await record(tech, 'LAB01', 'CAL-MOVED', passing(performedOn));
    const moved = await manager.post('/api/labs/LAB01/equipment/CAL-MOVED/transfer', { toLabId: 'LAB02' });
    expect(moved.status, moved.text).toBe(200);

    const approved = await approve(manager, 'LAB01', 'CAL-MOVED', entered.calibrationNumber);
    const nextDue = nextDueDate(performedOn, { months: 12 });
    expect(approved).toMatchObject({ status: 'Approved', nextDue, labId: 'LAB01' });
    expect(await fitnessOf('LAB02', 'CAL-MOVED')).toEqual({ state: 'fit', reasons: [], calibrationDue: nextDue });
    const stored = await tech.get<Calibration>(`/api/labs/LAB01/equipment/CAL-MOVED/calibrations/${entered.calibrationNumber}`);
    expect(stored.body).toMatchObject({ status: 'Approved', nextDue, approval: { decision: 'approve', signature: { username: 'manager1' } } });
    const again = await manager.post(`/api/labs/LAB01/equipment/CAL-MOVED/calibrations/${entered.calibrationNumber}/approval`, {
      decision: 'reject',
      reason: 'second thoughts',
      signature: sign,
    });
    expect(again.status, again.text).toBe(409);
    // The new lab lists the calibration its machine brought, as its history does.
    const listed = await admin.get<{ items: Calibration[] }>('/api/labs/LAB02/equipment/CAL-MOVED/calibrations');
    expect(listed.body.items.map((item) => [item.calibrationNumber, item.labId, item.status])).toEqual([[entered.calibrationNumber, 'LAB01', 'Approved']]);
  });

  it('refuses a date before the machine was registered, naming the field and the registration date', async () => {
    expect((await admin.post('/api/labs/LAB01/equipment', { serialNumber: 'CAL-NEW', modelId: 'Form 3B' })).status).toBe(201);
    expect((await admin.put('/api/labs/LAB01/equipment/CAL-NEW/calibration-plan', thermometerPlan)).status).toBe(200);
    const trail = await admin.get<{ items: unknown[] }>('/api/audit?entityType=equipment&entityId=CAL-NEW');
    const early = await tech.post('/api/labs/LAB01/equipment/CAL-NEW/calibrations', passing(daysAgo(1)));
    expect(early.status, early.text).toBe(400);
    expect(problem(early.body).detail).toBe(
      `A calibration cannot predate its machine: Performed on is ${daysAgo(1)}, before CAL-NEW was registered on ${daysAgo(0)}.`,
    );
    expect((await admin.get<{ items: unknown[] }>('/api/audit?entityType=equipment&entityId=CAL-NEW')).body.items).toEqual(trail.body.items);
    const onTheDay = await record(tech, 'LAB01', 'CAL-NEW', passing(daysAgo(0)));
    await approve(manager, 'LAB01', 'CAL-NEW', onTheDay.calibrationNumber);
  });

  it('marks an as-found point outside its limits out of tolerance, not fit at once, until a passing calibration is approved', async () => {
    await register('LAB01', 'OOT-1');
    const first = await record(tech, 'LAB01', 'OOT-1', passing(daysAgo(40)));
    await approve(manager, 'LAB01', 'OOT-1', first.calibrationNumber);
    const found = await record(tech, 'LAB01', 'OOT-1', {
      ...passing(daysAgo(2)),
      asFound: [
        { pointId: 'P1', value: 100.9 },
        { pointId: 'P2', value: 200 },
      ],
      adjusted: true,
      adjustment: 'Offset corrected at 100 °C',
      asLeft: [
        { pointId: 'P1', value: 100.05 },
        { pointId: 'P2', value: 200 },
      ],
    });
    expect(found).toMatchObject({ result: 'Pass after adjustment', outOfTolerance: true });
    expect(found.points[0]).toMatchObject({
      asFound: { value: 100.9 },
      asFoundResult: { pass: false, why: '100.9 is outside 99.5 to 100.5' },
      asLeftResult: { pass: true },
    });
    // Out of tolerance as found opens a nonconformity that quarantines the machine (SPEC §10).
    expect((await fitnessOf('LAB01', 'OOT-1')).reasons).toEqual(['out of service', 'open nonconformity', 'out of tolerance', 'awaiting approval']);
    await approve(secondManager, 'LAB01', 'OOT-1', found.calibrationNumber);
    expect((await fitnessOf('LAB01', 'OOT-1')).reasons).toEqual(['out of service', 'open nonconformity']);
    // The event adjusted it back within limits and is approved: that verifies the return to service.
    const { quarantinedBy } = (await admin.get<Equipment>('/api/labs/LAB01/equipment/OOT-1')).body;
    const returned = await manager.post<Equipment>('/api/labs/LAB01/equipment/OOT-1/return-to-service', {
      nonconformities: quarantinedBy,
      note: 'Adjusted back within limits by the calibration',
      calibrationNumber: found.calibrationNumber,
      signature: sign,
    });
    expect(returned.status, returned.text).toBe(200);
    expect(await fitnessOf('LAB01', 'OOT-1')).toMatchObject({ state: 'fit', calibrationDue: nextDueDate(daysAgo(2), { months: 12 }) });
  });

  it('refuses readings that do not fit the plan, naming each field', async () => {
    await register('LAB01', 'BAD-1');
    const missing = await tech.post('/api/labs/LAB01/equipment/BAD-1/calibrations', {
      ...passing(daysAgo(1)),
      asFound: [
        { pointId: 'P1', value: 100 },
        { pointId: 'P9', value: 1 },
      ],
    });
    expect(missing.status).toBe(400);
    expect(problem(missing.body).errors).toEqual([
      { field: 'asFound.1.pointId', message: 'names no point of the plan (P1, P2)' },
      { field: 'asFound', message: 'must give every point of the plan; missing P2 (200 °C)' },
    ]);
    expect(problem(missing.body).detail).toBe(
      'The readings do not fit the calibration plan: As found 2 point ID names no point of the plan (P1, P2); As found must give every point of the plan; missing P2 (200 °C).',
    );
    const future = await tech.post('/api/labs/LAB01/equipment/BAD-1/calibrations', passing(addDays(daysAgo(0), 2)));
    expect(future.status).toBe(400);
    const external = await tech.post('/api/labs/LAB01/equipment/BAD-1/calibrations', {
      ...passing(daysAgo(1)),
      kind: 'external',
      providerId: 'acme-metrology-ltd',
    });
    expect(external.status).toBe(403);
    expect(problem(external.body).detail).toBe('Technicians record internal calibrations; a manager of the lab enters external ones.');
    const wrongPassword = await tech.post('/api/labs/LAB01/equipment/BAD-1/calibrations', {
      ...passing(daysAgo(1)),
      signature: { password: 'not the password' },
    });
    expect(wrongPassword.status).toBe(401);
    expect((await admin.get<{ items: Calibration[] }>('/api/labs/LAB01/equipment/BAD-1/calibrations')).body.items).toEqual([]);
  });

  it('gives 20 calibrations entered at once in one lab 20 different numbers', async () => {
    await register('LAB02', 'RACE-1');
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => manager.post<Calibration>('/api/labs/LAB02/equipment/RACE-1/calibrations', passing(daysAgo(1, 'LAB02')))),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(201));
    expect(new Set(answers.map((answer) => answer.body.calibrationNumber)).size).toBe(20);
  });
});

describe('reference standards and providers', () => {
  it('freezes a fit standard into the event, and refuses one that was not fit on the day, naming it', async () => {
    await register('LAB01', 'STD-1', standardPlan);
    await register('LAB01', 'PROBE-1');
    const notYet = await tech.post('/api/labs/LAB01/equipment/PROBE-1/calibrations', { ...passing(daysAgo(1)), standards: ['STD-1'] });
    expect(notYet.status).toBe(409);
    expect(problem(notYet.body).detail).toBe(
      `The reference standard STD-1 was not fit for use on ${daysAgo(1)}: it had no approved calibration on ${daysAgo(1)}.`,
    );

    const standardCalibration = await record(tech, 'LAB01', 'STD-1', { ...passing(daysAgo(10)), asFound: [{ pointId: 'P1', value: 100, uncertainty: 0.05 }] });
    await approve(manager, 'LAB01', 'STD-1', standardCalibration.calibrationNumber);
    const used = await record(tech, 'LAB01', 'PROBE-1', { ...passing(daysAgo(1)), standards: ['std-1'] });
    expect(used.standards).toEqual([
      {
        serialNumber: 'STD-1',
        labId: 'LAB01',
        calibrationNumber: standardCalibration.calibrationNumber,
        calibratedOn: daysAgo(10),
        dueOn: nextDueDate(daysAgo(10), { months: 12 }),
      },
    ]);
    const before = await tech.post('/api/labs/LAB01/equipment/PROBE-1/calibrations', { ...passing(daysAgo(20)), standards: ['STD-1'] });
    expect(before.status).toBe(409);
    const notAStandard = await tech.post('/api/labs/LAB01/equipment/PROBE-1/calibrations', { ...passing(daysAgo(1)), standards: ['CAL-1'] });
    expect(problem(notAStandard.body).detail).toMatch(/^The reference standard CAL-1 was not fit for use on .*: it is not a reference standard/);
  });

  it('refuses a standard of another kind, one measuring in other units (a weight set for an oven probe), naming both, and writes nothing', async () => {
    await register('LAB01', 'PROBE-KIND');
    const { body: listed } = await tech.get<{ items: ReferenceStandard[] }>('/api/labs/LAB01/calibrations/standards');
    expect(listed.items.find((standard) => standard.serialNumber === 'REF-W-02')?.units).toEqual(['g']);
    expect(listed.items.find((standard) => standard.serialNumber === 'REF-T-01')?.units).toEqual(['°C']);
    // The audit trail is newest first: its first entry does not change when nothing is written.
    const newestEntry = async () => (await admin.get<{ items: unknown[] }>('/api/audit?labId=LAB01&pageSize=1')).body.items[0];
    const before = await newestEntry();
    const weights = await tech.post('/api/labs/LAB01/equipment/PROBE-KIND/calibrations', { ...passing(daysAgo(1)), standards: ['REF-W-02'] });
    expect(weights.status).toBe(400);
    expect(problem(weights.body).detail).toBe('REF-W-02 measures in g, not in °C: choose a reference standard for what PROBE-KIND measures.');
    expect(problem(weights.body).errors).toEqual([{ field: 'standards', message: 'names REF-W-02, which measures in g' }]);
    expect((await admin.get<{ calibrations: unknown[] }>('/api/labs/LAB01/equipment/PROBE-KIND/history')).body.calibrations).toEqual([]);
    expect(await newestEntry()).toEqual(before);
  });

  it('refuses an unapproved or expired provider unless an administrator overrides it with a reason', async () => {
    await register('LAB01', 'EXT-1');
    const provider = { accreditationBody: 'A2LA', accreditationNumber: '9', scope: 'Temperature', approved: false, accreditationExpires: '2099-01-01' };
    expect((await admin.post('/api/calibration-providers', { ...provider, name: 'Unapproved Cal' })).status).toBe(201);
    expect(
      (await admin.post('/api/calibration-providers', { ...provider, name: 'Lapsed Cal', approved: true, accreditationExpires: daysAgo(30) })).status,
    ).toBe(201);
    const external = (providerId: string, extra: object = {}) => ({ ...passing(daysAgo(1)), kind: 'external', providerId, certificateNumber: 'C-1', ...extra });

    const unapproved = await manager.post('/api/labs/LAB01/equipment/EXT-1/calibrations', external('unapproved-cal'));
    expect(unapproved.status).toBe(409);
    expect(problem(unapproved.body).detail).toBe(
      'Unapproved Cal is not an approved provider: the calibration is refused unless an administrator records it with an override reason.',
    );
    const lapsed = await manager.post('/api/labs/LAB01/equipment/EXT-1/calibrations', external('lapsed-cal'));
    expect(problem(lapsed.body).detail).toBe(
      `The accreditation of Lapsed Cal expired on ${daysAgo(30)}: the calibration is refused unless an administrator records it with an override reason.`,
    );
    expect(
      (await manager.post('/api/labs/LAB01/equipment/EXT-1/calibrations', external('lapsed-cal', { overrideReason: 'Only lab able to do it' }))).status,
    ).toBe(403);
    const overridden = await record(admin, 'LAB01', 'EXT-1', external('lapsed-cal', { overrideReason: 'Only lab able to do it this month' }));
    expect(overridden.override).toEqual({ reason: 'Only lab able to do it this month', by: { username: 'admin', displayName: expect.any(String) } });
    const accredited = await record(manager, 'LAB01', 'EXT-1', external('acme-metrology-ltd'));
    expect(accredited.provider).toMatchObject({ providerId: 'acme-metrology-ltd', accreditationNumber: '0123', approved: true });
  });
});

describe('the lab’s calibrations due', () => {
  it('lists overdue and never-calibrated machines first, then those due within the days asked, and every chain still verifies', async () => {
    await register('LAB05', 'DUE-NEVER');
    await register('LAB05', 'DUE-LATE', { ...thermometerPlan, intervalDays: 30, intervalMonths: undefined });
    await register('LAB05', 'DUE-SOON', { ...thermometerPlan, intervalDays: 45, intervalMonths: undefined });
    await register('LAB05', 'DUE-LATER');
    for (const [serial, performedOn] of [
      ['DUE-LATE', daysAgo(60, 'LAB05')],
      ['DUE-SOON', daysAgo(30, 'LAB05')],
      ['DUE-LATER', daysAgo(1, 'LAB05')],
    ] as const) {
      const entered = await record(admin, 'LAB05', serial, passing(performedOn));
      await approve(secondManager, 'LAB05', serial, entered.calibrationNumber);
    }
    const due = await tech.get<{ items: { serialNumber: string; daysLeft: number | null; fitness: { state: string; reasons: string[] } }[] }>(
      '/api/labs/LAB05/calibrations/due?within=30',
    );
    expect(due.status).toBe(403);
    const listed = await secondManager.get<{ items: { serialNumber: string; daysLeft: number | null; fitness: { state: string; reasons: string[] } }[] }>(
      '/api/labs/LAB05/calibrations/due?within=30',
    );
    expect(listed.body.items.map((item) => [item.serialNumber, item.daysLeft, item.fitness.state])).toEqual([
      ['DUE-NEVER', null, 'not fit'],
      ['DUE-LATE', -30, 'not fit'],
      ['DUE-SOON', 15, 'due soon'],
    ]);
    // A calibration waiting for approval puts its machine on the list, however far its due date (the approval queue).
    const pending = await record(admin, 'LAB05', 'DUE-LATER', passing(daysAgo(0, 'LAB05')));
    const queued = await secondManager.get<{ items: { serialNumber: string; awaitingApproval: string[] }[] }>('/api/labs/LAB05/calibrations/due?within=30');
    expect(queued.body.items.find((item) => item.serialNumber === 'DUE-LATER')?.awaitingApproval).toEqual([pending.calibrationNumber]);
    // In pages, in the same order: the second page starts where the first ended.
    const first = await secondManager.get<{ items: { serialNumber: string }[]; continuationToken: string | null }>(
      '/api/labs/LAB05/calibrations/due?within=30&pageSize=2',
    );
    expect(first.body.items.map((item) => item.serialNumber)).toEqual(['DUE-NEVER', 'DUE-LATE']);
    const rest = await secondManager.get<{ items: { serialNumber: string }[]; continuationToken: string | null }>(
      `/api/labs/LAB05/calibrations/due?within=30&pageSize=2&continuationToken=${encodeURIComponent(first.body.continuationToken!)}`,
    );
    expect(rest.body.items.map((item) => item.serialNumber)).toEqual(['DUE-SOON', 'DUE-LATER']);
    expect(rest.body.continuationToken).toBeNull();
    const damaged = await secondManager.get<{ detail: string }>('/api/labs/LAB05/calibrations/due?continuationToken=bm90LWEtdG9rZW4');
    expect(damaged.status).toBe(400);
    expect(damaged.body.detail).toBe('The continuation token is not valid; start again from the first page.');
    expect((await secondManager.get('/api/labs/LAB05/calibrations/due?within=400')).status).toBe(400);
    const verified = await admin.get<{ intact: boolean }>('/api/audit/verify?labId=LAB01');
    expect(verified.body.intact).toBe(true);
  });
});

describe('the reference standards a calibration may name', () => {
  it('are the company’s, from every lab, with their fitness on the lab’s date, fit ones first', async () => {
    const standards = await tech.get<{ items: ReferenceStandard[] }>('/api/labs/LAB01/calibrations/standards');
    expect(standards.status).toBe(200);
    const bySerial = new Map(standards.body.items.map((standard) => [standard.serialNumber, standard]));
    expect(bySerial.get('REF-T-01')).toMatchObject({ labId: 'LAB01', modelId: 'Fluke 1524', fitness: { state: 'fit' } });
    expect(bySerial.get('REF-W-02')).toMatchObject({ labId: 'LAB02', fitness: { state: expect.stringMatching(/^(fit|due soon)$/) } });
    expect(bySerial.has('PS2-01-003')).toBe(false);
    const states = standards.body.items.map((standard) => standard.fitness.state === 'not fit');
    expect(states).toEqual([...states].sort((a, b) => Number(a) - Number(b)));
  });
});

describe('dashboard rows', () => {
  it('carry the fitness of machines that are not fit or due soon, and follow an approval at once', async () => {
    const rows = async () =>
      new Map((await manager.get<{ items: RecordSummary[] }>('/api/labs/LAB01/dashboard')).body.items.map((row) => [row.serialNumber, row.fitness]));
    const before = await rows();
    expect(before.get('PS2-01-007')).toMatchObject({ state: 'not fit', reasons: ['calibration overdue'] });
    expect(before.get('PS2-01-003')).toMatchObject({ state: 'due soon' });
    // Calibrated two days ago (awaiting approval) within its interval: fit, so its rows carry no fitness.
    expect(before.get('PS2-01-011')).toBeUndefined();
    // PLAN-1 (above) has a plan and no calibration; the generator has made its checklists since.
    expect(before.get('PLAN-1')).toMatchObject({ state: 'not fit', reasons: ['not yet calibrated'] });
    const withoutPlan = [...before.keys()].filter((serial) => !['PS2-01-003', 'PS2-01-007', 'PLAN-1'].includes(serial));
    expect(withoutPlan.length).toBeGreaterThan(3);
    expect(withoutPlan.filter((serial) => before.get(serial))).toEqual([]);
    const fresh = await record(tech, 'LAB01', 'PLAN-1', passing(daysAgo(1)));
    await approve(manager, 'LAB01', 'PLAN-1', fresh.calibrationNumber);
    expect((await rows()).get('PLAN-1')).toBeUndefined();
  });
});

describe('the audit verification', () => {
  it('names a calibration whose stored values were changed outside the product', async () => {
    await register('LAB02', 'TAMPER-1');
    const entered = await record(manager, 'LAB02', 'TAMPER-1', passing(daysAgo(1, 'LAB02')));
    expect((await admin.get<{ intact: boolean }>('/api/audit/verify?labId=LAB02')).body.intact).toBe(true);
    const equipment = await container('equipment');
    const { resource } = await equipment.item(`cal:${entered.calibrationNumber}`, 'LAB02').read<Calibration>();
    const altered = { ...resource!, points: resource!.points.map((point, index) => (index === 0 ? { ...point, asFound: { value: 100.4 } } : point)) };
    await equipment.item(`cal:${entered.calibrationNumber}`, 'LAB02').replace(altered);
    const verified = await admin.get<{ intact: boolean; firstBroken: { recordNumber: string; reason: string } }>('/api/audit/verify?labId=LAB02');
    expect(verified.body).toMatchObject({
      intact: false,
      firstBroken: { recordNumber: entered.calibrationNumber, reason: 'the calibration signature does not match the calibration as entered' },
    });
  });
});

describe('the hourly calibration check', () => {
  it('notes a machine past its due date and grace once, in the audit trail, and a passing approved calibration makes it fit again', async () => {
    await register('LAB02', 'LAPSE-1', { ...thermometerPlan, intervalMonths: undefined, intervalDays: 30, graceDays: 5, warningDays: 7 });
    const old = await record(manager, 'LAB02', 'LAPSE-1', passing(daysAgo(40, 'LAB02')));
    await approve(admin, 'LAB02', 'LAPSE-1', old.calibrationNumber);
    expect(await fitnessOf('LAB02', 'LAPSE-1')).toMatchObject({ state: 'not fit', reasons: ['calibration overdue'] });
    expect(await noteOverdueCalibrations('LAB02')).toContain('LAPSE-1');
    expect(await noteOverdueCalibrations('LAB02')).not.toContain('LAPSE-1');
    const trail = await admin.get<{ items: { action: string; reason: string }[] }>('/api/audit?labId=LAB02&entityType=equipment&entityId=LAPSE-1');
    expect(trail.body.items.filter((entry) => entry.action === 'calibration.overdue')).toEqual([
      expect.objectContaining({ reason: `calibration was due on ${addDays(daysAgo(40, 'LAB02'), 30)}; past its grace period the machine is not fit for use` }),
    ]);
    const fresh = await record(manager, 'LAB02', 'LAPSE-1', passing(daysAgo(1, 'LAB02')));
    await approve(admin, 'LAB02', 'LAPSE-1', fresh.calibrationNumber);
    expect(await fitnessOf('LAB02', 'LAPSE-1')).toMatchObject({ state: 'fit', calibrationDue: addDays(daysAgo(1, 'LAB02'), 30) });
    expect(await noteOverdueCalibrations('LAB02')).not.toContain('LAPSE-1');
  });
});

describe('the equipment history', () => {
  it('of the demo read in order for an assessor: registered, then planned, then calibrated; a provider’s certificate entered, not performed, by who typed it', async () => {
    const demoCalibrated = [
      ['LAB01', 'REF-T-01'],
      ['LAB01', 'REF-T-02'],
      ['LAB01', 'PS2-01-003'],
      ['LAB01', 'PS2-01-007'],
      ['LAB01', 'PS2-01-011'],
      ['LAB02', 'PS2-02-003'],
      ['LAB02', 'REF-W-02'],
      ['LAB02', 'BAL-02-001'],
    ] as const;
    const found: string[] = [];
    for (const [labId, serialNumber] of demoCalibrated) {
      const { body: history } = await admin.get<EquipmentHistory>(`/api/labs/${labId}/equipment/${serialNumber}/history`);
      const registeredAt = history.events.find((event) => event.kind === 'registered')!.at;
      for (const plan of history.calibrationPlans)
        if (plan.changedAt < registeredAt) found.push(`${serialNumber} plan version ${plan.version} predates its registration`);
      for (const calibration of history.calibrations) {
        const judgedBy = history.calibrationPlans.find((plan) => plan.version === calibration.planVersion)!;
        // Both on the lab's calendar: the version was in place by the end of the day of the calibration.
        if (labDayOf(judgedBy.changedAt, labId) > calibration.performedOn)
          found.push(`${calibration.calibrationNumber} of ${calibration.performedOn} judged by plan version ${judgedBy.version} of ${judgedBy.changedAt}`);
        const meaning = calibration.kind === 'external' ? 'Entered by' : 'Performed by';
        if (calibration.signature.meaning !== meaning)
          found.push(`${calibration.calibrationNumber} (${calibration.kind}) signed "${calibration.signature.meaning}"`);
        if (calibration.kind === 'external' && !calibration.provider?.name) found.push(`${calibration.calibrationNumber} names no provider`);
      }
    }
    expect(found).toEqual([]);
  });

  it('holds every calibration and plan version, and its calibrations CSV has one row per point with results and signers', async () => {
    const history = await admin.get<{ calibrationPlans: { version: number }[]; calibrations: Calibration[] }>('/api/labs/LAB01/equipment/OOT-1/history');
    expect(history.status).toBe(200);
    expect(history.body.calibrationPlans.map((plan) => plan.version)).toEqual([1]);
    expect(history.body.calibrations.map((calibration) => calibration.result)).toEqual(['Pass after adjustment', 'Pass']);
    const csv = await admin.get('/api/labs/LAB01/equipment/OOT-1/history?format=csv&section=calibrations');
    expect(csv.status).toBe(200);
    const rows = parse(csv.text, { columns: true, bom: true }) as Record<string, string>[];
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatchObject({
      serial_number: 'OOT-1',
      point_id: 'P1',
      lower_limit: '99.5',
      upper_limit: '100.5',
      as_found: '100.9',
      as_found_pass: 'false',
      adjusted: 'true',
      as_left: '100.05',
      as_left_pass: 'true',
      result: 'Pass after adjustment',
      out_of_tolerance: 'true',
      performed_by_username: 'tech1',
      decided_by_username: 'manager2',
      decision: 'approve',
    });
  });
});

describe('the calibration report', () => {
  it('lists what is due, the certificate register, the on-time rate and the findings, and reads back as CSV', async () => {
    const report = await manager.get<CalibrationReport>('/api/reports/calibration?labId=LAB01');
    expect(report.status, report.text).toBe(200);
    expect(report.body.due.map((item) => item.serialNumber)).toContain('PS2-01-007');
    expect(report.body.due.find((item) => item.serialNumber === 'PS2-01-007')).toMatchObject({
      labId: 'LAB01',
      fitness: { state: 'not fit', reasons: ['calibration overdue'] },
    });
    expect(report.body.certificates.find((row) => row.certificateNumber === 'C-1' && row.provider === 'Acme Metrology Ltd.')).toMatchObject({
      serialNumber: 'EXT-1',
      kind: 'external',
      accreditation: 'UKAS 0123',
    });
    const rate = report.body.rate.find((row) => row.labId === 'LAB01')!;
    expect(rate.approved).toBe(rate.onTime + rate.late);
    expect(rate.approved).toBeGreaterThan(0);
    expect(report.body.findings.find((row) => row.serialNumber === 'OOT-1')).toMatchObject({
      result: 'Pass after adjustment',
      outOfTolerance: true,
      points: ['100 °C: 100.9 is outside 99.5 to 100.5'],
    });
    const csv = await manager.get('/api/reports/calibration?labId=LAB01&format=csv&section=findings');
    const rows = parse(csv.text, { columns: true, bom: true }) as Record<string, string>[];
    expect(rows.find((row) => row.serial_number === 'OOT-1')).toMatchObject({
      lab_name: 'Boston Dental Lab',
      out_of_tolerance: 'true',
      points_outside_limits: '100 °C: 100.9 is outside 99.5 to 100.5',
      generated_by_username: 'manager1',
    });
    expect((await tech.get('/api/reports/calibration?labId=LAB01')).status).toBe(403);
    // Found by the fuzz test: a date check must refuse any text with a 400, never throw.
    for (const from of ['constructor', '2027-02-30', '2027-13-01']) {
      const refused = await manager.get(`/api/reports/calibration?labId=LAB01&from=${from}`);
      expect(refused.status, from).toBe(400);
      expect(problem(refused.body).errors).toEqual([{ field: 'from', message: expect.stringMatching(/^must be a date/) }]);
    }
    expect((await manager.get('/api/reports/calibration?labId=LAB03')).status).toBe(403);
  });
});

describe('a model’s default calibration plan', () => {
  it('is copied to a machine as its first plan version when it is registered, and the machine keeps it when the model changes', async () => {
    const { points: _points, ...planWithoutPoints } = thermometerPlan;
    const refused = await admin.post('/api/models', {
      modelId: 'Cal Oven',
      manufacturer: 'Ivoclar',
      equipmentClass: 'Sinter Oven',
      frequencies: {},
      calibrationPlan: { ...planWithoutPoints, intervalMonths: undefined, points: [] },
    });
    expect(refused.status).toBe(400);
    expect(
      problem(refused.body)
        .errors?.map((error) => error.field)
        .sort(),
    ).toEqual(['calibrationPlan.intervalMonths', 'calibrationPlan.points']);

    const created = await admin.post<{ version: number; calibrationPlan: { points: object[] } }>('/api/models', {
      modelId: 'Cal Oven',
      manufacturer: 'Ivoclar',
      equipmentClass: 'Sinter Oven',
      frequencies: {},
      calibrationPlan: thermometerPlan,
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.calibrationPlan.points).toHaveLength(2);
    expect((await admin.post('/api/labs/LAB01/equipment', { serialNumber: 'OVEN-NEW-1', modelId: 'Cal Oven' })).status).toBe(201);
    const plan = (await manager.get<CalibrationPlan>('/api/labs/LAB01/equipment/OVEN-NEW-1/calibration-plan')).body;
    expect(plan.current).toMatchObject({
      version: 1,
      intervalMonths: 12,
      points: [
        { pointId: 'P1', name: '100 °C' },
        { pointId: 'P2', name: '200 °C' },
      ],
      changeReason: 'copied from the default plan of model Cal Oven (version 1)',
      changedBy: { username: 'admin' },
    });
    expect(plan.fitness.reasons).toEqual(['not yet calibrated']);

    const changed = await admin.put<{ version: number; calibrationPlan?: object }>('/api/models/Cal%20Oven', {
      manufacturer: 'Ivoclar',
      equipmentClass: 'Sinter Oven',
      frequencies: {},
      version: 1,
    });
    expect(changed.body).toMatchObject({ version: 2 });
    expect(changed.body.calibrationPlan).toBeUndefined();
    expect((await manager.get<CalibrationPlan>('/api/labs/LAB01/equipment/OVEN-NEW-1/calibration-plan')).body.current?.version).toBe(1);
    const trail = await admin.get<{ items: { action: string; reason?: string }[] }>('/api/audit?labId=LAB01&entityType=equipment&entityId=OVEN-NEW-1');
    expect(trail.body.items.map((entry) => entry.action).sort()).toEqual(['calibration-plan.changed', 'equipment.registered']);
  });
});
