import type { CalibrationDocument } from '../data/calibration-repository.js';
import type { NonconformityDocument } from '../data/nonconformity-repository.js';
import type { EvidenceProblem } from '../schemas/audit-verification.js';
import { storedFileState, type RecordedFile } from './verified-files.js';

/**
 * The evidence files a lab's trail vouches for (certificate versions of calibration events, attachments
 * of nonconformities), checked in storage: the audit verification and a machine's history both name
 * each one that is missing or no longer matches what was recorded at upload.
 */

export interface EvidenceCheck {
  checked: number;
  problems: EvidenceProblem[];
}

export type EvidenceFile = RecordedFile & Omit<EvidenceProblem, 'found' | 'reason' | 'sha256'>;

/** Blob requests in flight at once while evidence files are checked. */
const evidenceConcurrency = 8;

const evidenceReason = (file: EvidenceFile, found: EvidenceProblem['found']) => {
  const what = file.kind === 'certificate' ? `Certificate ${file.fileId} of ${file.recordNumber}` : `Attachment ${file.fileId} of ${file.recordNumber}`;
  return found === 'missing'
    ? `${what} (${file.fileName}) is missing from storage, although its audit entry records it with SHA-256 ${file.sha256}`
    : `${what} (${file.fileName}) no longer matches the SHA-256 its audit entry records: the stored file was changed or damaged`;
};

/**
 * Every file in storage as its audit entry recorded it (SHA-256, size, and the MD5 set at upload):
 * each one that is not is named, and the next is still checked.
 */
export async function checkEvidence(files: readonly EvidenceFile[]): Promise<EvidenceCheck> {
  const states = new Array<Awaited<ReturnType<typeof storedFileState>>>(files.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < files.length; index = next++) states[index] = await storedFileState(files[index]!);
  };
  await Promise.all(Array.from({ length: Math.min(evidenceConcurrency, files.length) }, worker));
  const problems = files.flatMap((file, index): EvidenceProblem[] => {
    const found = states[index]!;
    if (found === 'intact') return [];
    const { kind, recordNumber, serialNumber, fileId, fileName, sha256 } = file;
    return [{ kind, recordNumber, serialNumber, fileId, fileName, sha256, found, reason: evidenceReason(file, found) }];
  });
  return { checked: files.length, problems };
}

export function calibrationFiles(events: readonly CalibrationDocument[]): EvidenceFile[] {
  return events.flatMap((event) =>
    (event.certificates ?? []).map((file) => ({
      ...file,
      kind: 'certificate' as const,
      recordNumber: event.calibrationNumber,
      serialNumber: event.serialNumber,
      fileId: file.certificateId,
    })),
  );
}

export function attachmentFiles(documents: readonly { type: string }[]): EvidenceFile[] {
  return documents
    .filter((document): document is NonconformityDocument & { type: string } => document.type === 'nonconformity')
    .flatMap((nonconformity) =>
      nonconformity.attachments.map((file) => ({
        ...file,
        kind: 'attachment' as const,
        recordNumber: nonconformity.ncNumber,
        serialNumber: nonconformity.serialNumber,
        fileId: file.certificateId,
      })),
    );
}
