import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { container } from '../shared/data/cosmos.js';
import type { AuditEntry } from '../shared/domain/audit-chain.js';
import { registerEquipment } from '../shared/equipment/manage-equipment.js';
import type { Equipment } from '../shared/schemas/equipment.js';
import type { LabelSheet } from '../shared/schemas/labels.js';
import type { Nonconformity } from '../shared/schemas/nonconformities.js';
import type { MachineForReport, ProblemReport } from '../shared/schemas/problem-reports.js';
import { systemActor } from '../shared/users/manage-users.js';
import type { ApiClient } from './helpers/api-client.js';
import { startTestProduct, type TestProduct } from './helpers/test-product.js';

/** Problems reported at the machine without an account (SPEC §15), and the lab's request inbox. */
let product: TestProduct;
let manager: ApiClient;
let tech: ApiClient;
let auditor: ApiClient;
let stranger: ApiClient;

// A JPEG as a phone sends it, small enough for the form; the product judges it by its first bytes.
const photo = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF'), Buffer.alloc(4000, 7)]);

beforeAll(async () => {
  // Limits high enough for this file: test/problem-report-limits.test.ts proves the limits.
  product = await startTestProduct({ PROBLEM_REPORTS_PER_ADDRESS: '1000', PROBLEM_REPORTS_PER_MACHINE: '1000' });
  [manager, tech, auditor] = await Promise.all([product.signedIn('manager1'), product.signedIn('tech1'), product.signedIn('auditor')]);
  stranger = product.client();
});
afterAll(async () => product.cleanup());

async function registered(serialNumber: string): Promise<string> {
  await registerEquipment(systemActor, 'LAB01', { serialNumber, modelId: 'Form 3B', status: 'In Service' }, null);
  const sheet = await manager.get<LabelSheet>(`/api/labs/LAB01/labels?serials=${serialNumber}`);
  const reportUrl = new URL(sheet.body.items[0]!.url);
  return reportUrl.searchParams.get('k')!;
}

const send = (serialNumber: string, key: string | null, body: object) =>
  stranger.post<{ reportNumber: string; detail: string }>(
    `/api/machines/${serialNumber}/problem-reports${key === null ? '' : `?k=${encodeURIComponent(key)}`}`,
    body,
  );

async function labAuditEntries(): Promise<AuditEntry[]> {
  const { resources } = await (
    await container('equipment')
  ).items
    .query<AuditEntry>({ query: "SELECT * FROM c WHERE c.type = 'audit'", parameters: [] }, { partitionKey: 'LAB01' })
    .fetchAll();
  return resources;
}

async function labDocumentCount(): Promise<number> {
  const { resources } = await (await container('equipment')).items.query<number>('SELECT VALUE COUNT(1) FROM c', { partitionKey: 'LAB01' }).fetchAll();
  return resources[0]!;
}

describe('a problem reported at the machine', () => {
  it('URS-150 shows someone without an account only the machine’s serial number and model, and takes their report with a photo into the lab’s requests', async () => {
    const key = await registered('RPT-01');
    const machine = await stranger.get<MachineForReport>(`/api/machines/RPT-01/problem-reports?k=${key}`);
    expect(machine.status, machine.text).toBe(200);
    expect(machine.body).toEqual({ serialNumber: 'RPT-01', manufacturer: 'Formlabs', modelId: 'Form 3B' });

    const words = 'Resin tank <b>leaks</b> & the lid\nwon’t close <script>alert(1)</script>';
    const sent = await send('RPT-01', key, {
      description: words,
      reporterName: 'Dana at the front desk',
      reporterContact: 'dana@example.com',
      photo: { contentType: 'image/jpeg', data: photo.toString('base64') },
    });
    expect(sent.status, sent.text).toBe(201);
    expect(sent.body.reportNumber).toMatch(/^LAB01-REQ-\d{6}$/);

    const inbox = await tech.get<{ items: ProblemReport[] }>('/api/labs/LAB01/requests?status=New');
    const report = inbox.body.items.find((item) => item.reportNumber === sent.body.reportNumber)!;
    expect(report).toMatchObject({ serialNumber: 'RPT-01', description: words, reporterName: 'Dana at the front desk', status: 'New', ncNumber: null });
    expect(report.photo).toMatchObject({ contentType: 'image/jpeg', size: photo.length });
    const received = (await labAuditEntries()).find((entry) => entry.action === 'problem-report.received' && entry.entityId === sent.body.reportNumber)!;
    expect(received.actor?.displayName).toBe('Dana at the front desk (no account)');
    expect((received.after as { description: string }).description).toBe(words);
    expect((await auditor.get('/api/labs/LAB01/requests')).status).toBe(200);
    expect((await (await product.signedIn('tech2')).get('/api/labs/LAB01/requests')).status).toBe(403);
  });

  it('URS-151 answers a wrong key, a missing key, a retired or unknown machine with the same 404, and writes nothing', async () => {
    const key = await registered('RPT-02');
    const before = await labDocumentCount();
    const answers = await Promise.all([
      send('RPT-02', 'wrong-key-wrong-key-xx', { description: 'Broken' }),
      send('RPT-02', null, { description: 'Broken' }),
      send('NO-SUCH-MACHINE', key, { description: 'Broken' }),
      send('PS2-01-103', key, { description: 'Broken' }),
      stranger.get(`/api/machines/RPT-02/problem-reports?k=${key.slice(1)}x`),
      stranger.get(`/api/machines/NO-SUCH-MACHINE/problem-reports?k=${key}`),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([404, 404, 404, 404, 404, 404]);
    expect(new Set(answers.map((answer) => answer.text.replace(/"(instance|requestId)":"[^"]*"/g, '')))).toHaveProperty('size', 1);
    expect(await labDocumentCount()).toBe(before);
  });

  it('URS-151 refuses a photo that is not an image or too large, and a report without words, writing nothing', async () => {
    const key = await registered('RPT-03');
    const before = await labDocumentCount();
    const pdf = Buffer.from('%PDF-1.7 not a photo');
    const notImage = await send('RPT-03', key, { description: 'Broken', photo: { contentType: 'image/jpeg', data: pdf.toString('base64') } });
    expect(notImage.status).toBe(400);
    expect(notImage.body.detail).toContain('not a JPEG or PNG');
    const large = await send('RPT-03', key, {
      description: 'Broken',
      photo: { contentType: 'image/jpeg', data: Buffer.alloc(720 * 1024, 1).toString('base64') },
    });
    expect(large.status).toBe(400);
    expect(large.text).toContain('at most 700 KB');
    const empty = await send('RPT-03', key, { description: '  ' });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('say what is wrong with the machine');
    expect(await labDocumentCount()).toBe(before);
  });

  it('URS-152 is turned into a nonconformity by a technician: the machine is quarantined, the nonconformity names the request and keeps its photo', async () => {
    const key = await registered('RPT-04');
    const sent = await send('RPT-04', key, { description: 'Build plate scraped', photo: { contentType: 'image/jpeg', data: photo.toString('base64') } });
    const turned = await tech.post<Nonconformity>(`/api/labs/LAB01/requests/${sent.body.reportNumber}/nonconformity`);
    expect(turned.status, turned.text).toBe(201);
    expect(turned.body).toMatchObject({ source: 'reported', description: 'Build plate scraped', problemReportNumber: sent.body.reportNumber, status: 'Open' });
    expect(turned.body.attachments).toEqual([expect.objectContaining({ contentType: 'image/jpeg', size: photo.length })]);
    const download = await tech.get(`/api/labs/LAB01/nonconformities/${turned.body.ncNumber}/attachments/1`);
    expect(download.status).toBe(200);
    expect(Buffer.from(download.bytes)).toEqual(photo);
    const machine = await manager.get<Equipment>('/api/labs/LAB01/equipment/RPT-04');
    expect(machine.body).toMatchObject({ status: 'Out of Service', quarantinedBy: [turned.body.ncNumber] });
    const request = await tech.get<ProblemReport>(`/api/labs/LAB01/requests/${sent.body.reportNumber}`);
    expect(request.body).toMatchObject({ status: 'Nonconformity', ncNumber: turned.body.ncNumber, triagedBy: { username: 'tech1' } });
    const again = await manager.post<{ detail: string }>(`/api/labs/LAB01/requests/${sent.body.reportNumber}/close`, { reason: 'Duplicate' });
    expect(again.status).toBe(409);
    expect(again.body.detail).toContain(turned.body.ncNumber);
  });

  it('URS-152 is closed with a reason by a manager, audited; an auditor may read but not triage, and a refusal writes nothing', async () => {
    const key = await registered('RPT-05');
    const sent = await send('RPT-05', key, { description: 'Makes a noise' });
    const before = await labDocumentCount();
    expect((await auditor.post(`/api/labs/LAB01/requests/${sent.body.reportNumber}/close`, { reason: 'No' })).status).toBe(403);
    const noReason = await manager.post<{ detail: string }>(`/api/labs/LAB01/requests/${sent.body.reportNumber}/close`, {});
    expect(noReason.status).toBe(400);
    expect(noReason.text).toContain('say why no nonconformity is needed');
    expect(await labDocumentCount()).toBe(before);
    const auditBefore = (await labAuditEntries()).length;
    const closed = await manager.post<ProblemReport>(`/api/labs/LAB01/requests/${sent.body.reportNumber}/close`, { reason: 'The noise is the fan; normal.' });
    expect(closed.status, closed.text).toBe(200);
    expect(closed.body).toMatchObject({ status: 'Closed', closedReason: 'The noise is the fan; normal.', description: 'Makes a noise' });
    const entries = await labAuditEntries();
    expect(entries.length).toBe(auditBefore + 1);
    expect(entries.find((entry) => entry.action === 'problem-report.closed' && entry.entityId === sent.body.reportNumber)?.reason).toBe(
      'The noise is the fan; normal.',
    );
    expect((await tech.post(`/api/labs/LAB01/requests/${sent.body.reportNumber}/nonconformity`)).status).toBe(409);
    expect((await manager.get<Equipment>('/api/labs/LAB01/equipment/RPT-05')).body.status).toBe('In Service');
  });

  it('URS-153 takes a new report key from a manager only: the old label’s reports are refused from then on, audited without the key', async () => {
    const oldKey = await registered('RPT-06');
    expect((await tech.post('/api/labs/LAB01/equipment/RPT-06/report-key')).status).toBe(403);
    const rotated = await manager.post<{ reportUrl: string }>('/api/labs/LAB01/equipment/RPT-06/report-key');
    expect(rotated.status, rotated.text).toBe(200);
    const newKey = new URL(rotated.body.reportUrl).searchParams.get('k')!;
    expect(new URL(rotated.body.reportUrl).pathname).toBe('/e/RPT-06');
    expect(newKey).not.toBe(oldKey);
    expect((await send('RPT-06', oldKey, { description: 'Old label' })).status).toBe(404);
    expect((await send('RPT-06', newKey, { description: 'New label' })).status).toBe(201);
    const label = await manager.get<LabelSheet>('/api/labs/LAB01/labels?serials=RPT-06');
    expect(label.body.items[0]!.url).toBe(rotated.body.reportUrl);
    const entry = (await labAuditEntries()).find((candidate) => candidate.action === 'equipment.report-key-rotated' && candidate.entityId === 'RPT-06')!;
    expect(JSON.stringify(entry)).not.toContain(newKey);
  });
});
