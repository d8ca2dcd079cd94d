import { addRepairAction, reportNonconformity } from '../../shared/nonconformities/nonconformities.js';
import { returnToService } from '../../shared/nonconformities/return-to-service.js';
import { demoPrincipal } from '../demo-calibration.js';
import type { CosmosRequestCounts, LocalProduct } from '../product.js';
import { median } from './timing.js';
import { addDailyLab, addDailyModel } from './volume.js';

/**
 * What the reliability report costs for a 200-machine lab with a year of status history: each machine
 * fails `failuresPerMachine` times over the year (a fault reported, quarantined, half of them moved to
 * repair, then returned to service with a signature), every step written through the product's own
 * functions with its past time; then the report of the year is asked for, JSON and CSV, and timed.
 */

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;
const facts = { requestId: 'bench-reliability', clientAddress: 'bench' };

export interface ReliabilityYearFigures {
  labId: string;
  machines: number;
  nonconformities: number;
  jsonMs: number[];
  csvMs: number;
  medianJsonMs: number;
  counts: CosmosRequestCounts;
  machineRows: number;
  failuresReported: number;
}

type Session = { cookie: string; csrf: string };

export async function measureReliabilityYear(
  product: LocalProduct,
  session: Session,
  machines: number,
  failuresPerMachine: number,
  log: (line: string) => void,
): Promise<ReliabilityYearFigures> {
  const labId = 'REL200';
  const since = new Date(Date.now() - 380 * dayMs);
  await addDailyModel(since);
  await addDailyLab(labId, machines, since);
  const admin = await demoPrincipal('admin');
  const signed = async () => 'password' as const;
  log(`bench: ${machines} machines registered a year ago; writing ${machines * failuresPerMachine} failures and repairs over the year...`);
  const yearStart = Date.now() - 360 * dayMs;
  let nonconformities = 0;
  // One machine at a time in the lab's chain, as a lab's year would have written them; machines in parallel batches.
  for (let start = 0; start < machines; start += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, machines - start) }, async (_, offset) => {
        const index = start + offset;
        const serialNumber = `${labId}-${String(index).padStart(4, '0')}`;
        for (let failure = 0; failure < failuresPerMachine; failure++) {
          // Spread over the year, a different day and length for each machine.
          const opened = yearStart + ((failure * 360) / failuresPerMachine + (index % 60)) * dayMs + (index % 9) * hourMs;
          const nc = await reportNonconformity(admin, labId, { serialNumber, description: `Bench fault ${failure + 1}` }, facts, new Date(opened));
          if ((index + failure) % 2 === 0) {
            await addRepairAction(admin, labId, nc.ncNumber, { text: 'Part replaced', statusChange: 'Repair onsite' }, facts, new Date(opened + 12 * hourMs));
          }
          await returnToService(
            admin,
            labId,
            serialNumber,
            { nonconformities: [nc.ncNumber], note: 'Tested after the repair.', signature: { meaning: 'Verified by' } },
            facts,
            signed,
            new Date(opened + (24 + (index % 48)) * hourMs),
          );
          nonconformities += 1;
        }
      }),
    );
  }
  log('bench: asking for the reliability report of the year...');
  const headers = { cookie: session.cookie };
  const path = `${product.url}/api/reports/reliability?labId=${labId}`;
  const jsonMs: number[] = [];
  let counts: CosmosRequestCounts | undefined;
  let body: { machines: unknown[]; labFigures: { failures: number }[] } | undefined;
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    const measured = await product.countCosmosRequests(async () => {
      const response = await fetch(path, { headers });
      if (!response.ok) throw new Error(`The reliability report answered ${response.status}: ${await response.text()}`);
      return (await response.json()) as { machines: unknown[]; labFigures: { failures: number }[] };
    });
    jsonMs.push(performance.now() - started);
    counts = measured.counts;
    body = measured.result;
  }
  const started = performance.now();
  const csv = await fetch(`${path}&format=csv`, { headers });
  await csv.text();
  const csvMs = performance.now() - started;
  return {
    labId,
    machines,
    nonconformities,
    jsonMs,
    csvMs,
    medianJsonMs: median(jsonMs),
    counts: counts!,
    machineRows: body!.machines.length,
    failuresReported: body!.labFigures[0]?.failures ?? 0,
  };
}
