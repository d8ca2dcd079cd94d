import { actorOf, type Principal } from '../auth/principal.js';
import { writeWithAudit } from '../data/audited-write.js';
import { calibrationOperation, readCalibration, type CalibrationDocument, type StoredCertificate } from '../data/calibration-repository.js';
import { readEquipmentChainHead, serialKey } from '../data/equipment-repository.js';
import { inEquipmentTurn } from '../equipment/machine-changes.js';
import { equipmentEvent } from '../equipment/manage-equipment.js';
import { conflict, HttpProblem, notFound } from '../platform/problems.js';
import { trackProductEvent } from '../platform/telemetry.js';
import type { Certificate } from '../schemas/calibration.js';
import { evidenceMaxBytes, safeFileName, storeVerifiedFile, verifiedFileContent, withoutStorage } from '../storage/verified-files.js';
import type { SignerFacts } from './plans.js';

/** A certificate may be a scanned page or a provider's PDF. */
export const certificateMaxBytes = evidenceMaxBytes;

async function eventOf(labId: string, serialNumber: string, calibrationNumber: string) {
  const found = await readCalibration(labId, calibrationNumber);
  if (!found || found.document.serialKey !== serialKey(serialNumber))
    throw notFound(`There is no calibration ${calibrationNumber} of ${serialNumber} at ${labId}.`);
  return found;
}

/**
 * Approved events are read-only (SPEC §9): a certificate added afterwards would change what the
 * approver signed without a signature of its own, so it is refused before any byte is stored. An
 * amendment corrects the approved values (the certificate's number among them) under its signature.
 */
function refuseWhenApproved(event: CalibrationDocument) {
  if (event.status === 'Approved')
    throw conflict(
      `Calibration ${event.calibrationNumber} is approved, so no certificate can be added to it: approved calibrations are read-only. Add certificates right after recording it, before approval; a Manager corrects an approved calibration with a signed amendment.`,
    );
}

function certificateView(certificate: StoredCertificate): Certificate {
  return withoutStorage(certificate);
}

/**
 * Keeps an uploaded certificate as a new version of the calibration's certificates (SPEC §9): the
 * bytes stream into a blob name no upload ever reuses (and the write refuses to replace one), hashed
 * on the way; then the event gains the version and the lab's chain an audit entry with its SHA-256,
 * in one batch. An upload refused half-way (too large, dropped) commits no blob.
 */
export async function addCertificate(
  principal: Principal,
  labId: string,
  serialNumber: string,
  calibrationNumber: string,
  body: AsyncIterable<Buffer>,
  sentFileName: string | undefined,
  facts: SignerFacts,
): Promise<Certificate> {
  refuseWhenApproved((await eventOf(labId, serialNumber, calibrationNumber)).document);
  const { type, size, sha256, contentMd5, blobName, versionId } = await storeVerifiedFile(
    body,
    `${labId}/${calibrationNumber}`,
    { labId, calibrationNumber },
    'A certificate',
  );
  const actor = actorOf(principal);

  return inEquipmentTurn(labId, `The certificates of ${calibrationNumber}`, async () => {
    const [event, chainHead] = await Promise.all([eventOf(labId, serialNumber, calibrationNumber), readEquipmentChainHead(labId)]);
    refuseWhenApproved(event.document);
    const existing = event.document.certificates ?? [];
    const certificateId = String(existing.length + 1);
    const certificate: StoredCertificate = {
      certificateId,
      fileName: safeFileName(sentFileName, `${calibrationNumber}-certificate-${certificateId}`, type),
      contentType: type.contentType,
      size,
      sha256,
      uploadedAt: new Date().toISOString(),
      uploadedBy: actor,
      blobName,
      contentMd5,
      ...(versionId ? { versionId } : {}),
    };
    const updated: CalibrationDocument = { ...event.document, certificates: [...existing, certificate] };
    await writeWithAudit({
      container: 'equipment',
      partition: ['labId', labId],
      owner: chainHead.document,
      ownerEtag: chainHead.etag,
      alongside: [calibrationOperation(updated, event.etag)],
      events: [
        equipmentEvent('calibration.certificate-added', event.document, [labId], actor, facts, {
          after: { calibrationNumber, ...certificateView(certificate) },
        }),
      ],
    });
    return certificateView(certificate);
  });
}

/**
 * A certificate the event vouches for but the store no longer holds as recorded is the server's
 * fault, not the caller's, and asking again will not help: a 500, with a sentence that says what is
 * wrong and where an administrator sees it, rather than "Internal error".
 */
const integrityProblem = (calibrationNumber: string, certificateId: string) =>
  new HttpProblem(
    500,
    'Certificate altered',
    `Certificate ${certificateId} of ${calibrationNumber} no longer matches the SHA-256 recorded when it was uploaded, so it is not sent. Tell your administrator: the stored file was changed or damaged, and the audit verification lists it.`,
  );
const missingProblem = (calibrationNumber: string, certificateId: string) =>
  new HttpProblem(
    500,
    'Certificate missing',
    `The file of certificate ${certificateId} of ${calibrationNumber} is missing from storage; the audit verification lists it. Tell your administrator.`,
  );

/**
 * A certificate version for a reader of the lab, streamed: its bytes are hashed once before anything
 * is sent (a mismatch is a clear refusal and a telemetry event) and again while they are sent, which
 * breaks the transfer off should the store answer differently the second time.
 */
export async function certificateDownload(
  labId: string,
  serialNumber: string,
  calibrationNumber: string,
  certificateId: string,
): Promise<{ certificate: Certificate; content: AsyncIterable<Uint8Array> }> {
  const { document } = await eventOf(labId, serialNumber, calibrationNumber);
  const stored = (document.certificates ?? []).find((candidate) => candidate.certificateId === certificateId);
  if (!stored) throw notFound(`Calibration ${calibrationNumber} has no certificate ${certificateId}.`);
  const content = await verifiedFileContent(stored, {
    missing: () => {
      trackProductEvent('CertificateIntegrityFailed', { labId, calibrationNumber, certificateId }, {});
      return missingProblem(calibrationNumber, certificateId);
    },
    altered: () => {
      trackProductEvent('CertificateIntegrityFailed', { labId, calibrationNumber, certificateId }, {});
      return integrityProblem(calibrationNumber, certificateId);
    },
  });
  return { certificate: certificateView(stored), content };
}
