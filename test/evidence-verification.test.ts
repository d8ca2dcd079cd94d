import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCalibration } from '../shared/data/calibration-repository.js';
import { readNonconformity } from '../shared/data/nonconformity-repository.js';
import type { Calibration, Certificate } from '../shared/schemas/calibration.js';
import type { Nonconformity } from '../shared/schemas/nonconformities.js';
import type { EvidenceProblem, VerificationPage } from '../shared/schemas/audit-verification.js';
import type { EquipmentHistory } from '../shared/schemas/equipment-history.js';
import { certificatesContainer } from '../shared/storage/blob-store.js';
import type { ApiClient } from './helpers/api-client.js';
import { startTestProduct, type TestProduct } from './helpers/test-product.js';

/**
 * The audit verification checks the evidence the trail vouches for: every certificate version and
 * nonconformity attachment still in storage with the SHA-256 recorded at upload. Files are altered and
 * deleted here directly through the blob SDK, as a damaged store or someone with the storage key would.
 */
let product: TestProduct;
let admin: ApiClient;
let manager: ApiClient;
let certificates: string;
let attachments: string;
let calibrationNumber: string;
const certified = 'PS2-01-011';
let ncNumber: string;

const pdf = () => Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(2_000)]);
const png = () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(2_000)]);

beforeAll(async () => {
  product = await startTestProduct();
  admin = await product.signedIn('admin');
  manager = await product.signedIn('manager1');
  // Certificates are added before approval (an approved calibration takes no more): the demo oven's awaiting one.
  const calibrations = await admin.get<{ items: Calibration[] }>(`/api/labs/LAB01/equipment/${certified}/calibrations`);
  calibrationNumber = calibrations.body.items.find((calibration) => calibration.status === 'Awaiting approval')!.calibrationNumber;
  certificates = `/api/labs/LAB01/equipment/${certified}/calibrations/${calibrationNumber}/certificates`;
  const reported = await manager.post<Nonconformity>('/api/labs/LAB01/nonconformities', { serialNumber: 'REF-T-02', description: 'Cracked probe sheath' });
  expect(reported.status, reported.text).toBe(201);
  ncNumber = reported.body.ncNumber;
  attachments = `/api/labs/LAB01/nonconformities/${ncNumber}/attachments`;
});
afterAll(async () => product.cleanup());

async function upload(path: string, bytes: Buffer, contentType: string): Promise<Certificate> {
  const answer = await manager.post<Certificate>(path, undefined, { rawBody: bytes, contentType });
  expect(answer.status, answer.text).toBe(201);
  return answer.body;
}

/** Every page of LAB01's verification, `pageSize` documents each. */
async function verifyAll(pageSize?: number): Promise<{ last: VerificationPage; checked: number; problems: EvidenceProblem[] }> {
  let token: string | null = null;
  let last: VerificationPage | undefined;
  let checked = 0;
  const problems: EvidenceProblem[] = [];
  do {
    const query: string = `${pageSize ? `&pageSize=${pageSize}` : ''}${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`;
    const page = await admin.get<VerificationPage>(`/api/audit/verify?labId=LAB01${query}`);
    expect(page.status, page.text).toBe(200);
    checked += page.body.evidenceChecked;
    problems.push(...page.body.evidenceProblems);
    last = page.body;
    token = page.body.continuationToken;
  } while (token);
  return { last: last!, checked, problems };
}

const blobOfCertificate = async (certificateId: string) =>
  (await readCalibration('LAB01', calibrationNumber))!.document.certificates!.find((file) => file.certificateId === certificateId)!.blobName;
const blobOfAttachment = async (attachmentId: string) =>
  (await readNonconformity('LAB01', ncNumber))!.document.attachments.find((file) => file.certificateId === attachmentId)!.blobName;

describe('evidence in the audit verification', () => {
  it('verifies unchanged certificates and attachments as intact, and names each one altered or deleted in storage', async () => {
    const kept = await upload(certificates, pdf(), 'application/pdf');
    const toAlter = await upload(certificates, pdf(), 'application/pdf');
    const toDelete = await upload(certificates, pdf(), 'application/pdf');
    const photo = await upload(attachments, png(), 'image/png');
    const photoToDelete = await upload(attachments, png(), 'image/png');

    const history = (serialNumber: string) => manager.get<EquipmentHistory>(`/api/labs/LAB01/equipment/${serialNumber}/history`);
    expect((await history(certified)).body.evidenceProblems).toEqual([]);
    const before = await verifyAll();
    expect(before.last.intact, JSON.stringify(before.problems)).toBe(true);
    expect(before.problems).toEqual([]);
    // The seeded certificate, these four and two photos at least.
    expect(before.checked).toBeGreaterThanOrEqual(6);

    const container = await certificatesContainer();
    const altered = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(2_000)]);
    await container.getBlockBlobClient(await blobOfCertificate(toAlter.certificateId)).uploadData(altered);
    await container.getBlockBlobClient(await blobOfCertificate(toDelete.certificateId)).delete();
    await container.getBlockBlobClient(await blobOfAttachment(photoToDelete.certificateId)).delete();

    for (const pageSize of [undefined, 2]) {
      const after = await verifyAll(pageSize);
      expect(after.last.intact, `page size ${pageSize}`).toBe(false);
      expect(after.last.firstBroken).toBeNull();
      const named = after.problems.map((problem) => `${problem.kind} ${problem.recordNumber}/${problem.fileId} ${problem.found}`).sort();
      expect(named, `page size ${pageSize}`).toEqual(
        [
          `certificate ${calibrationNumber}/${toAlter.certificateId} altered`,
          `certificate ${calibrationNumber}/${toDelete.certificateId} missing`,
          `attachment ${ncNumber}/${photoToDelete.certificateId} missing`,
        ].sort(),
      );
      const deleted = after.problems.find((problem) => problem.fileId === toDelete.certificateId && problem.kind === 'certificate')!;
      expect(deleted).toEqual({
        kind: 'certificate',
        recordNumber: calibrationNumber,
        serialNumber: certified,
        fileId: toDelete.certificateId,
        fileName: toDelete.fileName,
        sha256: toDelete.sha256,
        found: 'missing',
        reason: `Certificate ${toDelete.certificateId} of ${calibrationNumber} (${toDelete.fileName}) is missing from storage, although its audit entry records it with SHA-256 ${toDelete.sha256}`,
      });
    }
    // The machines' histories mark the same files, each beside its calibration or nonconformity.
    const certificateHistory = await history(certified);
    expect(certificateHistory.status).toBe(200);
    expect(certificateHistory.body.evidenceProblems.map((problem) => `${problem.recordNumber}/${problem.fileId} ${problem.found}`).sort()).toEqual(
      [`${calibrationNumber}/${toAlter.certificateId} altered`, `${calibrationNumber}/${toDelete.certificateId} missing`].sort(),
    );
    expect(
      (await history('REF-T-02')).body.evidenceProblems.map((problem) => `${problem.kind} ${problem.recordNumber}/${problem.fileId} ${problem.found}`),
    ).toEqual([`attachment ${ncNumber}/${photoToDelete.certificateId} missing`]);
    // What was left alone still downloads.
    expect((await manager.get(`${certificates}/${kept.certificateId}`)).status).toBe(200);
    expect((await manager.get(`${attachments}/${photo.certificateId}`)).status).toBe(200);
  });

  it('answers a download of a missing file with a sentence that says so, not "Internal error"', async () => {
    const certificate = await upload(certificates, pdf(), 'application/pdf');
    const photo = await upload(attachments, png(), 'image/png');
    const container = await certificatesContainer();
    await container.getBlockBlobClient(await blobOfCertificate(certificate.certificateId)).delete();
    await container.getBlockBlobClient(await blobOfAttachment(photo.certificateId)).delete();

    const missingCertificate = await manager.get<{ title: string; detail: string }>(`${certificates}/${certificate.certificateId}`);
    expect(missingCertificate.status).toBe(500);
    expect(missingCertificate.body.title).toBe('Certificate missing');
    expect(missingCertificate.body.detail).toBe(
      `The file of certificate ${certificate.certificateId} of ${calibrationNumber} is missing from storage; the audit verification lists it. Tell your administrator.`,
    );
    const missingPhoto = await manager.get<{ title: string; detail: string }>(`${attachments}/${photo.certificateId}`);
    expect(missingPhoto.status).toBe(500);
    expect(missingPhoto.body.detail).toContain('is missing from storage; the audit verification lists it');
  });
});
