import { actorOf } from '../shared/auth/principal.js';
import { verifyPassword } from '../shared/auth/passwords.js';
import { readEquipment } from '../shared/data/equipment-repository.js';
import { addMeter, takeReading } from '../shared/meters/meter-readings.js';
import { completeRecord, findLabRecord } from '../shared/records/manage-records.js';
import { answers, demoPrincipal } from './demo-records.js';

const seedFacts = { requestId: 'demo-seed', clientAddress: 'local' };
const dayMs = 86_400_000;

/** A meter's history in the demo: the value read each so many days ago, oldest first. */
interface DemoMeter {
  serialNumber: string;
  name: string;
  unit: string;
  readings: [daysAgo: number, value: number][];
}

/** Half a year of use, read every two weeks or so. */
const everyFortnight = (from: number, perDay: number, last: number): [number, number][] =>
  Array.from({ length: 13 }, (_, index): [number, number] => [180 - index * 14, Math.round(from + perDay * index * 14)]).filter(([daysAgo]) => daysAgo > last);

const demoMeters: DemoMeter[] = [
  // Passed its 500 h spindle service five days ago; tech1 did the service and signed it.
  { serialNumber: 'DWX-01-002', name: 'Spindle hours', unit: 'h', readings: [...everyFortnight(0, 2.7, 5), [5, 506], [1, 518]] },
  // A quieter mill, read for four months: its first service, by hours or at six months, still ahead.
  { serialNumber: 'DWX-01-006', name: 'Spindle hours', unit: 'h', readings: everyFortnight(0, 1.7, 0).filter(([daysAgo]) => daysAgo <= 124) },
  // Passed 2,000 layers two days ago: its resin tank change is open and due this week.
  { serialNumber: 'F3B-01-005', name: 'Layers printed', unit: 'layers', readings: [...everyFortnight(0, 10.5, 2), [2, 2040]] },
];

/**
 * The demo's mills and printers with meters and half a year of readings, typed by tech1 on the days
 * they were read, through the product's reading code: so the usage records their thresholds call for
 * open as they would have (SPEC §15). The mill's spindle service is done and signed; the printer's
 * resin tank change is left open and due. Runs once: not when the first mill already has a meter.
 */
export async function seedDemoMeters(password: string): Promise<void> {
  const first = await readEquipment('LAB01', demoMeters[0]!.serialNumber);
  if (!first || (first.document.meters ?? []).length > 0) return;
  const technician = await demoPrincipal('tech1');
  if (!technician?.user.passwordHash || !(await verifyPassword(password, technician.user.passwordHash))) return;
  const actor = actorOf(technician);
  const opened: string[] = [];
  for (const meter of demoMeters) {
    const [[firstDaysAgo]] = meter.readings as [[number, number]];
    const added = await addMeter(actor, 'LAB01', meter.serialNumber, { name: meter.name, unit: meter.unit }, seedFacts, daysAgo(firstDaysAgo + 1));
    for (const [days, value] of meter.readings) {
      const taken = await takeReading(actor, 'LAB01', meter.serialNumber, { meterId: added.meterId }, { value, source: 'typed' }, seedFacts, daysAgo(days));
      if (meter.serialNumber === 'DWX-01-002') opened.push(...taken.recordsOpened);
    }
  }
  // The demo password was checked once above; the signature is tech1's.
  for (const recordNumber of opened) {
    const record = (await findLabRecord('LAB01', recordNumber)).document;
    await completeRecord(
      technician,
      'LAB01',
      recordNumber,
      { responses: answers(record), signature: { meaning: 'Performed by' } },
      seedFacts,
      null,
      async () => 'password' as const,
    );
  }
}

function daysAgo(days: number): Date {
  return new Date(Date.now() - days * dayMs);
}
