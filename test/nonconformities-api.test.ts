import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Calibration } from '../shared/schemas/calibration.js';
import type { Equipment } from '../shared/schemas/equipment.js';
import type { ImpactInboxItem, Nonconformity, NonconformityReport } from '../shared/schemas/nonconformities.js';
import type { PmRecord } from '../shared/schemas/records.js';
import { localDay, startOfDay } from '../shared/domain/periods.js';
import { generateLab } from '../shared/jobs/lab-run.js';
import type { ApiClient } from './helpers/api-client.js';
import { newUserBody, oneHundredDegreePlan } from './helpers/fixtures.js';
import { demoPassword, startTestProduct, type TestProduct } from './helpers/test-product.js';
import { labDaysAgo } from './helpers/lab-days.js';
import { registerEquipment } from '../shared/equipment/manage-equipment.js';
import { systemActor } from '../shared/users/manage-users.js';

let product: TestProduct;
let admin: ApiClient;
let manager: ApiClient;
let lab2Manager: ApiClient;
/** Manager of LAB01 only (the demo's manager1 manages LAB02 as well). */
let lab1OnlyManager: ApiClient;
let tech: ApiClient;

const sign = { password: demoPassword };
/** Days before the lab's own today, by which the product judges a calibration's date. */
const daysAgo = (days: number, labId = 'LAB01') => labDaysAgo(labId, days);
const problem = (body: unknown) => body as { detail: string };

const instrumentPlan = oneHundredDegreePlan;
const standardPlan = { ...instrumentPlan, reason: 'Reference thermometer', referenceStandard: true };

/** Registered 500 days back, so calibrations dated months ago are after it existed. */
async function register(labId: string, serialNumber: string, plan: object | null = instrumentPlan): Promise<void> {
  await registerEquipment(systemActor, labId, { serialNumber, modelId: 'Form 3B', status: 'In Service' }, null, new Date(Date.now() - 500 * 86_400_000));
  if (plan) expect((await admin.put(`/api/labs/${labId}/equipment/${serialNumber}/calibration-plan`, plan)).status).toBe(200);
}

const reading = (performedOn: string, value: number, standards: string[] = []) => ({
  performedOn,
  kind: 'internal',
  asFound: [{ pointId: 'P1', value }],
  adjusted: false,
  standards,
  signature: sign,
});

/** Recorded by the administrator, approved by the lab's manager: two people, as the product asks. */
async function calibrate(labId: string, serialNumber: string, body: object, approver: ApiClient | null = manager): Promise<Calibration> {
  const recorded = await admin.post<Calibration>(`/api/labs/${labId}/equipment/${serialNumber}/calibrations`, body);
  expect(recorded.status, recorded.text).toBe(201);
  if (!approver) return recorded.body;
  const approved = await approver.post<Calibration>(`/api/labs/${labId}/equipment/${serialNumber}/calibrations/${recorded.body.calibrationNumber}/approval`, {
    decision: 'approve',
    signature: sign,
  });
  expect(approved.status, approved.text).toBe(200);
  return approved.body;
}

const ncsOf = async (labId: string, serialNumber: string) =>
  (await admin.get<{ items: Nonconformity[] }>(`/api/labs/${labId}/nonconformities?serialNumber=${serialNumber}`)).body.items;
const machine = async (labId: string, serialNumber: string) => (await admin.get<Equipment>(`/api/labs/${labId}/equipment/${serialNumber}`)).body;
const recordsOf = async (labId: string, serialNumber: string, status: string) =>
  (await admin.get<{ items: PmRecord[] }>(`/api/labs/${labId}/records?status=${status}&serialNumber=${serialNumber}&pageSize=1000`)).body.items;

beforeAll(async () => {
  product = await startTestProduct();
  admin = await product.signedIn('admin');
  manager = await product.signedIn('manager1');
  tech = await product.signedIn('tech1');
  expect(
    (await admin.post('/api/users', newUserBody('manager3', { primaryLabId: 'LAB02', role: 'Manager', password: demoPassword, requirePasswordChange: false })))
      .status,
  ).toBe(201);
  lab2Manager = await product.signedIn('manager3');
  expect(
    (await admin.post('/api/users', newUserBody('manager4', { primaryLabId: 'LAB01', role: 'Manager', password: demoPassword, requirePasswordChange: false })))
      .status,
  ).toBe(201);
  lab1OnlyManager = await product.signedIn('manager4');
});
afterAll(async () => product.cleanup());

describe('a reference standard found out of tolerance', () => {
  let nc: Nonconformity;
  let standardFinding: Calibration;

  beforeAll(async () => {
    await register('LAB01', 'STD-NC', standardPlan);
    await register('LAB01', 'INS-A');
    await register('LAB02', 'INS-B');
    await calibrate('LAB01', 'STD-NC', reading(daysAgo(200), 100));
    const outside = await calibrate('LAB01', 'INS-A', reading(daysAgo(150), 100.1, ['STD-NC']), manager);
    expect(outside.standards.map((standard) => standard.serialNumber)).toEqual(['STD-NC']);
    await calibrate('LAB01', 'STD-NC', reading(daysAgo(100), 100));
    await calibrate('LAB01', 'INS-A', reading(daysAgo(50), 100.1, ['STD-NC']));
    await calibrate('LAB02', 'INS-B', reading(daysAgo(40, 'LAB02'), 100.2, ['STD-NC']), lab2Manager);
    standardFinding = await calibrate('LAB01', 'STD-NC', reading(daysAgo(10), 101.3), null);
    expect(standardFinding.outOfTolerance).toBe(true);
    const opened = await ncsOf('LAB01', 'STD-NC');
    expect(opened).toHaveLength(1);
    nc = opened[0]!;
  });

  it('opens a nonconformity in the same write, quarantines the standard, and lists exactly the calibrations in two labs that used it inside the window', async () => {
    expect(nc).toMatchObject({
      ncNumber: expect.stringMatching(/^LAB01-NC-\d{6}$/),
      source: 'calibration',
      calibrationNumber: standardFinding.calibrationNumber,
      status: 'Open',
      window: { from: daysAgo(100), to: daysAgo(10) },
      openedBy: { username: 'admin' },
    });
    expect(nc.description).toContain('out of tolerance');
    expect(nc.items.map((item) => [item.kind, item.labId, item.serialNumber, item.on])).toEqual([
      ['calibration', 'LAB01', 'INS-A', daysAgo(50)],
      ['calibration', 'LAB02', 'INS-B', daysAgo(40, 'LAB02')],
    ]);
    const standard = await machine('LAB01', 'STD-NC');
    expect(standard.status).toBe('Out of Service');
    expect(standard.fitness.reasons).toEqual(expect.arrayContaining(['out of service', 'open nonconformity', 'out of tolerance']));
    const trail = await admin.get<{ items: { action: string }[] }>(`/api/audit?entityType=nonconformity&entityId=${nc.ncNumber}`);
    expect(trail.body.items.map((entry) => entry.action)).toEqual(['nonconformity.opened']);
  });

  it("shows another lab's item in that lab's own list, and only that lab's managers dispose it", async () => {
    const inbox = await lab2Manager.get<{ items: ImpactInboxItem[] }>('/api/labs/LAB02/nonconformity-items');
    expect(inbox.status, inbox.text).toBe(200);
    // The demo's own reference thermometer finding reaches LAB02 too; this nonconformity adds INS-B.
    expect(inbox.body.items.filter((item) => item.ncNumber === nc.ncNumber).map((item) => [item.ncLabId, item.serialNumber])).toEqual([['LAB01', 'INS-B']]);
    expect((await lab2Manager.get(`/api/labs/LAB01/nonconformities/${nc.ncNumber}`)).status).toBe(200);
    const lab2Item = nc.items.find((item) => item.labId === 'LAB02')!;
    const disposal = (itemId: string, disposition = 'Recalibrate') => ({
      itemId,
      disposition,
      reason: 'Reading made with a drifted reference',
      signature: sign,
    });
    const byLab1Manager = await lab1OnlyManager.post(`/api/labs/LAB01/nonconformities/${nc.ncNumber}/dispositions`, disposal(lab2Item.itemId));
    expect(byLab1Manager.status).toBe(403);
    expect(problem(byLab1Manager.body).detail).toContain('LAB02');
    expect((await tech.post(`/api/labs/LAB01/nonconformities/${nc.ncNumber}/dispositions`, disposal(nc.items[0]!.itemId))).status).toBe(403);
    const disposed = await lab2Manager.post<Nonconformity>(`/api/labs/LAB01/nonconformities/${nc.ncNumber}/dispositions`, disposal(lab2Item.itemId));
    expect(disposed.status, disposed.text).toBe(200);
    expect(disposed.body.items.find((item) => item.itemId === lab2Item.itemId)!.disposition).toMatchObject({
      disposition: 'Recalibrate',
      by: { username: 'manager3' },
      signature: { meaning: 'Disposed by' },
    });
    expect((await machine('LAB02', 'INS-B')).fitness.reasons).toContain('recalibration requested');
    expect((await lab2Manager.post(`/api/labs/LAB01/nonconformities/${nc.ncNumber}/dispositions`, disposal(lab2Item.itemId, 'No impact'))).status).toBe(409);
    expect(
      (await lab2Manager.get<{ items: ImpactInboxItem[] }>('/api/labs/LAB02/nonconformity-items')).body.items.filter((item) => item.ncNumber === nc.ncNumber),
    ).toEqual([]);
    // The next approved calibration answers the request.
    await calibrate('LAB02', 'INS-B', reading(daysAgo(0, 'LAB02'), 100, []), lab2Manager);
    expect((await machine('LAB02', 'INS-B')).fitness.reasons).not.toContain('recalibration requested');
  });

  it('closes only when every item has a disposition (409 naming the rest), and never by a technician', async () => {
    const early = await manager.post(`/api/labs/LAB01/nonconformities/${nc.ncNumber}/close`, {
      summary: 'Standard drifted; reference replaced',
      signature: sign,
    });
    expect(early.status).toBe(409);
    const lab1Item = nc.items.find((item) => item.labId === 'LAB01')!;
    expect(problem(early.body).detail).toContain(lab1Item.itemId);
    expect((await tech.post(`/api/labs/LAB01/nonconformities/${nc.ncNumber}/close`, { summary: 'x', signature: sign })).status).toBe(403);
    expect(
      (
        await manager.post(`/api/labs/LAB01/nonconformities/${nc.ncNumber}/dispositions`, {
          itemId: lab1Item.itemId,
          disposition: 'No impact',
          reason: 'Within the instrument’s own tolerance',
          signature: sign,
        })
      ).status,
    ).toBe(200);
    const closed = await manager.post<Nonconformity>(`/api/labs/LAB01/nonconformities/${nc.ncNumber}/close`, {
      summary: 'Standard drifted; reference replaced',
      signature: sign,
    });
    expect(closed.status, closed.text).toBe(200);
    expect(closed.body).toMatchObject({ status: 'Closed', closure: { summary: 'Standard drifted; reference replaced', signature: { meaning: 'Closed by' } } });
    expect((await manager.post(`/api/labs/LAB01/nonconformities/${nc.ncNumber}/actions`, { text: 'late note' })).status).toBe(409);
  });

  it('returns to service only with an approved passing calibration made since the quarantine, signed Verified by', async () => {
    const bare = await manager.post('/api/labs/LAB01/equipment/STD-NC/return-to-service', {
      nonconformities: [nc.ncNumber],
      note: 'Recalibrated',
      signature: sign,
    });
    expect(bare.status).toBe(409);
    expect(problem(bare.body).detail).toContain('approved, passing calibration');
    const withFinding = await manager.post('/api/labs/LAB01/equipment/STD-NC/return-to-service', {
      nonconformities: [nc.ncNumber],
      note: 'Recalibrated',
      calibrationNumber: standardFinding.calibrationNumber,
      signature: sign,
    });
    expect(withFinding.status).toBe(409);
    expect((await manager.patch('/api/labs/LAB01/equipment/STD-NC', { status: 'In Service' })).status).toBe(409);
    const pending = await calibrate('LAB01', 'STD-NC', reading(daysAgo(0), 100), null);
    expect(
      (
        await manager.post('/api/labs/LAB01/equipment/STD-NC/return-to-service', {
          nonconformities: [nc.ncNumber],
          note: 'Recalibrated',
          calibrationNumber: pending.calibrationNumber,
          signature: sign,
        })
      ).status,
    ).toBe(409);
    await manager.post(`/api/labs/LAB01/equipment/STD-NC/calibrations/${standardFinding.calibrationNumber}/approval`, { decision: 'approve', signature: sign });
    await manager.post(`/api/labs/LAB01/equipment/STD-NC/calibrations/${pending.calibrationNumber}/approval`, { decision: 'approve', signature: sign });
    expect(
      (
        await tech.post('/api/labs/LAB01/equipment/STD-NC/return-to-service', {
          nonconformities: [nc.ncNumber],
          note: 'Recalibrated',
          calibrationNumber: pending.calibrationNumber,
          signature: sign,
        })
      ).status,
    ).toBe(403);
    const returned = await manager.post<Equipment>('/api/labs/LAB01/equipment/STD-NC/return-to-service', {
      nonconformities: [nc.ncNumber],
      note: 'Recalibrated',
      calibrationNumber: pending.calibrationNumber,
      signature: sign,
    });
    expect(returned.status, returned.text).toBe(200);
    expect(returned.body).toMatchObject({ status: 'In Service', fitness: { state: 'fit' } });
    const history = await admin.get('/api/labs/LAB01/equipment/STD-NC/history?format=csv&section=nonconformities');
    const rows = parse(history.text, { columns: true, bom: true }) as { entry: string; nc_number: string; meaning: string }[];
    expect(rows.map((row) => row.entry)).toEqual(['opened', 'disposition', 'disposition', 'closed', 'returned to service']);
    expect(rows.at(-1)!.meaning).toBe('Verified by');
  });
});

describe('an impact list read again at closure', () => {
  it('keeps the window set when the nonconformity opened: a passing calibration approved later on the same day drops no item', async () => {
    await register('LAB01', 'STD-SAME', standardPlan);
    await register('LAB01', 'INS-C');
    await calibrate('LAB01', 'STD-SAME', reading(daysAgo(60), 100));
    await calibrate('LAB01', 'INS-C', reading(daysAgo(30), 100.1, ['STD-SAME']));
    await calibrate('LAB01', 'STD-SAME', reading(daysAgo(5), 101.2), null);
    const [opened] = await ncsOf('LAB01', 'STD-SAME');
    expect(opened!.items.map((item) => item.serialNumber)).toEqual(['INS-C']);
    // Recalibrated the same day after the repair: it would start a window of its own, one day long.
    await calibrate('LAB01', 'STD-SAME', reading(daysAgo(5), 100));
    const refused = await manager.post(`/api/labs/LAB01/nonconformities/${opened!.ncNumber}/close`, { summary: 'Repaired', signature: sign });
    expect(refused.status).toBe(409);
    expect(problem(refused.body).detail).toContain(opened!.items[0]!.itemId);
  });
});

describe('a fault found during PM', () => {
  it('opens exactly one nonconformity however often the completion is raced or retried, and quarantine cancels the open records once', async () => {
    await register('LAB01', 'PM-FAULT-1', null);
    await generateLab('LAB01', new Date(), 'test');
    const daily = (await recordsOf('LAB01', 'PM-FAULT-1', 'Open')).find((record) => record.frequency === 'Daily')!;
    expect(daily).toBeDefined();
    const responses: { taskId: string; done: boolean; value?: number; note?: string; fault?: boolean }[] = daily.tasks.map((task) => ({
      taskId: task.taskId,
      done: true,
      ...(task.kind === 'reading' ? { value: 22 } : {}),
    }));
    responses[0] = { ...responses[0]!, fault: true };
    const noNote = await tech.post(`/api/labs/LAB01/records/${daily.recordNumber}/complete`, { responses, signature: sign });
    expect(noNote.status).toBe(400);
    expect(noNote.text).toContain('fault found');
    responses[0] = { ...responses[0]!, note: 'Resin tank cracked at the corner' };
    const attempts = await Promise.all(
      Array.from({ length: 20 }, () => tech.post(`/api/labs/LAB01/records/${daily.recordNumber}/complete`, { responses, signature: sign })),
    );
    expect(attempts.filter((attempt) => attempt.status === 200)).toHaveLength(1);
    expect(attempts.filter((attempt) => attempt.status === 409)).toHaveLength(19);
    expect((await tech.post(`/api/labs/LAB01/records/${daily.recordNumber}/complete`, { responses, signature: sign })).status).toBe(409);
    const opened = await ncsOf('LAB01', 'PM-FAULT-1');
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ source: 'pm-fault', recordNumber: daily.recordNumber, openedBy: { username: 'tech1' } });
    expect(opened[0]!.description).toContain('Resin tank cracked at the corner');
    expect((await machine('LAB01', 'PM-FAULT-1')).status).toBe('Out of Service');

    const cancelled = await recordsOf('LAB01', 'PM-FAULT-1', 'Cancelled');
    expect(cancelled.length).toBeGreaterThan(0);
    expect(await recordsOf('LAB01', 'PM-FAULT-1', 'Open')).toEqual([]);
    const second = await tech.post<Nonconformity>('/api/labs/LAB01/nonconformities', {
      serialNumber: 'PM-FAULT-1',
      description: 'Also the door hinge is loose',
    });
    expect(second.status, second.text).toBe(201);
    const cancelledAgain = await recordsOf('LAB01', 'PM-FAULT-1', 'Cancelled');
    expect(cancelledAgain.map((record) => [record.recordNumber, record.cancelledAt])).toEqual(
      cancelled.map((record) => [record.recordNumber, record.cancelledAt]),
    );
    const quarantines = await admin.get<{ items: { action: string }[] }>('/api/audit?entityType=equipment&entityId=PM-FAULT-1');
    expect(quarantines.body.items.filter((entry) => entry.action === 'equipment.quarantined')).toHaveLength(2);
    expect((await machine('LAB01', 'PM-FAULT-1')).status).toBe('Out of Service');
  });

  it('returns a machine without a calibration plan to service with its model’s checks, and reopens its records', async () => {
    const model = (
      await admin.get<{ version: number; manufacturer: string; equipmentClass: string; frequencies: Record<string, { tasks: object[] }> }>(
        '/api/models/Form 3B',
      )
    ).body;
    const frequencies = Object.fromEntries(Object.entries(model.frequencies).map(([frequency, plan]) => [frequency, { tasks: plan.tasks }]));
    const saved = await admin.put('/api/models/Form 3B', {
      version: model.version,
      manufacturer: model.manufacturer,
      equipmentClass: model.equipmentClass,
      active: true,
      frequencies,
      returnToServiceChecks: [
        { text: 'Print the test part', kind: 'check' },
        { text: 'Laser power', kind: 'reading', unit: 'mW', min: 240, max: 260 },
      ],
    });
    expect(saved.status, saved.text).toBe(200);
    const { quarantinedBy } = await machine('LAB01', 'PM-FAULT-1');
    const missing = await manager.post('/api/labs/LAB01/equipment/PM-FAULT-1/return-to-service', {
      nonconformities: quarantinedBy,
      note: 'Hinge tightened',
      signature: sign,
    });
    expect(missing.status).toBe(400);
    const returned = await manager.post<Equipment>('/api/labs/LAB01/equipment/PM-FAULT-1/return-to-service', {
      nonconformities: quarantinedBy,
      note: 'Hinge tightened, tank cleaned',
      responses: [
        { taskId: 'R1', done: true },
        { taskId: 'R2', done: true, value: 251 },
      ],
      signature: sign,
    });
    expect(returned.status, returned.text).toBe(200);
    expect(returned.body.status).toBe('In Service');
    expect((await recordsOf('LAB01', 'PM-FAULT-1', 'Open')).length).toBeGreaterThan(0);
    // Back in service, a repair status is refused before anything is logged.
    const [open] = (await ncsOf('LAB01', 'PM-FAULT-1')).filter((nc) => nc.status === 'Open');
    const late = await manager.post(`/api/labs/LAB01/nonconformities/${open!.ncNumber}/actions`, { text: 'Sent away', statusChange: 'Repair offsite' });
    expect(late.status).toBe(409);
    expect((await admin.get<Nonconformity>(`/api/labs/LAB01/nonconformities/${open!.ncNumber}`)).body.actions).toEqual([]);
  });

  it('is reported by hand by a technician, logs repairs and photos, and counts in the report', async () => {
    await register('LAB01', 'HAND-1', null);
    const reported = await tech.post<Nonconformity>('/api/labs/LAB01/nonconformities', { serialNumber: 'HAND-1', description: 'Smoke from the power supply' });
    expect(reported.status, reported.text).toBe(201);
    const ncNumber = reported.body.ncNumber;
    expect((await tech.post(`/api/labs/LAB01/nonconformities/${ncNumber}/actions`, { text: 'Unplugged it', statusChange: 'Repair offsite' })).status).toBe(403);
    const logged = await manager.post<Nonconformity>(`/api/labs/LAB01/nonconformities/${ncNumber}/actions`, {
      text: 'Sent to the manufacturer',
      statusChange: 'Repair offsite',
    });
    expect(logged.status, logged.text).toBe(200);
    expect((await machine('LAB01', 'HAND-1')).status).toBe('Repair offsite');
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]);
    const photo = await tech.post<{ certificateId: string; sha256: string }>(
      `/api/labs/LAB01/nonconformities/${ncNumber}/attachments?fileName=smoke.png`,
      undefined,
      { rawBody: png, contentType: 'image/png' },
    );
    expect(photo.status, photo.text).toBe(201);
    const download = await manager.get(`/api/labs/LAB01/nonconformities/${ncNumber}/attachments/${photo.body.certificateId}`);
    expect(download.status).toBe(200);
    expect(download.headers.get('x-content-sha256')).toBe(photo.body.sha256);
    const notAPhoto = await tech.post(`/api/labs/LAB01/nonconformities/${ncNumber}/attachments`, undefined, {
      rawBody: Buffer.from('MZ executable'),
      contentType: 'image/png',
    });
    expect(notAPhoto.status).toBe(415);
    const report = await admin.get<NonconformityReport>('/api/reports/nonconformities?labId=LAB01');
    expect(report.status, report.text).toBe(200);
    expect(report.body.labs[0]!.bySource).toMatchObject({ 'pm-fault': 1, reported: 2 });
    expect(report.body.nonconformities.filter((row) => row.source === 'calibration').map((row) => row.serialNumber)).toContain('STD-NC');
    const csv = await admin.get('/api/reports/nonconformities?labId=LAB01&format=csv');
    expect((parse(csv.text, { columns: true, bom: true }) as { ncNumber: string }[]).map((row) => row.ncNumber)).toContain(ncNumber);
    expect((await tech.post('/api/labs/LAB01/nonconformities', { serialNumber: 'HAND-1', description: ' ' })).status).toBe(400);
    expect((await tech.post('/api/labs/LAB03/nonconformities', { serialNumber: 'HAND-1', description: 'x' })).status).toBe(403);
  });
});

describe('a nonconformity left open', () => {
  it('is named once a day, in the lab’s 08:00 run, after 14 days, and forgotten once closed', async () => {
    const { noticeAgingNonconformities } = await import('../shared/nonconformities/aging.js');
    const { allEquipmentOf } = await import('../shared/data/equipment-repository.js');
    await register('LAB01', 'AGE-1', null);
    const reported = await tech.post<Nonconformity>('/api/labs/LAB01/nonconformities', { serialNumber: 'AGE-1', description: 'Display flickers' });
    const opened = Date.parse(reported.body.openedAt);
    const machines = await allEquipmentOf('LAB01');
    // That hour in Boston, `days` days after the opening, in winter or summer time alike.
    const at = (days: number, hour: number) => {
      const guess = new Date(startOfDay(localDay(new Date(opened), 'America/New_York') + days, 'America/New_York').getTime() + hour * 3_600_000);
      const shown = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'America/New_York', hour: 'numeric', hourCycle: 'h23' }).format(guess));
      return new Date(guess.getTime() + (hour - shown) * 3_600_000);
    };
    expect(noticeAgingNonconformities('LAB01', machines, at(16, 8), 'America/New_York')).toContain(reported.body.ncNumber);
    expect(noticeAgingNonconformities('LAB01', machines, at(16, 9), 'America/New_York')).toEqual([]);
    expect(noticeAgingNonconformities('LAB01', machines, at(10, 8), 'America/New_York')).not.toContain(reported.body.ncNumber);
    expect((await manager.post(`/api/labs/LAB01/nonconformities/${reported.body.ncNumber}/close`, { summary: 'Cable reseated', signature: sign })).status).toBe(
      200,
    );
    expect(noticeAgingNonconformities('LAB01', await allEquipmentOf('LAB01'), at(16, 8), 'America/New_York')).not.toContain(reported.body.ncNumber);
  });
});

describe('the audit verification', () => {
  it('names a disposition changed outside the product, and a return to service whose signature no longer matches', async () => {
    const { container } = await import('../shared/data/cosmos.js');
    const intact = await admin.get<{ intact: boolean }>('/api/audit/verify?labId=LAB01');
    expect(intact.body.intact).toBe(true);
    const equipment = await container('equipment');
    const [nc] = await ncsOf('LAB01', 'STD-NC');
    const stored = (await equipment.item(`nc:${nc!.ncNumber}`, 'LAB01').read<{ items: { disposition: { reason: string } | null }[] }>()).resource!;
    const altered = {
      ...stored,
      items: stored.items.map((item) => (item.disposition ? { ...item, disposition: { ...item.disposition, reason: 'Nothing to see' } } : item)),
    };
    await equipment.item(`nc:${nc!.ncNumber}`, 'LAB01').replace(altered);
    const broken = await admin.get<{ intact: boolean; firstBroken: { recordNumber: string; reason: string } }>('/api/audit/verify?labId=LAB01');
    expect(broken.body).toMatchObject({
      intact: false,
      firstBroken: { recordNumber: nc!.ncNumber, reason: expect.stringContaining('does not match its signature') },
    });
    await equipment.item(`nc:${nc!.ncNumber}`, 'LAB01').replace(stored);

    const machineDocument = (await equipment.item('STD-NC', 'LAB01').read<{ returnsToService: { calibrationNumber: string | null }[] }>()).resource!;
    await equipment.item('STD-NC', 'LAB01').replace({
      ...machineDocument,
      returnsToService: machineDocument.returnsToService.map((entry) => ({ ...entry, calibrationNumber: 'LAB01-CAL-000001' })),
    });
    const returned = await admin.get<{ intact: boolean; firstBroken: { recordNumber: string; reason: string } }>('/api/audit/verify?labId=LAB01');
    expect(returned.body).toMatchObject({ intact: false, firstBroken: { recordNumber: 'STD-NC', reason: expect.stringContaining('return to service') } });
    await equipment.item('STD-NC', 'LAB01').replace(machineDocument);
  });
});
