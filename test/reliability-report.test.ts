import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reliabilityDemoDaysBack } from '../local/demo-reliability.js';
import { demoLabs } from '../local/demo-seed.js';
import { parseDay, startOfDay } from '../shared/domain/periods.js';
import type { ReliabilityReport } from '../shared/schemas/reliability.js';
import type { ComplianceReport } from '../shared/schemas/reports.js';
import type { VerificationPage } from '../shared/schemas/audit-verification.js';
import type { ApiClient, ApiResponse } from './helpers/api-client.js';
import { labDaysAgo } from './helpers/lab-days.js';
import { startTestProduct, type TestProduct } from './helpers/test-product.js';

let product: TestProduct;
let admin: ApiClient;
let technician: ApiClient;

beforeAll(async () => {
  product = await startTestProduct();
  admin = await product.signedIn('admin');
  technician = await product.signedIn('tech1');
});
afterAll(async () => product.cleanup());

const chicago = demoLabs.find((lab) => lab.labId === 'LAB02')!.timeZone;
/** From five days before the demo's story starts to 80 days after (its last return is at day 66). */
const from = labDaysAgo('LAB02', reliabilityDemoDaysBack + 5);
const to = labDaysAgo('LAB02', reliabilityDemoDaysBack - 80);
/**
 * The period's length in hours, from the lab's midnights (86 days; 85 or 87 × … where a clock change
 * falls inside): every machine in service throughout is in the lab this long.
 */
const span = (startOfDay(parseDay(to) + 1, chicago).getTime() - startOfDay(parseDay(from), chicago).getTime()) / 3_600_000;
const problem = (body: unknown) => (body as { detail: string }).detail;

async function report(query: string): Promise<ReliabilityReport> {
  const response = await admin.get<ReliabilityReport>(`/api/reports/reliability?${query}`);
  expect(response.status, response.text).toBe(200);
  return response.body;
}

describe('reliability report', () => {
  it('URS-155 gives the demo machines the figures their status history says, added up by hand', async () => {
    const body = await report(`labId=LAB02&from=${from}&to=${to}`);
    const mill = body.machines.find((row) => row.serialNumber === 'DWX-02-002')!;
    // DWX-02-002, hours from the story's start: request 0 h, quarantined (Out of Service) at 2 h, Repair
    // onsite at 26 h, returned at 50 h; reported by hand and quarantined at 1440 h, Repair offsite at
    // 1464 h, returned at 1584 h.
    //   Out of Service: (26 − 2) + (1464 − 1440) = 48 h; Repair onsite: 50 − 26 = 24 h; Repair offsite: 1584 − 1464 = 120 h
    //   down: 48 + 24 + 120 = 192 h; In Service: span − 192; failures: 2; MTBF: (span − 192) / 2
    //   repairs: 2, quarantine to return 48 h and 144 h; MTTR: (48 + 144) / 2 = 96 h
    expect(mill).toMatchObject({
      machines: 1,
      inLabHours: span,
      outOfServiceHours: { 'Out of Service': 48, 'Repair onsite': 24, 'Repair offsite': 120 },
      downHours: 192,
      inServiceHours: span - 192,
      failures: 2,
      mtbfHours: (span - 192) / 2,
      repairs: 2,
      mttrHours: 96,
    });
    // F3B-02-001: request at 720 h, quarantined at 721 h, returned at 751 h without a repair status.
    //   Out of Service 30 h; failures 1; MTBF span − 30; MTTR 30 h.
    expect(body.machines.find((row) => row.serialNumber === 'F3B-02-001')).toMatchObject({
      outOfServiceHours: { 'Out of Service': 30, 'Repair onsite': 0, 'Repair offsite': 0 },
      downHours: 30,
      failures: 1,
      mtbfHours: span - 30,
      repairs: 1,
      mttrHours: 30,
    });
    // A machine that never failed has no MTBF (not infinity) and no MTTR.
    expect(body.machines.find((row) => row.serialNumber === 'DWX-02-006')).toMatchObject({
      inServiceHours: span,
      downHours: 0,
      failures: 0,
      mtbfHours: null,
      mttrHours: null,
    });
    // The mills of LAB02: DWX-02-002, -006, -010, -014, -018 in service and DWX-02-102 registered in
    // Repair onsite. In Service: 4 × span + (span − 192) = 5 × span − 192; Repair onsite: span + 24;
    // MTBF: (5 × span − 192) / 2; MTTR still 96 h.
    expect(body.models.find((row) => row.modelId === 'DWX-52DCi')).toMatchObject({
      labId: 'LAB02',
      machines: 6,
      inServiceHours: 5 * span - 192,
      outOfServiceHours: { 'Out of Service': 48, 'Repair onsite': span + 24, 'Repair offsite': 120 },
      failures: 2,
      mtbfHours: (5 * span - 192) / 2,
      mttrHours: 96,
    });
    // The lab: three failures, three repairs of 48, 144 and 30 hours: MTTR (48 + 144 + 30) / 3 = 74 h.
    expect(body.labFigures).toEqual([expect.objectContaining({ labId: 'LAB02', failures: 3, repairs: 3, mttrHours: 74 })]);
    // The chart's stretches of the mill: In Service, Out of Service, Repair onsite, In Service, Out of Service, Repair offsite, In Service.
    expect(mill.stretches.map((stretch) => stretch.status)).toEqual([
      'In Service',
      'Out of Service',
      'Repair onsite',
      'In Service',
      'Out of Service',
      'Repair offsite',
      'In Service',
    ]);
    expect(mill.stretches[0]!.from).toBe(startOfDay(parseDay(from), chicago).toISOString());
    // Written through the product's own steps, the lab's audit chain holds the story and verifies.
    let token: string | null = null;
    do {
      const page: ApiResponse<VerificationPage> = await admin.get<VerificationPage>(
        `/api/audit/verify?labId=LAB02${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`,
      );
      expect(page.body.firstBroken).toBeNull();
      token = page.body.continuationToken;
    } while (token);
  });

  it('URS-156 counts PM compliance as the compliance report does, and leaves retired time out', async () => {
    const reliability = await report('labId=LAB02');
    const compliance = (await admin.get<ComplianceReport>(`/api/reports/compliance?labId=LAB02&from=${reliability.from}&to=${reliability.to}`)).body;
    const done = compliance.summary.reduce((sum, row) => sum + row.completedOnTime + row.completedLate, 0);
    const due = compliance.summary.reduce((sum, row) => sum + row.completedOnTime + row.completedLate + row.awaitingVerification + row.missed, 0);
    expect(due).toBeGreaterThan(0);
    expect(reliability.labFigures[0]).toMatchObject({ pmDue: due, pmDone: done, pmCompliance: Math.round((done / due) * 10_000) / 10_000 });
    // PS2-02-103 was registered retired: no time in the lab to report.
    expect(reliability.machines.some((row) => row.serialNumber === 'PS2-02-103')).toBe(false);
  });

  it('URS-157 filters by machine and by model, and gives each table as CSV with its hours named', async () => {
    const one = await report(`serialNumber=DWX-02-002&from=${from}&to=${to}`);
    expect(one.machines.map((row) => row.serialNumber)).toEqual(['DWX-02-002']);
    const mills = await report(`labId=LAB02&modelId=DWX-52DCi&from=${from}&to=${to}`);
    expect(new Set(mills.machines.map((row) => row.modelId))).toEqual(new Set(['DWX-52DCi']));
    const csv = await admin.get(`/api/reports/reliability?labId=LAB02&from=${from}&to=${to}&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const rows = parse(csv.text.replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
    const mill = rows.find((row) => row.serial_number === 'DWX-02-002')!;
    expect(mill).toMatchObject({
      lab_id: 'LAB02',
      lab_name: 'Chicago Dental Lab',
      out_of_service_hours: '48',
      repair_onsite_hours: '24',
      repair_offsite_hours: '120',
      down_hours: '192',
      failures: '2',
      mttr_hours: '96',
      period_from: from,
      period_to: to,
      generated_by_username: 'admin',
    });
    expect(rows.find((row) => row.serial_number === 'DWX-02-006')!.mtbf_hours).toBe('');
    const labs = parse((await admin.get(`/api/reports/reliability?labId=LAB02&from=${from}&to=${to}&format=csv&section=labs`)).text.replace(/^\uFEFF/, ''), {
      columns: true,
    }) as Record<string, string>[];
    expect(labs).toEqual([expect.objectContaining({ lab_id: 'LAB02', failures: '3', mttr_hours: '74' })]);
    const models = parse(
      (await admin.get(`/api/reports/reliability?labId=LAB02&from=${from}&to=${to}&format=csv&section=models`)).text.replace(/^\uFEFF/, ''),
      {
        columns: true,
      },
    ) as Record<string, string>[];
    expect(models.find((row) => row.model_id === 'DWX-52DCi')).toMatchObject({ machines: '6', failures: '2' });
  });

  it('URS-158 refuses a period that ends before it starts, a date that does not exist and a period over 366 days, in sentences', async () => {
    const backwards = await admin.get(`/api/reports/reliability?labId=LAB02&from=2026-03-10&to=2026-03-01`);
    expect(backwards.status).toBe(400);
    expect(problem(backwards.body)).toBe('The report starts after it ends.');
    const noSuchDay = await admin.get(`/api/reports/reliability?labId=LAB02&from=2026-02-30&to=2026-03-01`);
    expect(noSuchDay.status).toBe(400);
    expect(problem(noSuchDay.body)).toBe('Some of the query parameters need correcting: From must be a date that exists.');
    const tooLong = await admin.get(`/api/reports/reliability?labId=LAB02&from=2025-01-01&to=2026-01-02`);
    expect(tooLong.status).toBe(400);
    expect(problem(tooLong.body)).toBe('The reliability report covers at most 366 days; ask for a shorter period.');
    const aYear = await admin.get(`/api/reports/reliability?labId=LAB02&from=2024-01-01&to=2024-12-31`);
    expect(aYear.status, 'a leap year is 366 days').toBe(200);
    const unknown = await admin.get(`/api/reports/reliability?labId=LAB02&machine=DWX-02-002`);
    expect(unknown.status).toBe(400);
  });

  it('URS-159 is for those who read reports: a technician is refused', async () => {
    const refused = await technician.get('/api/reports/reliability?labId=LAB01');
    expect(refused.status).toBe(403);
  });
});
