import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PmRecord } from '../shared/schemas/records.js';
import type { CalibrationReport } from '../shared/schemas/calibration.js';
import type { NonconformityReport } from '../shared/schemas/nonconformities.js';
import type { ComplianceReport } from '../shared/schemas/reports.js';
import { demoLabs } from '../local/demo-seed.js';
import type { ApiClient, ApiResponse } from './helpers/api-client.js';
import { labDaysAgo } from './helpers/lab-days.js';
import { demoPassword, startTestProduct, type TestProduct } from './helpers/test-product.js';

let product: TestProduct;
let admin: ApiClient;

beforeAll(async () => {
  product = await startTestProduct();
  admin = await product.signedIn('admin');
});
afterAll(async () => product.cleanup());

describe('compliance report', () => {
  it('gives the demo lab the figures its records say: three done on time, three late, one missed day justified', async () => {
    const response = await admin.get<ComplianceReport>('/api/reports/compliance?labId=LAB01');
    expect(response.status).toBe(200);
    const daily = response.body.summary.find((row) => row.frequency === 'Daily')!;
    expect(daily).toMatchObject({ labId: 'LAB01', completedOnTime: 3, completedLate: 3, missedJustified: 1, cancelled: 0 });
    expect(daily.total).toBe(daily.completedOnTime + daily.completedLate + daily.missed + daily.cancelled + daily.open);
    expect(daily.completionRate).toBeCloseTo(6 / (6 + daily.missed), 4);
    const listed = await admin.get<{ items: unknown[] }>(
      `/api/labs/LAB01/records?frequency=Daily&status=Missed&from=${response.body.from}&to=${response.body.to}&pageSize=1000`,
    );
    expect(daily.missed).toBe(listed.body.items.length);
    expect(response.body.missed.filter((row) => row.frequency === 'Daily' && row.status === 'Missed')).toHaveLength(daily.missed);
    expect(response.body.missed.find((row) => row.justification)?.justifiedBy).toBe('Maria Manager');
  });

  it('covers every lab the caller may report on when no lab is named', async () => {
    const all = await admin.get<ComplianceReport>('/api/reports/compliance');
    expect(all.body.labs).toEqual(['LAB01', 'LAB02', 'LAB03', 'LAB04', 'LAB05', 'LAB06', 'LAB07', 'LAB08', 'LAB09', 'LAB10']);
    expect(new Set(all.body.summary.map((row) => row.labId))).toEqual(new Set(['LAB01', 'LAB02']));
    const manager = await product.signedIn('manager1');
    expect((await manager.get<ComplianceReport>('/api/reports/compliance')).body.labs).toEqual(['LAB01', 'LAB02']);
    expect((await manager.get('/api/reports/compliance?labId=LAB03')).status).toBe(403);
    expect((await (await product.signedIn('tech1')).get('/api/reports/compliance?labId=LAB01')).status).toBe(403);
  });

  it('ends on the lab’s own today when no end is given, and on the latest of the labs’ todays for several', async () => {
    // Sydney's today begins at 13:00 UTC in summer and Honolulu's ends at 10:00 UTC: the UTC date
    // would drop a Sydney morning's work and end tomorrow for Honolulu each evening.
    for (const labId of ['LAB09', 'LAB10', 'LAB01']) {
      const today = labDaysAgo(labId, 0);
      expect((await admin.get<ComplianceReport>(`/api/reports/compliance?labId=${labId}`)).body.to, labId).toBe(today);
      expect((await admin.get<{ to: string }>(`/api/reports/calibration?labId=${labId}`)).body.to, labId).toBe(today);
      expect((await admin.get<{ to: string }>(`/api/reports/nonconformities?labId=${labId}`)).body.to, labId).toBe(today);
    }
    const latest = demoLabs
      .map((lab) => labDaysAgo(lab.labId, 0))
      .sort()
      .at(-1);
    expect((await admin.get<ComplianceReport>('/api/reports/compliance')).body.to).toBe(latest);
  });

  it('downloads as CSV that a standard parser reads back with the documented columns', async () => {
    const response = await admin.get('/api/reports/compliance?labId=LAB01&format=csv');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(
      /^attachment; filename="compliance-summary-LAB01-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    // Decoding text drops a byte order mark, so look at the bytes Excel receives.
    const raw = Buffer.from(
      await (await fetch(`${product.url}/api/reports/compliance?labId=LAB01&format=csv`, { headers: { cookie: admin.cookieHeader() } })).arrayBuffer(),
    );
    expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parse(raw, { bom: true, columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual([
      'lab_id',
      'lab_name',
      'period_from',
      'period_to',
      'frequency',
      'total',
      'completed_on_time',
      'completed_late',
      'awaiting_verification',
      'missed',
      'missed_justified',
      'cancelled',
      'open',
      'completion_rate',
      'completion_rate_percent',
      'generated_at',
      'generated_by',
      'generated_by_username',
    ]);
    const daily = rows.find((row) => row.frequency === 'Daily')!;
    expect(daily).toMatchObject({
      lab_id: 'LAB01',
      lab_name: 'Boston Dental Lab',
      completed_on_time: '3',
      completed_late: '3',
      missed_justified: '1',
      generated_by: 'Ada Admin',
      generated_by_username: 'admin',
    });
    expect(daily.period_from).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Number(daily.completion_rate_percent)).toBeCloseTo(Number(daily.completion_rate) * 100, 1);
    const missed = parse((await admin.get('/api/reports/compliance?labId=LAB01&format=csv&section=missed')).text, { bom: true, columns: true }) as Record<
      string,
      string
    >[];
    expect(Object.keys(missed[0]!)).toEqual([
      'lab_id',
      'lab_name',
      'record_number',
      'serial_number',
      'model_id',
      'frequency',
      'period_start',
      'due_end',
      'status',
      'justification',
      'justified_by',
      'justified_by_username',
      'justified_at',
      'period_from',
      'period_to',
      'generated_at',
      'generated_by',
      'generated_by_username',
    ]);
    const justified = missed.find((row) => row.justification === 'Printer room closed for a power outage; checks resumed the next day.')!;
    expect(justified).toMatchObject({ justified_by: 'Maria Manager', justified_by_username: 'manager1' });
    expect(Date.parse(justified.justified_at!)).not.toBeNaN();
  });

  it('refuses a range that ends before it starts, and a lab that does not exist', async () => {
    const backwards = await admin.get('/api/reports/compliance?from=2026-11-10&to=2026-11-01');
    expect(backwards.status).toBe(400);
    expect((backwards.body as { errors: { field: string }[] }).errors[0]?.field).toBe('from');
    expect((await admin.get('/api/reports/compliance?labId=LAB99')).status).toBe(404);
    expect((await admin.get('/api/reports/compliance?format=pdf')).status).toBe(400);
  });

  it('exports a machine’s history as CSV: its life, and every record with responses and signature', async () => {
    const completed = await admin.get<{ items: { serialNumber: string; recordNumber: string }[] }>('/api/labs/LAB01/records?status=Completed');
    const { serialNumber, recordNumber } = completed.body.items[0]!;
    const records = parse((await admin.get(`/api/labs/LAB01/equipment/${serialNumber}/history?format=csv`)).text, { bom: true, columns: true }) as Record<
      string,
      string
    >[];
    const signed = records.find((row) => row.record_number === recordNumber)!;
    expect(signed).toMatchObject({
      serial_number: serialNumber,
      lab_id: 'LAB01',
      status: 'Completed',
      signed_by: 'Tara Technician',
      signature_meaning: 'Performed by',
    });
    expect(signed.responses).toContain('T1 ');
    expect(signed).toMatchObject({ signed_by_username: 'tech1', completed_by_username: 'tech1' });
    const events = parse((await admin.get(`/api/labs/LAB01/equipment/${serialNumber}/history?format=csv&section=events`)).text, {
      bom: true,
      columns: true,
    }) as Record<string, string>[];
    expect(events[0]).toMatchObject({ serial_number: serialNumber, kind: 'registered', lab_id: 'LAB01', to_status: 'In Service', by: 'EquipManSys' });
  });

  it('keeps what was signed beside every amendment in the history CSV, one row per answer and amendment', async () => {
    const completed = await admin.get<{ items: PmRecord[] }>('/api/labs/LAB01/records?status=Completed&pageSize=200');
    const record = completed.body.items.find((candidate) => candidate.amendments.length === 0)!;
    const task = record.tasks[0]!;
    expect(record.responses.find((response) => response.taskId === task.taskId)).toMatchObject({ done: true });
    const manager = await product.signedIn('manager1');
    const amended = await manager.post<PmRecord>(`/api/labs/LAB01/records/${record.recordNumber}/amendments`, {
      responses: [{ taskId: task.taskId, done: true, note: 'Cleaned after the shift, not before it' }],
      reason: 'The shift log says when it was done',
      signature: { password: demoPassword },
    });
    expect(amended.status, amended.text).toBe(200);

    const answers = parse((await admin.get(`/api/labs/LAB01/equipment/${record.serialNumber}/history?format=csv&section=responses`)).text, {
      bom: true,
      columns: true,
    }) as Record<string, string>[];
    const story = answers.filter((row) => row.record_number === record.recordNumber && row.task_id === task.taskId);
    expect(story.map((row) => row.entry)).toEqual(['signed', 'amendment']);
    expect(story[0]).toMatchObject({
      task: task.text,
      done: 'true',
      note: '',
      by: 'Tara Technician',
      by_username: 'tech1',
      meaning: 'Performed by',
      amendment_number: '',
    });
    expect(story[1]).toMatchObject({
      amendment_number: '1',
      done_before: 'true',
      note_before: '',
      done: 'true',
      note: 'Cleaned after the shift, not before it',
      by: 'Maria Manager',
      by_username: 'manager1',
      meaning: 'Amended by',
      reason: 'The shift log says when it was done',
    });
    expect(story.every((row) => row.current_done === 'true' && row.current_note === 'Cleaned after the shift, not before it')).toBe(true);
    const records = parse((await admin.get(`/api/labs/LAB01/equipment/${record.serialNumber}/history?format=csv`)).text, {
      bom: true,
      columns: true,
    }) as Record<string, string>[];
    const row = records.find((candidate) => candidate.record_number === record.recordNumber)!;
    expect(row.signed_responses).toContain(`${task.taskId} ${task.text}: done`);
    expect(row.responses).toContain(`${task.taskId} ${task.text}: done — Cleaned after the shift, not before it`);
    expect(row.amendments).toContain('#1 by Maria Manager (manager1)');
    expect(row.amendments).toContain(`[${task.taskId} done → done — Cleaned after the shift, not before it]`);
  });
});

/** Every page of a report of all labs, `pageSize` labs a page, with the Cosmos requests each page made. */
async function allPages<R extends { continuationToken: string | null }>(path: string, pageSize: number): Promise<{ pages: R[]; queries: number[] }> {
  const pages: R[] = [];
  const queries: number[] = [];
  let token: string | null = null;
  do {
    const url: string = `${path}?pageSize=${pageSize}&from=2026-01-01&to=${labDaysAgo('LAB01', 0)}${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`;
    const { result, counts } = await product.countCosmosRequests(() => admin.get<R>(url));
    expect(result.status, result.text).toBe(200);
    pages.push(result.body);
    queries.push(counts.queries);
    token = result.body.continuationToken;
  } while (token);
  return { pages, queries };
}

describe('reports of every lab, page by page', () => {
  it('adds up, page by page, to the per-lab compliance reports, and reads no more than a page of labs per request', async () => {
    const { pages, queries } = await allPages<ComplianceReport>('/api/reports/compliance', 3);
    expect(pages.map((page) => page.labs)).toEqual([['LAB01', 'LAB02', 'LAB03'], ['LAB04', 'LAB05', 'LAB06'], ['LAB07', 'LAB08', 'LAB09'], ['LAB10']]);
    expect(new Set(pages.map((page) => `${page.from} ${page.to} ${page.generatedAt}`)).size).toBe(1);
    // One records query per lab of the page, and the list of labs.
    expect(Math.max(...queries)).toBeLessThanOrEqual(3 + 1);
    const perLab = await Promise.all(
      pages
        .flatMap((page) => page.labs)
        .map(async (labId) => (await admin.get<ComplianceReport>(`/api/reports/compliance?labId=${labId}&from=2026-01-01&to=${labDaysAgo('LAB01', 0)}`)).body),
    );
    expect(perLab.every((report) => report.continuationToken === null)).toBe(true);
    for (const part of ['summary', 'missed', 'trend'] as const) {
      expect(pages.flatMap((page): unknown[] => page[part])).toEqual(perLab.flatMap((report): unknown[] => report[part]));
    }
    expect(pages.flatMap((page) => page.summary).length).toBeGreaterThan(0);
    expect(Object.assign({}, ...pages.map((page) => page.labNames))).toEqual(Object.assign({}, ...perLab.map((report) => report.labNames)));
  });

  it('pages the calibration and nonconformity reports the same way', async () => {
    const calibration = await allPages<CalibrationReport>('/api/reports/calibration', 4);
    expect(calibration.pages.map((page) => page.labs.length)).toEqual([4, 4, 2]);
    const calibrationWhole = await admin.get<CalibrationReport>(`/api/reports/calibration?pageSize=50&from=2026-01-01&to=${labDaysAgo('LAB01', 0)}`);
    expect(calibrationWhole.body.continuationToken).toBeNull();
    for (const part of ['due', 'certificates', 'rate', 'findings'] as const) {
      expect(calibration.pages.flatMap((page): unknown[] => page[part])).toEqual(calibrationWhole.body[part]);
    }
    const nonconformities = await allPages<NonconformityReport>('/api/reports/nonconformities', 4);
    const ncWhole = await admin.get<NonconformityReport>(`/api/reports/nonconformities?pageSize=50&from=2026-01-01&to=${labDaysAgo('LAB01', 0)}`);
    expect(nonconformities.pages.flatMap((page) => page.labs)).toEqual(ncWhole.body.labs);
    expect(nonconformities.pages.flatMap((page) => page.nonconformities)).toEqual(ncWhole.body.nonconformities);
  });

  it('gives a CSV of every lab page by page, the next token in a header, each page a whole CSV', async () => {
    let token: string | null = null;
    const rows: Record<string, string>[] = [];
    let pages = 0;
    do {
      const response: ApiResponse = await admin.get(
        `/api/reports/compliance?format=csv&pageSize=4&from=2026-01-01${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`,
      );
      expect(response.status).toBe(200);
      rows.push(...(parse(response.text, { bom: true, columns: true }) as Record<string, string>[]));
      token = response.headers.get('x-continuation-token');
      pages += 1;
    } while (token);
    expect(pages).toBe(3);
    const whole = parse((await admin.get('/api/reports/compliance?format=csv&pageSize=50&from=2026-01-01')).text, { bom: true, columns: true }) as Record<
      string,
      string
    >[];
    const withoutTime = (row: Record<string, string>) => ({ ...row, generated_at: '' });
    expect(rows.map(withoutTime)).toEqual(whole.map(withoutTime));
  });

  it('refuses a garbled token, and a token of another period, with a sentence', async () => {
    const garbled = await admin.get<{ detail: string }>('/api/reports/compliance?continuationToken=nonsense');
    expect(garbled.status).toBe(400);
    expect(garbled.body.detail).toBe('The continuation token is not one this report gave out; ask for the report again from its first page.');
    const first = await admin.get<ComplianceReport>('/api/reports/compliance?pageSize=2&from=2026-01-01');
    const other = await admin.get<{ detail: string }>(
      `/api/reports/compliance?pageSize=2&from=2026-02-01&continuationToken=${encodeURIComponent(first.body.continuationToken!)}`,
    );
    expect(other.status).toBe(400);
    expect(other.body.detail).toContain('another period');
    expect((await admin.get('/api/reports/compliance?pageSize=0')).status).toBe(400);
  });
});
