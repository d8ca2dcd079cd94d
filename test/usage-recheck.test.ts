import { PluginOn, type PluginConfig } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addModel } from '../shared/catalog/manage-catalog.js';
import { container, useExtraCosmosPlugins } from '../shared/data/cosmos.js';
import { readEquipment } from '../shared/data/equipment-repository.js';
import type { RecordDocument } from '../shared/data/records-repository.js';
import type { AuditEvent } from '../shared/domain/audit-chain.js';
import { registerEquipment } from '../shared/equipment/manage-equipment.js';
import { generateLab } from '../shared/jobs/lab-run.js';
import { addMeter, takeReading } from '../shared/meters/meter-readings.js';
import { systemActor } from '../shared/users/manage-users.js';
import { startTestProduct, type TestProduct } from './helpers/test-product.js';

/**
 * The hourly lab run and the meters (SPEC §15): a usage record lost between the reading's machine
 * write and the record's create is opened by the next run, once; a whichever-first schedule's months
 * open a record when they run out before the units.
 */
const labId = 'USG1';
const serialNumber = 'WM-1';
const dayMs = 86_400_000;
const start = new Date('2026-01-10T09:00:00.000Z');
const at = (days: number) => new Date(start.getTime() + days * dayMs);
let product: TestProduct;
let failRecordWrites = false;

/** The records container refuses every batch while set: the process died after the machine was written. */
const lostRecordWrites: PluginConfig = {
  on: PluginOn.request,
  plugin: async (context, _diagnostics, next) => {
    if (failRecordWrites && String(context.operationType) === 'batch' && (context.path ?? '').includes('/colls/records'))
      throw Object.assign(new Error('The process stopped before the records were written'), { code: 500 });
    return next(context);
  },
};

async function usageRecords(): Promise<RecordDocument[]> {
  const { resources } = await (
    await container('records')
  ).items
    .query<RecordDocument>({ query: "SELECT * FROM c WHERE c.type = 'record' AND c.frequency = 'Usage' ORDER BY c.recordNumber" }, { partitionKey: labId })
    .fetchAll();
  return resources;
}

async function openedEntries(): Promise<AuditEvent[]> {
  const { resources } = await (
    await container('records')
  ).items
    .query<AuditEvent>({ query: "SELECT * FROM c WHERE c.type = 'audit' AND c.action = 'record.opened'" }, { partitionKey: labId })
    .fetchAll();
  return resources;
}

const read = (value: number, days: number) => takeReading(systemActor, labId, serialNumber, { meterId: 'M1' }, { value, source: 'typed' }, null, at(days));

beforeAll(async () => {
  product = await startTestProduct();
  useExtraCosmosPlugins([lostRecordWrites]);
  const admin = await product.signedIn('admin');
  expect((await admin.post('/api/labs', { labId, name: 'Usage lab', timeZone: 'Europe/Berlin' })).status).toBe(201);
  await addModel(
    systemActor,
    {
      modelId: 'Whichever Mill',
      manufacturer: 'Roland DGA',
      equipmentClass: 'Mill',
      active: true,
      frequencies: {},
      usageSchedules: [
        { meter: 'Spindle hours', every: 500, orEveryMonths: 6, dueWithin: { days: 14 }, tasks: [{ text: 'Service the spindle', kind: 'check' }] },
      ],
    },
    null,
    at(-1),
  );
  await registerEquipment(systemActor, labId, { serialNumber, modelId: 'Whichever Mill', status: 'In Service' }, null, at(-1));
  await addMeter(systemActor, labId, serialNumber, { name: 'Spindle hours', unit: 'h' }, null, at(0));
}, 60_000);

afterAll(async () => {
  useExtraCosmosPlugins([]);
  await product.cleanup();
});

describe('the lab run and the meters', () => {
  it('URS-145 opens once the usage record a failure lost after its reading was kept, and a second run opens nothing more', async () => {
    await read(0, 0);
    await read(490, 1);
    failRecordWrites = true;
    await expect(read(520, 2)).rejects.toThrow();
    failRecordWrites = false;
    const machine = (await readEquipment(labId, serialNumber))!.document;
    expect(machine.meters![0]).toMatchObject({ value: 520, total: 520, readings: 3 });
    expect(await usageRecords()).toEqual([]);

    await generateLab(labId, new Date(at(2).getTime() + 3_600_000), 'after-the-failure');
    const records = await usageRecords();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      status: 'Open',
      periodStart: '2026-01-12',
      usage: { meter: 'Spindle hours', threshold: 500, occurrence: 1, cause: 'units' },
    });
    expect(records[0]!.dueEnd).toBe('2026-01-26T23:00:00.000Z');
    expect((await openedEntries()).map((entry) => entry.reason)).toEqual(['Spindle hours of WM-1: passed 500 h']);

    await generateLab(labId, new Date(at(2).getTime() + 2 * 3_600_000), 'again');
    expect(await usageRecords()).toHaveLength(1);
    // The second run found the record stored: the machine keeps no opening to check any more.
    expect((await readEquipment(labId, serialNumber))!.document.meters![0]!.usage![0]!.unconfirmed).toEqual([]);
  });

  it('URS-144 opens a record when six months since the last opening run out before the next 500 h, once, and counts again from it', async () => {
    // The last record opened on 12 January at 500 h; 12 July is six months on.
    await generateLab(labId, new Date('2026-07-11T12:00:00.000Z'), 'the-day-before');
    expect(await usageRecords()).toHaveLength(1);
    await generateLab(labId, new Date('2026-07-12T08:00:00.000Z'), 'six-months-on');
    await generateLab(labId, new Date('2026-07-12T09:00:00.000Z'), 'an-hour-later');
    const records = await usageRecords();
    expect(records).toHaveLength(2);
    expect(records[1]).toMatchObject({ periodStart: '2026-07-12', usage: { threshold: 520, occurrence: 2, cause: 'calendar', months: 6 } });
    expect((await openedEntries()).map((entry) => entry.reason)).toContain('Spindle hours of WM-1: 6 months since the last service');
    // Counted again from 520 h: 1,019 h opens nothing, 1,020 h the next.
    expect((await read(1019, 190)).recordsOpened).toEqual([]);
    expect((await read(1020, 191)).recordsOpened).toHaveLength(1);
    expect((await usageRecords())[2]).toMatchObject({ usage: { threshold: 1020, occurrence: 3, cause: 'units' } });
  });
});
