import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeFileName as certificateFileName, fileTypeOf } from '../shared/storage/verified-files.js';
import { readCalibration } from '../shared/data/calibration-repository.js';
import type { Calibration, Certificate } from '../shared/schemas/calibration.js';
import { certificatesContainer } from '../shared/storage/blob-store.js';
import type { ApiClient } from './helpers/api-client.js';
import { demoPassword, startTestProduct, type TestProduct } from './helpers/test-product.js';

let product: TestProduct;
let admin: ApiClient;
let manager: ApiClient;
let tech: ApiClient;
let otherLabTech: ApiClient;
let auditor: ApiClient;
let calibration: Calibration;

const problem = (body: unknown) => body as { detail: string; title: string };
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A small but real PDF: a header, one empty page and its trailer; random bytes make each one unique. */
function pdf(extraBytes = 0): Buffer {
  const filler = Buffer.alloc(extraBytes, 0x20);
  return Buffer.concat([
    Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n'),
    filler,
    Buffer.from(`% ${Math.random()}\ntrailer << /Root 1 0 R >>\n%%EOF\n`),
  ]);
}
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
/** What a Windows program starts with: "MZ", then its DOS stub. */
const executable = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), Buffer.alloc(256, 0)]);

const base = () => `/api/labs/LAB01/equipment/CERT-1/calibrations/${calibration.calibrationNumber}/certificates`;
const upload = (client: ApiClient, bytes: Uint8Array, contentType = 'application/pdf', query = '') =>
  client.post<Certificate>(`${base()}${query}`, undefined, { rawBody: bytes, contentType });

beforeAll(async () => {
  product = await startTestProduct();
  admin = await product.signedIn('admin');
  manager = await product.signedIn('manager1');
  tech = await product.signedIn('tech1');
  otherLabTech = await product.signedIn('tech2');
  auditor = await product.signedIn('auditor');
  expect((await admin.post('/api/labs/LAB01/equipment', { serialNumber: 'CERT-1', modelId: 'Form 3B' })).status).toBe(201);
  const plan = await admin.put('/api/labs/LAB01/equipment/CERT-1/calibration-plan', {
    required: true,
    reason: 'Cure temperature',
    intervalMonths: 12,
    warningDays: 30,
    graceDays: 7,
    decisionRule: 'simple',
    referenceStandard: false,
    points: [{ name: '60 °C', unit: '°C', nominal: 60, lowerLimit: 59, upperLimit: 61 }],
  });
  expect(plan.status, plan.text).toBe(200);
  const recorded = await manager.post<Calibration>('/api/labs/LAB01/equipment/CERT-1/calibrations', {
    performedOn: new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10),
    kind: 'internal',
    asFound: [{ pointId: 'P1', value: 60.2 }],
    adjusted: false,
    signature: { password: demoPassword },
  });
  expect(recorded.status, recorded.text).toBe(201);
  calibration = recorded.body;
});
afterAll(async () => product.cleanup());

describe('certificate files', () => {
  it('are told apart by their first bytes, whatever their name, and named safely', () => {
    expect(fileTypeOf(pdf())?.contentType).toBe('application/pdf');
    expect(fileTypeOf(png)?.contentType).toBe('image/png');
    expect(fileTypeOf(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]))?.contentType).toBe('image/jpeg');
    expect(fileTypeOf(executable)).toBeUndefined();
    expect(fileTypeOf(Buffer.from('%PD'))).toBeUndefined();
    const type = fileTypeOf(pdf())!;
    expect(certificateFileName('C:\\scans\\"cert" 2026.PDF', 'fallback', type)).toBe('_cert_ 2026.pdf');
    expect(certificateFileName('photo.png', 'fallback', type)).toBe('photo.pdf');
    expect(certificateFileName(undefined, 'LAB01-CAL-000001-certificate-1', type)).toBe('LAB01-CAL-000001-certificate-1.pdf');
  });
});

describe('calibration certificates', () => {
  it('keep each upload as a new version, downloaded byte for byte with the SHA-256 recorded in the event and its audit entry', async () => {
    const first = pdf(300_000);
    const uploaded = await upload(manager, first, 'application/pdf', '?fileName=NMS-2026-04471.pdf');
    expect(uploaded.status, uploaded.text).toBe(201);
    expect(uploaded.body).toMatchObject({
      certificateId: '1',
      fileName: 'NMS-2026-04471.pdf',
      contentType: 'application/pdf',
      size: first.length,
      sha256: sha256(first),
    });
    expect(uploaded.body.uploadedBy.username).toBe('manager1');

    // A technician of the lab may add one too (a photo of the internal record, say): a second version.
    const second = await upload(tech, png, 'image/png');
    expect(second.status, second.text).toBe(201);
    expect(second.body).toMatchObject({ certificateId: '2', contentType: 'image/png', fileName: `${calibration.calibrationNumber}-certificate-2.png` });

    const event = await manager.get<Calibration>(`/api/labs/LAB01/equipment/CERT-1/calibrations/${calibration.calibrationNumber}`);
    expect(event.body.certificates.map((certificate) => [certificate.certificateId, certificate.sha256])).toEqual([
      ['1', sha256(first)],
      ['2', sha256(png)],
    ]);
    expect(JSON.stringify(event.body)).not.toContain('blobName');

    for (const [id, bytes, type] of [
      ['1', first, 'application/pdf'],
      ['2', png, 'image/png'],
    ] as const) {
      const download = await auditor.get(`${base()}/${id}`);
      expect(download.status).toBe(200);
      expect(download.bytes.equals(bytes)).toBe(true);
      expect(download.headers.get('content-type')).toBe(type);
      expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="/);
      expect(download.headers.get('x-content-type-options')).toBe('nosniff');
      expect(download.headers.get('x-content-sha256')).toBe(sha256(bytes));
    }

    const trail = await admin.get<{ items: { action: string; after?: { sha256?: string; certificateId?: string } }[] }>(
      '/api/audit?labId=LAB01&entityType=equipment&entityId=CERT-1',
    );
    const added = trail.body.items.filter((entry) => entry.action === 'calibration.certificate-added');
    expect(added.map((entry) => entry.after?.sha256).sort()).toEqual([sha256(first), sha256(png)].sort());
    expect((await admin.get<{ intact: boolean }>('/api/audit/verify?labId=LAB01')).body.intact).toBe(true);
  });

  it('refuses an executable named .pdf with 415 and keeps nothing of it', async () => {
    const before = (await readCalibration('LAB01', calibration.calibrationNumber))!.document.certificates?.length ?? 0;
    const refused = await upload(manager, executable, 'application/pdf', '?fileName=certificate.pdf');
    expect(refused.status).toBe(415);
    expect(problem(refused.body).detail).toContain('PDF, PNG or JPEG');
    expect((await readCalibration('LAB01', calibration.calibrationNumber))!.document.certificates?.length ?? 0).toBe(before);
  });

  it('refuses a file over 20 MB with 413, and an empty body with 400', async () => {
    const tooLarge = await upload(manager, pdf(20 * 1024 * 1024));
    expect(tooLarge.status).toBe(413);
    expect(problem(tooLarge.body).detail).toContain('20 MB');
    const empty = await upload(manager, new Uint8Array(0));
    expect(empty.status).toBe(400);
  });

  it('stops a file sent without its length at 20 MB, and keeps no version of it', async () => {
    const before = (await readCalibration('LAB01', calibration.calibrationNumber))!.document.certificates?.length ?? 0;
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    async function* endless() {
      yield Buffer.from('%PDF-1.4\n');
      for (let index = 0; index < 25; index++) yield chunk;
    }
    const answer = await fetch(new URL(base(), product.url), {
      method: 'POST',
      headers: { cookie: manager.cookieHeader(), origin: product.url, 'x-csrf-token': manager.csrfToken!, 'content-type': 'application/pdf' },
      body: Readable.toWeb(Readable.from(endless())),
      duplex: 'half',
    } as RequestInit);
    expect(answer.status).toBe(413);
    expect(((await answer.json()) as { detail: string }).detail).toContain('20 MB');
    expect((await readCalibration('LAB01', calibration.calibrationNumber))!.document.certificates?.length ?? 0).toBe(before);
  });

  it('are kept from other labs, from readers who may not upload, and from calibrations that do not exist', async () => {
    const path = `${base()}/1`;
    expect([403, 404]).toContain((await otherLabTech.get(path)).status);
    expect((await upload(otherLabTech, pdf())).status).toBe(403);
    expect((await upload(auditor, pdf())).status).toBe(403);
    // Refused before a byte is read, a large body is still taken in and dropped: the answer arrives
    // and the connection stays usable (it hung until the request timeout, then reset, when it was not).
    for (let attempt = 0; attempt < 6; attempt++) expect((await upload(otherLabTech, pdf(300_000))).status).toBe(403);
    expect((await manager.get(`${base()}/9`)).status).toBe(404);
    expect(
      (
        await manager.post('/api/labs/LAB01/equipment/CERT-1/calibrations/LAB01-CAL-999999/certificates', undefined, {
          rawBody: pdf(),
          contentType: 'application/pdf',
        })
      ).status,
    ).toBe(404);
  });

  it('are not sent once their stored bytes no longer match the SHA-256 recorded at upload', async () => {
    const bytes = pdf();
    const uploaded = await upload(manager, bytes);
    expect(uploaded.status).toBe(201);
    const stored = (await readCalibration('LAB01', calibration.calibrationNumber))!.document.certificates!.find(
      (entry) => entry.certificateId === uploaded.body.certificateId,
    )!;
    // Outside the product (Azurite has no immutability policy): what a damaged store would hand back.
    const tampered = Buffer.from(bytes);
    tampered[tampered.length - 3] = 0x21;
    await (await certificatesContainer()).getBlockBlobClient(stored.blobName).uploadData(tampered);
    const refused = await manager.get(`${base()}/${uploaded.body.certificateId}`);
    expect(refused.status).toBe(500);
    expect(problem(refused.body).detail).toContain('no longer matches the SHA-256');
  });

  it('are refused once the calibration is approved, for a technician and a manager alike, and nothing is kept or audited', async () => {
    const approved = await admin.post(`/api/labs/LAB01/equipment/CERT-1/calibrations/${calibration.calibrationNumber}/approval`, {
      decision: 'approve',
      signature: { password: demoPassword },
    });
    expect(approved.status, approved.text).toBe(200);
    const auditAdded = async () =>
      (await admin.get<{ items: { action: string }[] }>('/api/audit?labId=LAB01&entityType=equipment&entityId=CERT-1')).body.items.filter(
        (entry) => entry.action === 'calibration.certificate-added',
      ).length;
    const versionsBefore = (await readCalibration('LAB01', calibration.calibrationNumber))!.document.certificates!.length;
    const entriesBefore = await auditAdded();

    for (const client of [tech, manager]) {
      const refused = await upload(client, pdf());
      expect(refused.status, refused.text).toBe(409);
      expect(problem(refused.body).detail).toBe(
        `Calibration ${calibration.calibrationNumber} is approved, so no certificate can be added to it: approved calibrations are read-only. Add certificates right after recording it, before approval; a Manager corrects an approved calibration with a signed amendment.`,
      );
    }
    expect((await readCalibration('LAB01', calibration.calibrationNumber))!.document.certificates!.length).toBe(versionsBefore);
    expect(await auditAdded()).toBe(entriesBefore);
    expect((await manager.get(`${base()}/1`)).status).toBe(200);
  });
});
