import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModel } from '../shared/data/catalog-repository.js';
import { container } from '../shared/data/cosmos.js';
import { allEquipmentOf } from '../shared/data/equipment-repository.js';
import { readCounter, type RecordDocument } from '../shared/data/records-repository.js';
import { firstBrokenLink, type AuditEntry } from '../shared/domain/audit-chain.js';
import { localDay, periodsBetween, startOfDay } from '../shared/domain/periods.js';
import { reloadSettings, settings } from '../shared/platform/config.js';
import { registerEquipment } from '../shared/equipment/manage-equipment.js';
import { addLab } from '../shared/labs/manage-labs.js';
import { generateLab } from '../shared/jobs/lab-run.js';
import { frequencies } from '../shared/schemas/catalog.js';
import { systemActor } from '../shared/users/manage-users.js';
import { demoPassword, startTestProduct, type TestProduct } from './helpers/test-product.js';

let product: TestProduct;
let labNumber = 0;
const dayMs = 86_400_000;
const models = ['Form 3B', 'DWX-52DCi', 'Programat S2', 'Medit T710'];
const zones = ['UTC', 'Europe/Berlin', 'America/Chicago', 'Pacific/Auckland', 'Asia/Kolkata'];

// Counts below are of the current periods only; the tests of making records ahead set their own hours.
beforeAll(async () => {
  product = await startTestProduct({ GENERATE_AHEAD_HOURS: '0', GENERATOR_SPREAD_MINUTES: '1' });
});

function useAheadHours(hours: number): void {
  process.env.GENERATE_AHEAD_HOURS = String(hours);
  reloadSettings();
}
afterAll(async () => product.cleanup());

async function recordsOf(labId: string): Promise<RecordDocument[]> {
  const { resources } = await (
    await container('records')
  ).items
    .query<RecordDocument>({ query: "SELECT * FROM c WHERE c.type = 'record'" }, { partitionKey: labId })
    .fetchAll();
  return resources;
}

async function chainOf(labId: string): Promise<AuditEntry[]> {
  const { resources } = await (
    await container('records')
  ).items
    .query<AuditEntry>({ query: "SELECT * FROM c WHERE c.type = 'audit' ORDER BY c.seq" }, { partitionKey: labId })
    .fetchAll();
  return resources;
}

async function newLab(timeZone: string, machines: string[]): Promise<string> {
  const labId = `GEN${++labNumber}`;
  await addLab(systemActor, { labId, name: `Generator lab ${labNumber}`, timeZone, active: true }, null);
  await Promise.all(
    machines.map((modelId, index) => registerEquipment(systemActor, labId, { serialNumber: `${labId}-M${index}`, modelId, status: 'In Service' }, null)),
  );
  return labId;
}

/**
 * Every (machine, frequency, period) from the machine's first day in service to `until` has exactly one
 * record, and so has every period starting within the hours the generator makes records ahead.
 */
async function expectExactlyOnePerPeriod(labId: string, timeZone: string, until: Date): Promise<RecordDocument[]> {
  const lastDay = Math.max(localDay(until, timeZone), localDay(new Date(until.getTime() + settings().GENERATE_AHEAD_HOURS * 3_600_000), timeZone));
  const records = await recordsOf(labId);
  const byKey = new Map<string, RecordDocument[]>();
  for (const record of records) {
    const key = `${record.serialKey}|${record.frequency}|${record.periodStart}`;
    byKey.set(key, [...(byKey.get(key) ?? []), record]);
  }
  let expected = 0;
  for (const machine of await allEquipmentOf(labId)) {
    const model = (await readModel(machine.modelId))!.document;
    for (const frequency of frequencies) {
      if (!model.frequencies[frequency]) continue;
      for (const period of periodsBetween(frequency, localDay(new Date(machine.inServiceSince!), timeZone), lastDay, timeZone)) {
        expected += 1;
        const found = byKey.get(`${machine.serialKey}|${frequency}|${period.periodStart}`) ?? [];
        expect(found, `${machine.serialNumber} ${frequency} ${period.periodStart}`).toHaveLength(1);
        expect(found[0]!.status).toBe(period.dueEnd.getTime() <= until.getTime() ? 'Missed' : 'Open');
      }
    }
  }
  expect(records).toHaveLength(expected);
  const numbers = records.map((record) => Number(record.recordNumber.slice(labId.length))).sort((a, b) => a - b);
  expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, index) => index + 1));
  expect((await readCounter(labId))?.document.lastNumber).toBe(numbers.length);
  // Numbers increase with time: a record made by a later run never has a lower number.
  const ordered = [...records].sort((a, b) => a.recordNumber.localeCompare(b.recordNumber));
  for (let i = 1; i < ordered.length; i++) expect(ordered[i]!.createdAt >= ordered[i - 1]!.createdAt).toBe(true);
  expect(firstBrokenLink(await chainOf(labId))).toBeNull();
  return records;
}

describe('record generator', () => {
  it('makes the current period of every frequency once, and a second run changes nothing', async () => {
    const labId = await newLab('America/New_York', ['Form 3B', 'DWX-52DCi', 'Programat S2', 'Medit T710']);
    const now = new Date(Date.now() + 60_000);
    const first = await generateLab(labId, now, 'run-1');
    expect(first).toMatchObject({ created: 4 + 4 + 4 + 3, backfilled: 0, missed: 0, batches: 1, firstNumber: `${labId}000001`, lastNumber: `${labId}000015` });
    const second = await generateLab(labId, now, 'run-2');
    expect(second).toMatchObject({ created: 0, batches: 0 });
    const records = await expectExactlyOnePerPeriod(labId, 'America/New_York', now);
    const daily = records.find((record) => record.frequency === 'Daily' && record.modelId === 'Form 3B')!;
    expect(daily.tasks.map((task) => task.taskId)).toEqual(['T1', 'T2', 'T3']);
    expect(daily.modelVersion).toBe(1);
    const chain = await chainOf(labId);
    expect(chain).toHaveLength(1);
    expect(chain[0]).toMatchObject({ action: 'records.generated', after: { created: 15, firstNumber: `${labId}000001`, lastNumber: `${labId}000015` } });
  });

  it('backfills skipped days as Missed and marks overdue records Missed', async () => {
    const labId = await newLab('Europe/Berlin', ['Medit T710']);
    const start = new Date(Date.now() + 60_000);
    await generateLab(labId, start, 'day-0');
    const later = new Date(start.getTime() + 10 * dayMs);
    const run = await generateLab(labId, later, 'day-10');
    expect(run.backfilled).toBeGreaterThanOrEqual(9);
    expect(run.missed).toBeGreaterThanOrEqual(1);
    await expectExactlyOnePerPeriod(labId, 'Europe/Berlin', later);
  });

  it('never backfills further than the setting allows, nor before a machine entered service', async () => {
    const labId = await newLab('UTC', ['Medit T710']);
    const start = new Date(Date.now() + 60_000);
    await generateLab(labId, start, 'first');
    const muchLater = new Date(start.getTime() + 60 * dayMs);
    await generateLab(labId, muchLater, 'after an outage');
    const daily = (await recordsOf(labId)).filter((record) => record.frequency === 'Daily');
    // Today's record, the first day's, and 31 backfilled days: the days in between are beyond the setting.
    expect(daily).toHaveLength(1 + 1 + 31);
    const added = await registerEquipment(systemActor, labId, { serialNumber: `${labId}-NEW`, modelId: 'Medit T710', status: 'In Service' }, null);
    await generateLab(labId, muchLater, 'new machine');
    const fresh = (await recordsOf(labId)).filter((record) => record.serialNumber === added.serialNumber);
    // The lab was already generated through this day: a machine joining now owes its current periods only.
    expect(fresh.map((record) => `${record.frequency}:${record.status}`).sort()).toEqual(['Daily:Open', 'Monthly:Open', 'Weekly:Open']);
  });

  it('stays exactly-once over random zones, fleets, gaps between runs, parallel runs and runs stopped halfway', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...zones),
        fc.constantFrom(0, 2, 6),
        fc.array(fc.constantFrom(...models), { minLength: 1, maxLength: 5 }),
        fc.array(
          fc.record({
            gapDays: fc.integer({ min: 0, max: 12 }),
            parallel: fc.integer({ min: 1, max: 10 }),
            stopAfterBatches: fc.option(fc.integer({ min: 0, max: 2 })),
          }),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        async (timeZone, aheadHours, fleet, runs) => {
          useAheadHours(aheadHours);
          const labId = await newLab(timeZone, fleet);
          let now = new Date(Date.now() + 60_000);
          for (const [index, run] of runs.entries()) {
            now = new Date(now.getTime() + run.gapDays * dayMs + 3_600_000);
            if (run.stopAfterBatches !== null) {
              await generateLab(labId, now, `stopped-${index}`, { batchLimit: run.stopAfterBatches }).catch((error: Error) => {
                expect(error.message).toContain('stopped after');
              });
            }
            await Promise.all(Array.from({ length: run.parallel }, (_, copy) => generateLab(labId, now, `run-${index}-${copy}`)));
          }
          await expectExactlyOnePerPeriod(labId, timeZone, now);
        },
      ),
      { numRuns: 12 },
    );
    useAheadHours(0);
  });

  it("makes the next day's records ahead of midnight, off every list and not completable until the day starts", async () => {
    useAheadHours(2);
    try {
      const timeZone = 'Asia/Kolkata';
      const labId = await newLab(timeZone, ['Medit T710']);
      // An hour before the lab's midnight after next: always later than now, whatever the time of day.
      const midnight = startOfDay(localDay(new Date(), timeZone) + 2, timeZone);
      const evening = new Date(midnight.getTime() - 3_600_000);
      await generateLab(labId, evening, 'evening');
      const ahead = (await recordsOf(labId)).find((record) => record.frequency === 'Daily' && record.opensAt === midnight.toISOString());
      expect(ahead?.status).toBe('Open');
      // After midnight the run finds it there: no second record of that day.
      await generateLab(labId, new Date(midnight.getTime() + 3_600_000), 'after midnight');
      await expectExactlyOnePerPeriod(labId, timeZone, new Date(midnight.getTime() + 3_600_000));

      const admin = await product.signedIn('admin');
      const dashboard = await admin.get<{ items: { recordNumber: string }[] }>(`/api/labs/${labId}/dashboard`);
      expect(dashboard.body.items.map((row) => row.recordNumber)).not.toContain(ahead!.recordNumber);
      const listed = await admin.get<{ items: { recordNumber: string }[] }>(`/api/labs/${labId}/records?status=Open`);
      expect(listed.body.items.map((row) => row.recordNumber)).not.toContain(ahead!.recordNumber);
      const opened = await admin.get<{ opensAt: string }>(`/api/labs/${labId}/records/${ahead!.recordNumber}`);
      expect(opened.body.opensAt).toBe(midnight.toISOString());
      const early = await admin.post<{ detail: string }>(`/api/labs/${labId}/records/${ahead!.recordNumber}/complete`, {
        responses: ahead!.tasks.map((task) => ({ taskId: task.taskId, done: true, ...(task.kind === 'reading' ? { value: task.min ?? 1 } : {}) })),
        signature: { password: demoPassword, meaning: 'Performed by' },
      });
      expect(early.status, early.text).toBe(409);
      expect(early.body.detail).toContain(`opens at ${midnight.toISOString()}`);
    } finally {
      useAheadHours(0);
    }
  });
});
