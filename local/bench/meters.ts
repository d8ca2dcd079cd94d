import { addModel } from '../../shared/catalog/manage-catalog.js';
import { registerEquipment } from '../../shared/equipment/manage-equipment.js';
import { addLab } from '../../shared/labs/manage-labs.js';
import { addMeter } from '../../shared/meters/meter-readings.js';
import type { ReadingResult } from '../../shared/schemas/meters.js';
import type { PmRecord } from '../../shared/schemas/records.js';
import { systemActor } from '../../shared/users/manage-users.js';
import type { CosmosRequestCounts, LocalProduct } from '../product.js';

/**
 * Readings at a controller's pace (issue #37's budget): `rate` readings a second posted through the
 * API with a meters:write key for `machines` machines of one lab for `seconds`, each moving a spindle
 * meter by 1 to 5 hours, with a service every 50 hours. Printed, never asserted.
 */
export interface MeterFigures {
  seconds: number;
  machines: number;
  readings: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  thresholdsCrossed: number;
  recordsOpened: number;
  usageRecordsInStore: number;
  cosmosRequestsPerReading: number;
  counts: CosmosRequestCounts;
}

const labId = 'BENCHM';
const every = 50;

type Session = { cookie: string; csrf: string };

export async function measureMeterReadings(
  product: LocalProduct,
  admin: Session,
  options: { rate: number; machines: number; seconds: number },
): Promise<MeterFigures> {
  await addLab(systemActor, { labId, name: 'Bench meters', timeZone: 'Europe/Berlin', active: true }, null);
  await addModel(
    systemActor,
    {
      modelId: 'Bench usage mill',
      manufacturer: 'Bench',
      equipmentClass: 'Mill',
      active: true,
      frequencies: {},
      usageSchedules: [{ meter: 'Spindle hours', every, dueWithin: { days: 14 }, tasks: [{ text: 'Service the spindle', kind: 'check' }] }],
    },
    null,
  );
  const serials = Array.from({ length: options.machines }, (_, index) => `BM-${String(index).padStart(4, '0')}`);
  for (let start = 0; start < serials.length; start += 25) {
    await Promise.all(
      serials.slice(start, start + 25).map(async (serialNumber) => {
        await registerEquipment(systemActor, labId, { serialNumber, modelId: 'Bench usage mill', status: 'In Service' }, null);
        await addMeter(systemActor, labId, serialNumber, { name: 'Spindle hours', unit: 'h' }, null);
      }),
    );
  }
  const created = await fetch(`${product.url}/api/api-keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: product.url, cookie: admin.cookie, 'x-csrf-token': admin.csrf },
    body: JSON.stringify({
      name: 'Bench controllers',
      labIds: [labId],
      scopes: ['meters:write'],
      expiresOn: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10),
    }),
  });
  const { key } = (await created.json()) as { key: string };

  const values = new Map(serials.map((serial) => [serial, 0]));
  const totals = new Map(serials.map((serial) => [serial, 0]));
  const latencies: number[] = [];
  let errors = 0;
  let opened = 0;
  const post = async (serialNumber: string) => {
    const value = values.get(serialNumber)! + 1 + Math.floor(Math.random() * 5);
    values.set(serialNumber, value);
    const started = performance.now();
    const response = await fetch(`${product.url}/api/machines/${serialNumber}/meter-readings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ meter: 'Spindle hours', value }),
    });
    latencies.push(performance.now() - started);
    if (response.status !== 201) {
      errors += 1;
      await response.text();
      return;
    }
    const answer = (await response.json()) as ReadingResult;
    opened += answer.recordsOpened.length;
    totals.set(serialNumber, Math.max(totals.get(serialNumber)!, answer.meter.total));
  };

  const { counts } = await product.countCosmosRequests(async () => {
    const pending: Promise<void>[] = [];
    const started = performance.now();
    const total = options.rate * options.seconds;
    for (let sent = 0; sent < total; sent++) {
      // Paced to the rate; readings of one machine go out in turn, as a controller's would.
      const due = started + (sent * 1000) / options.rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const serial = serials[sent % serials.length]!;
      const previous = pending[sent - serials.length] ?? Promise.resolve();
      pending.push(previous.then(() => post(serial)));
    }
    await Promise.all(pending);
  });

  const thresholdsCrossed = [...totals.values()].reduce((sum, total) => sum + Math.floor(total / every), 0);
  let usageRecordsInStore = 0;
  for (let token: string | null = null, first = true; first || token; first = false) {
    const page = await fetch(
      `${product.url}/api/labs/${labId}/records?frequency=Usage&pageSize=1000${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`,
      { headers: { cookie: admin.cookie } },
    );
    const body = (await page.json()) as { items: PmRecord[]; continuationToken: string | null };
    usageRecordsInStore += body.items.length;
    token = body.continuationToken;
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (fraction: number) => Number((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0).toFixed(1));
  return {
    seconds: options.seconds,
    machines: options.machines,
    readings: latencies.length,
    errors,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    thresholdsCrossed,
    recordsOpened: opened,
    usageRecordsInStore,
    cosmosRequestsPerReading: Number((counts.total / Math.max(1, latencies.length)).toFixed(2)),
    counts,
  };
}
