import { addModel } from '../../shared/catalog/manage-catalog.js';
import { registerEquipment } from '../../shared/equipment/manage-equipment.js';
import { addLab } from '../../shared/labs/manage-labs.js';
import { generateLab } from '../../shared/jobs/lab-run.js';
import type { VerificationPage } from '../../shared/schemas/audit-verification.js';
import type { ComplianceReport } from '../../shared/schemas/reports.js';
import { systemActor } from '../../shared/users/manage-users.js';
import type { CosmosRequestCounts, LocalProduct } from '../product.js';
import { median } from './timing.js';

/**
 * Requests at a real company's volume (SPEC §13: each inside the 45 s Static Web Apps gives a linked
 * backend): the verification of a 200-machine lab after a year, about 73,000 records when every
 * machine has a daily checklist (SPEC's figure is 68,000), page by page; and one page of the
 * compliance report of a 1,000-lab company, whose labs in that page each hold 30 days of such a lab.
 */

const dayMs = 86_400_000;
const dailyModel = 'Bench daily';

export async function addDailyModel(since: Date): Promise<void> {
  await addModel(
    systemActor,
    {
      modelId: dailyModel,
      manufacturer: 'Bench',
      equipmentClass: 'Mill',
      active: true,
      frequencies: { Daily: { tasks: [{ text: 'Wipe down and check the guards', kind: 'check' }] } },
    },
    null,
    since,
  );
}

export async function addDailyLab(labId: string, machines: number, since: Date): Promise<void> {
  await addLab(systemActor, { labId, name: `Bench ${labId}`, timeZone: 'Europe/Berlin', active: true }, null);
  for (let start = 0; start < machines; start += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, machines - start) }, (_, offset) =>
        registerEquipment(
          systemActor,
          labId,
          { serialNumber: `${labId}-${String(start + offset).padStart(4, '0')}`, modelId: dailyModel, status: 'In Service' },
          null,
          since,
        ),
      ),
    );
  }
}

type Get = <T>(path: string) => Promise<T>;

export interface VerificationFigures {
  records: number;
  pages: number;
  intact: boolean | null;
  maxMs: number;
  medianMs: number;
  totalMs: number;
  worstCounts: CosmosRequestCounts;
}

/** A year of a lab of `machines` daily machines, then its whole verification, one timed request per page. */
export async function measureVerificationAtYear(product: LocalProduct, get: Get, machines: number, log: (line: string) => void): Promise<VerificationFigures> {
  // Named to sort after the company's labs, so the report's first page is theirs.
  const labId = 'YEAR200';
  const since = new Date(Date.now() - 365 * dayMs);
  await addDailyModel(since);
  await addDailyLab(labId, machines, since);
  log(`bench: ${machines} daily machines registered a year ago; generating the year's records...`);
  const generated = await generateLab(labId, new Date(), 'bench-volume');
  log(`bench: ${generated.created + generated.backfilled} records; verifying page by page...`);
  const times: number[] = [];
  let worst = { ms: 0, counts: undefined as CosmosRequestCounts | undefined };
  let token: string | null = null;
  let last: VerificationPage | undefined;
  let records = 0;
  do {
    const path: string = `/api/audit/verify?labId=${labId}${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`;
    const started = performance.now();
    const { result, counts } = await product.countCosmosRequests(() => get<VerificationPage>(path));
    const ms = performance.now() - started;
    times.push(ms);
    if (ms > worst.ms) worst = { ms, counts };
    records += result.recordsChecked;
    last = result;
    token = result.continuationToken;
  } while (token);
  return {
    records,
    pages: times.length,
    intact: last?.intact ?? null,
    maxMs: Math.max(...times),
    medianMs: median(times),
    totalMs: times.reduce((sum, ms) => sum + ms, 0),
    worstCounts: worst.counts!,
  };
}

export interface CompanyReportFigures {
  labs: number;
  labsWithData: number;
  records: number;
  firstPageLabs: number;
  rows: number;
  ms: number;
  counts: CosmosRequestCounts;
}

/**
 * A company of `labs` labs; the first page's labs (in lab order) each have `machines` daily machines
 * and 30 days of records, the others no machines: a page costs what its own labs hold.
 */
export async function measureCompanyReport(
  product: LocalProduct,
  get: Get,
  labs: number,
  labsWithData: number,
  machines: number,
  log: (line: string) => void,
): Promise<CompanyReportFigures> {
  const since = new Date(Date.now() - 30 * dayMs);
  const labIds = Array.from({ length: labs }, (_, index) => `CO${String(index + 1).padStart(4, '0')}`);
  let records = 0;
  for (const labId of labIds.slice(0, labsWithData)) {
    await addDailyLab(labId, machines, since);
    const generated = await generateLab(labId, new Date(), `bench-company-${labId}`);
    records += generated.created + generated.backfilled;
  }
  log(`bench: ${labsWithData} labs with 30 days of ${machines} daily machines (${records} records); adding ${labs - labsWithData} more labs...`);
  for (let start = labsWithData; start < labs; start += 50) {
    await Promise.all(
      labIds.slice(start, start + 50).map((labId) => addLab(systemActor, { labId, name: `Bench ${labId}`, timeZone: 'Europe/Berlin', active: true }, null)),
    );
  }
  log('bench: the compliance report of every lab, first page...');
  const started = performance.now();
  const { result, counts } = await product.countCosmosRequests(() => get<ComplianceReport>('/api/reports/compliance'));
  const ms = performance.now() - started;
  const rows = result.summary.reduce((sum, row) => sum + row.total, 0);
  return { labs, labsWithData, records, firstPageLabs: result.labs.length, rows, ms, counts };
}
