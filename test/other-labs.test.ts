import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoCertificatePdf } from '../local/demo-certificate.js';
import { registeredHttpFunctions } from '../shared/platform/registry.js';
import type { Calibration } from '../shared/schemas/calibration.js';
import type { Nonconformity } from '../shared/schemas/nonconformities.js';
import type { PmRecord } from '../shared/schemas/records.js';
import type { ApiClient, ApiResponse } from './helpers/api-client.js';
import { newUserBody } from './helpers/fixtures.js';
import { demoPassword, startTestProduct, type TestProduct } from './helpers/test-product.js';

/**
 * What another lab has and what does not exist answer alike (SPEC §3): people of LAB02 only ask for
 * LAB01's real ids and for made-up ones on every per-lab read, and get the same status and body.
 */
let product: TestProduct;
let admin: ApiClient;
/** People who read LAB02 and not LAB01, one per lab role. */
const outsiders = new Map<string, ApiClient>();

type Ids = Record<string, string>;
let real: Ids;
const madeUp: Ids = {
  labId: 'LAB01',
  serialNumber: 'NO-SUCH-MACHINE',
  recordNumber: 'LAB01999999',
  calibrationNumber: 'LAB01-CAL-999999',
  certificateId: '99',
  ncNumber: 'LAB01-NC-999999',
  attachmentId: '99',
  reviewNumber: 'LAB01-REV-999999',
  meterId: 'M999',
  reportNumber: 'LAB01-REQ-999999',
};
let touched: Nonconformity;

const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]);

beforeAll(async () => {
  product = await startTestProduct();
  admin = await product.signedIn('admin');
  outsiders.set('Technician', await product.signedIn('tech2'));
  for (const [username, role] of [
    ['lab2manager', 'Manager'],
    ['lab2audit', 'Local Audit'],
  ] as const) {
    const created = await admin.post(
      '/api/users',
      newUserBody(username, { primaryLabId: 'LAB02', role, password: demoPassword, requirePasswordChange: false }),
    );
    expect(created.status, created.text).toBe(201);
    outsiders.set(role, await product.signedIn(username));
  }

  const record = (await admin.get<{ items: PmRecord[] }>('/api/labs/LAB01/records?pageSize=1')).body.items[0]!;
  const calibration = (await admin.get<{ items: Calibration[] }>('/api/labs/LAB01/equipment/PS2-01-011/calibrations')).body.items[0]!;
  const certificate = await admin.post<{ certificateId: string }>(
    `/api/labs/LAB01/equipment/PS2-01-011/calibrations/${calibration.calibrationNumber}/certificates?fileName=c.pdf`,
    undefined,
    { rawBody: demoCertificatePdf(['A certificate of LAB01']), contentType: 'application/pdf' },
  );
  expect(certificate.status, certificate.text).toBe(201);
  // A fault reported by hand on a LAB01 machine touches no result of LAB02.
  const reported = await admin.post<Nonconformity>('/api/labs/LAB01/nonconformities', { serialNumber: record.serialNumber, description: 'Display flickers' });
  expect(reported.status, reported.text).toBe(201);
  expect(reported.body.items.every((item) => item.labId === 'LAB01')).toBe(true);
  const photo = await admin.post<{ certificateId: string }>(`/api/labs/LAB01/nonconformities/${reported.body.ncNumber}/attachments?fileName=f.png`, undefined, {
    rawBody: png,
    contentType: 'image/png',
  });
  expect(photo.status, photo.text).toBe(201);
  const review = await admin.post<{ reviewNumber: string }>('/api/labs/LAB01/reviews', {
    kind: 'user-access',
    from: '2026-01-01',
    to: '2026-03-31',
    findings: 'Every account is needed.',
    signature: { password: demoPassword },
  });
  expect(review.status, review.text).toBe(201);
  const meter = await admin.post<{ meterId: string }>('/api/labs/LAB01/equipment/PS2-01-011/meters', { name: 'Furnace hours', unit: 'h' });
  expect(meter.status, meter.text).toBe(201);
  const label = await admin.get<{ items: { url: string }[] }>('/api/labs/LAB01/labels?serials=PS2-01-011');
  const reportKey = new URL(label.body.items[0]!.url).searchParams.get('k')!;
  const request = await product
    .client()
    .post<{ reportNumber: string }>(`/api/machines/PS2-01-011/problem-reports?k=${encodeURIComponent(reportKey)}`, { description: 'Door does not close' });
  expect(request.status, request.text).toBe(201);
  real = {
    reportNumber: request.body.reportNumber,
    meterId: meter.body.meterId,
    reviewNumber: review.body.reviewNumber,
    labId: 'LAB01',
    serialNumber: 'PS2-01-011',
    recordNumber: record.recordNumber,
    calibrationNumber: calibration.calibrationNumber,
    certificateId: certificate.body.certificateId,
    ncNumber: reported.body.ncNumber,
    attachmentId: photo.body.certificateId,
  };

  // The demo's reference thermometer, found out of tolerance, touched a calibration at LAB02.
  touched = (await admin.get<{ items: Nonconformity[] }>('/api/labs/LAB01/nonconformities?serialNumber=REF-T-02')).body.items[0]!;
  expect(touched.items.map((item) => item.labId)).toEqual(expect.arrayContaining(['LAB01', 'LAB02']));
  expect((await admin.post(`/api/labs/LAB01/nonconformities/${touched.ncNumber}/actions`, { text: 'Sent to the manufacturer' })).status).toBe(200);
  const touchedPhoto = await admin.post(`/api/labs/LAB01/nonconformities/${touched.ncNumber}/attachments?fileName=t.png`, undefined, {
    rawBody: png,
    contentType: 'image/png',
  });
  expect(touchedPhoto.status, touchedPhoto.text).toBe(201);
}, 60_000);
afterAll(async () => product.cleanup());

/** Every GET that reads one lab's data, by its route: under /labs/{labId}/, and the machine a label names. */
const perLabReads = () =>
  registeredHttpFunctions()
    .map(({ declaration }) => declaration)
    .filter(
      (declaration) =>
        declaration.methods.includes('GET') && (declaration.route.startsWith('labs/{labId}/') || declaration.route === 'machines/{serialNumber}'),
    );

function pathOf(route: string, ids: Ids): string {
  return `/api/${route.replace(/\{(\w+)\}/g, (_whole, name: string) => {
    if (!(name in ids)) throw new Error(`The route ${route} takes {${name}}: give it a real and a made-up id in this test`);
    return encodeURIComponent(ids[name]!);
  })}`;
}

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The answer without what differs by nature: the request id, and the ids the request named (whole words only). */
function comparable(response: ApiResponse, ids: Ids, route: string): { status: number; body: string } {
  let text = response.text.replace(/"requestId":"[^"]*"/g, '"requestId":""');
  const named = [...route.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!).filter((name) => name !== 'labId');
  for (const name of named) text = text.replace(new RegExp(`(?<![\\w-])${escaped(ids[name]!)}(?![\\w-])`, 'g'), `{${name}}`);
  return { status: response.status, body: text };
}

describe('another lab’s ids and ids that do not exist', () => {
  it('answer every per-lab read alike, for each lab role of another lab', async () => {
    const routes = perLabReads();
    expect(routes.length).toBeGreaterThan(15);
    for (const { route, name } of routes) {
      // The real ids are real: an Administrator reads them, and is told the made-up ones do not exist.
      const realForAdmin = await admin.get(pathOf(route, real));
      expect(realForAdmin.status, `${name} ${realForAdmin.text}`).toBeLessThan(300);
      if (/\{(?!labId\})/.test(route)) expect((await admin.get(pathOf(route, madeUp))).status, name).toBe(404);
      for (const [role, client] of outsiders) {
        const forReal = comparable(await client.get(pathOf(route, real)), real, route);
        const forMadeUp = comparable(await client.get(pathOf(route, madeUp)), madeUp, route);
        expect([403, 404], `${role} ${name}`).toContain(forReal.status);
        expect(forReal, `${role} ${name}`).toEqual(forMadeUp);
      }
    }
  });

  it('answers a disposition by a manager of another lab as if the nonconformity did not exist, naming none of its items', async () => {
    const manager = outsiders.get('Manager')!;
    const disposal = (ncNumber: string) =>
      manager.post(`/api/labs/LAB01/nonconformities/${ncNumber}/dispositions`, {
        itemId: '1',
        disposition: 'No impact',
        reason: 'None of ours',
        signature: { password: demoPassword },
      });
    const route = 'labs/{labId}/nonconformities/{ncNumber}/dispositions';
    const forReal = comparable(await disposal(real.ncNumber!), real, route);
    const forMadeUp = comparable(await disposal(madeUp.ncNumber!), madeUp, route);
    expect(forReal.status).toBe(404);
    expect(forReal).toEqual(forMadeUp);
  });
});

describe('a nonconformity that touched another lab’s results', () => {
  it('shows that lab’s people what was found and their own items only: no other lab’s items, repair log or photos', async () => {
    for (const [role, client] of outsiders) {
      const seen = await client.get<Nonconformity>(`/api/labs/LAB01/nonconformities/${touched.ncNumber}`);
      expect(seen.status, `${role} ${seen.text}`).toBe(200);
      expect(seen.body).toMatchObject({
        ncNumber: touched.ncNumber,
        description: touched.description,
        window: touched.window,
        status: 'Open',
        actions: [],
        attachments: [],
      });
      expect(seen.body.items.length).toBeGreaterThan(0);
      expect(seen.body.items.map((item) => item.labId)).toEqual(seen.body.items.map(() => 'LAB02'));
      const route = 'labs/{labId}/nonconformities/{ncNumber}/attachments/{attachmentId}';
      const photo = comparable(
        await client.get(`/api/labs/LAB01/nonconformities/${touched.ncNumber}/attachments/1`),
        { ...real, ncNumber: touched.ncNumber, attachmentId: '1' },
        route,
      );
      expect(photo.status).toBe(403);
      expect(photo).toEqual(
        comparable(await client.get(`/api/labs/LAB01/nonconformities/${madeUp.ncNumber}/attachments/1`), { ...madeUp, attachmentId: '1' }, route),
      );
    }
    // A manager of both labs reads all of it.
    const both = await (await product.signedIn('manager1')).get<Nonconformity>(`/api/labs/LAB01/nonconformities/${touched.ncNumber}`);
    expect(both.body.items.map((item) => item.labId)).toEqual(expect.arrayContaining(['LAB01', 'LAB02']));
    expect(both.body.actions).toHaveLength(1);
    expect(both.body.attachments).toHaveLength(1);
  });

  it('answers that lab’s manager’s disposition with the same view', async () => {
    const item = touched.items.find((candidate) => candidate.labId === 'LAB02')!;
    const disposed = await outsiders.get('Manager')!.post<Nonconformity>(`/api/labs/LAB01/nonconformities/${touched.ncNumber}/dispositions`, {
      itemId: item.itemId,
      disposition: 'No impact',
      reason: 'Re-read within limits',
      signature: { password: demoPassword },
    });
    expect(disposed.status, disposed.text).toBe(200);
    expect(disposed.body.items.map((candidate) => candidate.labId)).toEqual(disposed.body.items.map(() => 'LAB02'));
    expect(disposed.body.items.find((candidate) => candidate.itemId === item.itemId)!.disposition).toMatchObject({ disposition: 'No impact' });
    expect(disposed.body).toMatchObject({ actions: [], attachments: [] });
  });
});
