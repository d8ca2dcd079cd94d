import { addModel } from '../../shared/catalog/manage-catalog.js';
import { registerEquipment } from '../../shared/equipment/manage-equipment.js';
import { addLab } from '../../shared/labs/manage-labs.js';
import { generateLab } from '../../shared/jobs/lab-run.js';
import { runLabFromQueue } from '../../shared/jobs/generator-runs.js';
import { systemActor } from '../../shared/users/manage-users.js';
import type { CosmosRequestCounts, LocalProduct } from '../product.js';
import { median } from './timing.js';

const dayMs = 86_400_000;

/**
 * Two models whose mix gives about 31 records per machine a year, so 10 labs × 200 machines hold
 * about 60,000 records after a year: 40 % of the machines are checked weekly (52 a year), the others
 * monthly, quarterly and yearly (17 a year).
 */
const weeklyModel = 'Bench weekly';
const monthlyModel = 'Bench monthly';

export async function addBenchModels(since: Date): Promise<void> {
  await addModel(
    systemActor,
    {
      modelId: weeklyModel,
      manufacturer: 'Bench',
      equipmentClass: 'Mill',
      active: true,
      frequencies: {
        Weekly: {
          tasks: [
            { text: 'Clean the chamber', kind: 'check' },
            { text: 'Spindle air pressure', kind: 'reading', unit: 'MPa', min: 0.18, max: 0.22 },
          ],
        },
      },
    },
    null,
    since,
  );
  await addModel(
    systemActor,
    {
      modelId: monthlyModel,
      manufacturer: 'Bench',
      equipmentClass: 'Mill',
      active: true,
      frequencies: {
        Monthly: { tasks: [{ text: 'Check the belts', kind: 'check' }] },
        Quarterly: { tasks: [{ text: 'Replace the filter', kind: 'check' }] },
        Annual: { tasks: [{ text: 'Manufacturer service', kind: 'check' }] },
      },
    },
    null,
    since,
  );
}

/** A lab with `machines` machines of the bench models, in service since `since`. */
export async function addBenchLab(labId: string, machines: number, since: Date): Promise<void> {
  await addLab(systemActor, { labId, name: `Bench ${labId}`, timeZone: 'Europe/Berlin', active: true }, null);
  for (let start = 0; start < machines; start += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, machines - start) }, (_, offset) => {
        const index = start + offset;
        const modelId = index % 5 < 2 ? weeklyModel : monthlyModel;
        return registerEquipment(
          systemActor,
          labId,
          { serialNumber: `${labId}-${String(index).padStart(4, '0')}`, modelId, status: 'In Service' },
          null,
          since,
        );
      }),
    );
  }
}

export function changedBy(summary: { created: number; backfilled: number; missed: number; cancelled: number; reopened: number }): number {
  return summary.created + summary.backfilled + summary.missed + summary.cancelled + summary.reopened;
}

export interface CompanyFigures {
  labs: number;
  equipment: number;
  recordsCreated: number;
  seconds: number;
  recordsPerSecond: number;
  /** The first (year-long) run of each lab, requests per lab on average. */
  firstRunRequestsPerLab: number;
}

/**
 * Labs of `machines` machines each, in service for `days`, then one generator run per lab: a year of
 * records. `aroundRecords` wraps the runs that write the records (the bench measures the event loop there).
 */
export async function seedCompany(
  product: LocalProduct,
  labIds: string[],
  machines: number,
  days: number,
  log: (line: string) => void,
  aroundRecords: (work: () => Promise<void>) => Promise<void> = (work) => work(),
): Promise<CompanyFigures> {
  const since = new Date(Date.now() - days * dayMs);
  await addBenchModels(since);
  for (const labId of labIds) await addBenchLab(labId, machines, since);
  log(`bench: ${labIds.length} labs × ${machines} machines registered; generating ${days} days of records...`);
  let recordsCreated = 0;
  let requests = 0;
  const started = performance.now();
  await aroundRecords(async () => {
    for (const labId of labIds) {
      const { result, counts } = await product.countCosmosRequests(() => generateLab(labId, new Date(), `bench-${labId}`));
      recordsCreated += result.created + result.backfilled;
      requests += counts.total;
    }
  });
  const seconds = (performance.now() - started) / 1000;
  return {
    labs: labIds.length,
    equipment: labIds.length * machines,
    recordsCreated,
    seconds,
    recordsPerSecond: recordsCreated / seconds,
    firstRunRequestsPerLab: requests / labIds.length,
  };
}

export interface HourlyRunFigures {
  steady: CosmosRequestCounts;
  nextDay: CosmosRequestCounts & { recordsChanged: number };
  nextWeek: CosmosRequestCounts & { recordsChanged: number };
}

/**
 * Requests of one lab's queued run, status included: an hourly run with nothing to do, the first run
 * of the next day, and the first run of the next week (new weekly records, last week's open ones Missed).
 */
export async function measureHourlyRuns(product: LocalProduct, labId: string): Promise<HourlyRunFigures> {
  const run = (asOf: Date) =>
    product.countCosmosRequests(() =>
      runLabFromQueue({ runId: `bench-hourly-${asOf.getTime()}`, labId, asOf: asOf.toISOString() }, { messageId: 'bench', dequeueCount: 1 }),
    );
  const now = new Date();
  await run(now);
  const steady = await run(now);
  const nextDay = await run(new Date(now.getTime() + dayMs));
  const nextWeek = await run(new Date(now.getTime() + 7 * dayMs));
  return {
    steady: steady.counts,
    nextDay: { ...nextDay.counts, recordsChanged: changedBy(nextDay.result) },
    nextWeek: { ...nextWeek.counts, recordsChanged: changedBy(nextWeek.result) },
  };
}

/**
 * Generator time at twice the equipment over time at the equipment: fresh pairs of labs, alternating
 * which goes first, the median of the ratios.
 */
export async function measureLinearity(machines: number, days: number, pairs: number): Promise<number> {
  const since = new Date(Date.now() - days * dayMs);
  const ratios: number[] = [];
  for (let pair = 0; pair < pairs; pair++) {
    const single = `LIN${pair}A`;
    const double = `LIN${pair}B`;
    await addBenchLab(single, machines, since);
    await addBenchLab(double, machines * 2, since);
    const time = async (labId: string) => {
      const started = performance.now();
      await generateLab(labId, new Date(), `bench-linearity-${labId}`);
      return performance.now() - started;
    };
    const [first, second] = pair % 2 === 0 ? [single, double] : [double, single];
    const firstTime = await time(first);
    const secondTime = await time(second);
    ratios.push(pair % 2 === 0 ? secondTime / firstTime : firstTime / secondTime);
  }
  return median(ratios);
}
