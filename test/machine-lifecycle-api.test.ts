import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalibrationPlan } from '../shared/schemas/calibration.js';
import type { Equipment } from '../shared/schemas/equipment.js';
import type { Nonconformity } from '../shared/schemas/nonconformities.js';
import { registerEquipment } from '../shared/equipment/manage-equipment.js';
import { generateLab } from '../shared/jobs/lab-run.js';
import { systemActor } from '../shared/users/manage-users.js';
import type { ApiClient } from './helpers/api-client.js';
import { demoPassword, startTestProduct, type TestProduct } from './helpers/test-product.js';
import { newUserBody, oneHundredDegreePlan } from './helpers/fixtures.js';
import { labDaysAgo } from './helpers/lab-days.js';

/**
 * The machine's lifecycle through the API (SPEC §10 as revised, issue #33): a return to service names
 * what it ends and says what was repaired or verified, a fault reported while it is signed is never
 * covered by it, and a machine whose nonconformities closed reads "awaiting return to service".
 */
let product: TestProduct;
let admin: ApiClient;
let manager: ApiClient;
let tech: ApiClient;

const sign = { password: demoPassword };
const problem = (body: unknown) => body as { detail: string };
const plan = oneHundredDegreePlan;

async function register(serialNumber: string, withPlan = false): Promise<void> {
  const created = await admin.post('/api/labs/LAB01/equipment', { serialNumber, modelId: 'Form 3B' });
  expect(created.status, created.text).toBe(201);
  if (withPlan) expect((await admin.put(`/api/labs/LAB01/equipment/${serialNumber}/calibration-plan`, plan)).status).toBe(200);
}

/** A machine in service for well over a year, so calibrations dated weeks ago do not predate it. */
async function registerLongAgo(serialNumber: string, referenceStandard: boolean): Promise<void> {
  await registerEquipment(systemActor, 'LAB01', { serialNumber, modelId: 'Form 3B', status: 'In Service' }, null, new Date(Date.now() - 500 * 86_400_000));
  const planned = await admin.put(`/api/labs/LAB01/equipment/${serialNumber}/calibration-plan`, { ...plan, referenceStandard });
  expect(planned.status, planned.text).toBe(200);
}

async function reportFault(serialNumber: string, description: string): Promise<Nonconformity> {
  const reported = await tech.post<Nonconformity>('/api/labs/LAB01/nonconformities', { serialNumber, description });
  expect(reported.status, reported.text).toBe(201);
  return reported.body;
}

const machine = async (serialNumber: string) => (await admin.get<Equipment>(`/api/labs/LAB01/equipment/${serialNumber}`)).body;
const nonconformity = async (ncNumber: string) => (await admin.get<Nonconformity>(`/api/labs/LAB01/nonconformities/${ncNumber}`)).body;
const auditOf = async (serialNumber: string) =>
  (await admin.get<{ items: { action: string }[] }>(`/api/audit?entityType=equipment&entityId=${serialNumber}`)).body.items.map((entry) => entry.action);
const returnToService = (serialNumber: string, body: object) =>
  manager.post<Equipment>(`/api/labs/LAB01/equipment/${serialNumber}/return-to-service`, { signature: sign, ...body });

beforeAll(async () => {
  product = await startTestProduct();
  [admin, manager, tech] = await Promise.all([product.signedIn('admin'), product.signedIn('manager1'), product.signedIn('tech1')]);
});
afterAll(async () => product.cleanup());

describe('a return to service', () => {
  it('says what was repaired or verified even when the model has no checks, names what it ends, and each nonconformity shows it', async () => {
    await register('LIFE-1');
    const first = await reportFault('LIFE-1', 'Two tool holders cracked, machine unsafe');
    expect(await machine('LIFE-1')).toMatchObject({
      status: 'Out of Service',
      quarantinedBy: [first.ncNumber],
      fitness: { state: 'not fit', reasons: ['out of service', 'open nonconformity'] },
    });

    // No repair logged and no note: the signature alone would say nothing of what was done.
    const silent = await returnToService('LIFE-1', { nonconformities: [first.ncNumber] });
    expect(silent.status, silent.text).toBe(400);
    expect(problem(silent.body).detail).toContain('Say what was repaired or verified');

    // Another fault reported meanwhile: a verification that does not name it is refused, and writes nothing.
    const second = await reportFault('LIFE-1', 'Door interlock does not hold');
    const before = await auditOf('LIFE-1');
    const stale = await returnToService('LIFE-1', { nonconformities: [first.ncNumber], note: 'Tool holders replaced' });
    expect(stale.status, stale.text).toBe(409);
    expect(problem(stale.body).detail).toContain(`${second.ncNumber}, which your verification does not name`);
    expect(await auditOf('LIFE-1')).toEqual(before);
    expect((await machine('LIFE-1')).status).toBe('Out of Service');

    const returned = await returnToService('LIFE-1', {
      nonconformities: [first.ncNumber, second.ncNumber],
      note: 'Tool holders replaced, interlock adjusted and tested',
    });
    expect(returned.status, returned.text).toBe(200);
    expect(returned.body).toMatchObject({ status: 'In Service', quarantinedBy: [], fitness: { state: 'fit' } });
    for (const ncNumber of [first.ncNumber, second.ncNumber]) {
      // Still open for its impact review, and it says which return to service ended its quarantine.
      expect(await nonconformity(ncNumber)).toMatchObject({
        status: 'Open',
        returnedToService: { by: { username: 'manager1' }, nonconformities: [first.ncNumber, second.ncNumber] },
      });
    }
    const history = await admin.get<{ returnsToService: { note: string; nonconformities: string[] }[] }>('/api/labs/LAB01/equipment/LIFE-1/history');
    expect(history.body.returnsToService.at(-1)).toMatchObject({
      note: 'Tool holders replaced, interlock adjusted and tested',
      nonconformities: [first.ncNumber, second.ncNumber],
    });
    expect((await admin.get<{ firstBroken: unknown }>('/api/audit/verify?labId=LAB01')).body.firstBroken).toBeNull();
  });

  it('sent at the same moment as a new fault report, never leaves the machine fit with a fault its signer did not see', async () => {
    for (const attempt of [1, 2, 3]) {
      const serialNumber = `LIFE-RACE-${attempt}`;
      await register(serialNumber);
      const first = await reportFault(serialNumber, 'Resin tank leaking');
      const [returned, reported] = await Promise.all([
        returnToService(serialNumber, { nonconformities: [first.ncNumber], note: 'Tank replaced' }),
        tech.post<Nonconformity>('/api/labs/LAB01/nonconformities', { serialNumber, description: 'Build plate scratched' }),
      ]);
      expect(reported.status, reported.text).toBe(201);
      expect([200, 409]).toContain(returned.status);
      const after = await machine(serialNumber);
      // Whichever came first, the new fault holds the machine: it is not fit, and the signature never names it.
      expect(after).toMatchObject({ status: 'Out of Service', fitness: { state: 'not fit' } });
      expect(after.quarantinedBy).toContain(reported.body.ncNumber);
      expect((await nonconformity(reported.body.ncNumber)).returnedToService ?? null).toBeNull();
      expect(after.quarantinedBy).toEqual(returned.status === 200 ? [reported.body.ncNumber] : [first.ncNumber, reported.body.ncNumber]);
    }
  });
});

describe('a machine whose nonconformity closed while it is still out', () => {
  it('reads "awaiting return to service", not "open nonconformity", on its page, its calibration page, the due list and its CSV', async () => {
    await register('LIFE-2', true);
    const nc = await reportFault('LIFE-2', 'Heater does not reach temperature');
    for (const item of nc.items) {
      expect(
        (
          await manager.post(`/api/labs/LAB01/nonconformities/${nc.ncNumber}/dispositions`, {
            itemId: item.itemId,
            disposition: 'No impact',
            reason: 'Checked',
            signature: sign,
          })
        ).status,
      ).toBe(200);
    }
    const closed = await manager.post<Nonconformity>(`/api/labs/LAB01/nonconformities/${nc.ncNumber}/close`, { summary: 'Heater replaced', signature: sign });
    expect(closed.status, closed.text).toBe(200);

    const reasons = (await machine('LIFE-2')).fitness.reasons;
    expect(reasons).toContain('awaiting return to service');
    expect(reasons).not.toContain('open nonconformity');
    const planPage = (await admin.get<CalibrationPlan>('/api/labs/LAB01/equipment/LIFE-2/calibration-plan')).body;
    expect(planPage).toMatchObject({ quarantinedBy: [nc.ncNumber], fitness: { reasons: expect.arrayContaining(['awaiting return to service']) } });
    expect(planPage.fitness.reasons).not.toContain('open nonconformity');
    const due = (await admin.get<{ items: { serialNumber: string; fitness: Equipment['fitness'] }[] }>('/api/labs/LAB01/calibrations/due')).body.items.find(
      (item) => item.serialNumber === 'LIFE-2',
    )!;
    expect(due.fitness.reasons).toEqual(reasons);
    const csv = await manager.get('/api/reports/calibration?labId=LAB01&format=csv&section=due');
    const row = (parse(csv.text, { columns: true, bom: true }) as Record<string, string>[]).find((candidate) => candidate.serial_number === 'LIFE-2')!;
    expect(JSON.stringify(row)).toContain('awaiting return to service');
    expect(JSON.stringify(row)).not.toContain('open nonconformity');
  });
});

describe('a machine moved to another lab while its nonconformity was open', () => {
  it('is no longer "open nonconformity" at its new lab once the nonconformity closes where it was opened', async () => {
    await register('LIFE-MOVED');
    const nc = await reportFault('LIFE-MOVED', 'Chamber seal torn');
    const moved = await manager.post('/api/labs/LAB01/equipment/LIFE-MOVED/transfer', { toLabId: 'LAB02' });
    expect(moved.status, moved.text).toBe(200);
    const atNewLab = async () => (await admin.get<Equipment>('/api/labs/LAB02/equipment/LIFE-MOVED')).body;
    expect((await atNewLab()).fitness.reasons).toContain('open nonconformity');
    for (const item of nc.items) {
      const disposed = await manager.post(`/api/labs/LAB01/nonconformities/${nc.ncNumber}/dispositions`, {
        itemId: item.itemId,
        disposition: 'No impact',
        reason: 'Checked',
        signature: sign,
      });
      expect(disposed.status, disposed.text).toBe(200);
    }
    const closed = await manager.post(`/api/labs/LAB01/nonconformities/${nc.ncNumber}/close`, { summary: 'Seal replaced', signature: sign });
    expect(closed.status, closed.text).toBe(200);
    const after = await atNewLab();
    expect(after.fitness.reasons).toContain('awaiting return to service');
    expect(after.fitness.reasons).not.toContain('open nonconformity');
    const newLabTrail = await admin.get<{ items: { action: string; reason?: string | null }[] }>(
      '/api/audit?labId=LAB02&entityType=equipment&entityId=LIFE-MOVED',
    );
    expect(newLabTrail.body.items[0]).toMatchObject({ action: 'equipment.updated', reason: `${nc.ncNumber} was closed at LAB01` });
    expect((await admin.get<{ firstBroken: unknown }>('/api/audit/verify?labId=LAB02')).body.firstBroken).toBeNull();
  });
});

describe('a quarantined machine', () => {
  it('offers no checklist to start: Today leaves its records out and completing one is refused with a sentence', async () => {
    const today = (
      await tech.get<{ items: { serialNumber: string; recordNumber: string; status: string; completableUntil: string | null }[] }>('/api/labs/LAB01/dashboard')
    ).body.items;
    const row = today.find(
      (candidate) => candidate.status === 'Missed' && candidate.completableUntil !== null && candidate.completableUntil > new Date().toISOString(),
    )!;
    expect(row, 'a missed record still completable late in the demo lab').toBeDefined();
    const nc = await reportFault(row.serialNumber, 'Spindle bearing noisy, machine unsafe');
    const after = (await tech.get<{ items: { serialNumber: string }[] }>('/api/labs/LAB01/dashboard')).body.items;
    expect(after.filter((candidate) => candidate.serialNumber === row.serialNumber)).toEqual([]);
    const record = (await tech.get<{ tasks: { taskId: string; kind: string; min?: number }[] }>(`/api/labs/LAB01/records/${row.recordNumber}`)).body;
    const responses = record.tasks.map((task) => ({ taskId: task.taskId, done: true, ...(task.kind === 'reading' ? { value: task.min ?? 0 } : {}) }));
    const refused = await tech.post(`/api/labs/LAB01/records/${row.recordNumber}/complete`, { responses, signature: sign });
    expect(refused.status, refused.text).toBe(409);
    expect(problem(refused.body).detail).toBe(
      `${row.serialNumber} is quarantined by nonconformity ${nc.ncNumber}: no checklist is completed on it until a manager returns it to service.`,
    );
  });
});

describe('a machine transferred after its checklist of the period was completed', () => {
  it('owes nothing more for that period at the lab it arrives at', async () => {
    await register('LIFE-T');
    await generateLab('LAB01', new Date(), 'test');
    const open = (
      await tech.get<{ items: { recordNumber: string; frequency: string; periodStart: string }[] }>(
        '/api/labs/LAB01/records?status=Open&serialNumber=LIFE-T&pageSize=1000',
      )
    ).body.items;
    const daily = open.find((record) => record.frequency === 'Daily')!;
    expect(daily, 'the Daily checklist of today').toBeDefined();
    const record = (await tech.get<{ tasks: { taskId: string; kind: string; min?: number }[] }>(`/api/labs/LAB01/records/${daily.recordNumber}`)).body;
    const responses = record.tasks.map((task) => ({ taskId: task.taskId, done: true, ...(task.kind === 'reading' ? { value: task.min ?? 0 } : {}) }));
    const completed = await tech.post(`/api/labs/LAB01/records/${daily.recordNumber}/complete`, { responses, signature: sign });
    expect(completed.status, completed.text).toBe(200);
    const moved = await manager.post<Equipment>('/api/labs/LAB01/equipment/LIFE-T/transfer', { toLabId: 'LAB02' });
    expect(moved.status, moved.text).toBe(200);
    await generateLab('LAB02', new Date(), 'test');
    const owed = await Promise.all(
      ['Open', 'Missed'].map(
        async (status) =>
          (
            await admin.get<{ items: { frequency: string; periodStart: string }[] }>(
              `/api/labs/LAB02/records?status=${status}&serialNumber=LIFE-T&pageSize=1000`,
            )
          ).body.items,
      ),
    );
    expect(owed.flat().filter((record) => record.frequency === 'Daily' && record.periodStart === daily.periodStart)).toEqual([]);
  });
});

describe('implausible dates', () => {
  it('are refused with a sentence: a calibration before 2000, a generator date that does not exist or lies beyond the backfill limit', async () => {
    await register('LIFE-3', true);
    for (const performedOn of ['0000-01-01', '1900-01-01']) {
      const old = await admin.post(`/api/labs/LAB01/equipment/LIFE-3/calibrations`, {
        performedOn,
        kind: 'internal',
        asFound: [{ pointId: 'P1', value: 100 }],
        adjusted: false,
        standards: [],
        signature: sign,
      });
      expect(old.status, old.text).toBe(400);
      expect(old.text).toContain('on or after 2000-01-01');
    }
    const impossible = await admin.post('/api/admin/generate', { date: '2026-02-30' });
    expect(impossible.status, impossible.text).toBe(400);
    expect(problem(impossible.body).detail).toBe('2026-02-30 is not a date that exists.');
    const ancient = await admin.post('/api/admin/generate', { date: '1900-01-01' });
    expect(ancient.status, ancient.text).toBe(400);
    expect(problem(ancient.body).detail).toContain('the backfill limit');
  });
});

describe('two managers disposing the same impact item at once', () => {
  it('accept one decision and refuse the other, which leaves no trace on the machine or in the audit trail', async () => {
    expect(
      (
        await admin.post(
          '/api/users',
          newUserBody('lifecycle-manager', { primaryLabId: 'LAB01', role: 'Manager', password: demoPassword, requirePasswordChange: false }),
        )
      ).status,
    ).toBe(201);
    const otherManager = await product.signedIn('lifecycle-manager');
    const calibrate = async (serialNumber: string, performedOn: string, value: number, standards: string[], approved: boolean) => {
      const recorded = await admin.post<{ calibrationNumber: string }>(`/api/labs/LAB01/equipment/${serialNumber}/calibrations`, {
        performedOn,
        kind: 'internal',
        asFound: [{ pointId: 'P1', value }],
        adjusted: false,
        standards,
        signature: sign,
      });
      expect(recorded.status, recorded.text).toBe(201);
      if (!approved) return;
      const approval = await manager.post(`/api/labs/LAB01/equipment/${serialNumber}/calibrations/${recorded.body.calibrationNumber}/approval`, {
        decision: 'approve',
        signature: sign,
      });
      expect(approval.status, approval.text).toBe(200);
    };

    for (let round = 0; round < 4; round++) {
      // A reference standard found out of tolerance lists the instrument calibrated with it since its last pass.
      const standard = `LIFE-STD-${round}`;
      const instrument = `LIFE-INS-${round}`;
      await registerLongAgo(instrument, false);
      await registerLongAgo(standard, true);
      await calibrate(standard, labDaysAgo('LAB01', 30), 100, [], true);
      await calibrate(instrument, labDaysAgo('LAB01', 20), 100.1, [standard], true);
      await calibrate(standard, labDaysAgo('LAB01', 10), 101.3, [], false);
      const opened = (await admin.get<{ items: Nonconformity[] }>(`/api/labs/LAB01/nonconformities?serialNumber=${standard}`)).body.items;
      expect(opened).toHaveLength(1);
      const nc = opened[0]!;
      const item = nc.items.find((candidate) => candidate.serialNumber === instrument)!;
      expect(item, JSON.stringify(nc.items)).toBeDefined();

      // Who sends which alternates, so that either decision may arrive first.
      const [recalibrating, clearing] = round % 2 === 0 ? [manager, otherManager] : [otherManager, manager];
      const dispose = (client: ApiClient, disposition: string) =>
        client.post<Nonconformity>(`/api/labs/LAB01/nonconformities/${nc.ncNumber}/dispositions`, {
          itemId: item.itemId,
          disposition,
          reason: 'Calibrated with the drifted reference',
          signature: sign,
        });
      const [recalibrate, noImpact] = await Promise.all([dispose(recalibrating, 'Recalibrate'), dispose(clearing, 'No impact')]);
      expect([recalibrate.status, noImpact.status].sort(), `${recalibrate.text} / ${noImpact.text}`).toEqual([200, 409]);
      const accepted = recalibrate.status === 200 ? 'Recalibrate' : 'No impact';

      const kept = (await nonconformity(nc.ncNumber)).items.find((candidate) => candidate.itemId === item.itemId)!;
      expect(kept.disposition?.disposition).toBe(accepted);
      const reasons = (await machine(instrument)).fitness.reasons;
      const requests = (await auditOf(instrument)).filter((action) => action === 'calibration.recalibration-requested');
      if (accepted === 'Recalibrate') {
        expect(reasons).toContain('recalibration requested');
        expect(requests).toHaveLength(1);
      } else {
        expect(reasons, `round ${round}`).not.toContain('recalibration requested');
        expect(requests, `round ${round}`).toEqual([]);
      }
    }
  });
});
