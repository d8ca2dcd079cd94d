import type { JSONObject, OperationInput } from '@azure/cosmos';
import type { Calibration, CalibrationAmendment, Certificate } from '../schemas/calibration.js';
import { stripSystemProperties } from './audited-write.js';
import { container } from './cosmos.js';
import { DocumentChanged } from './errors.js';
import type { Versioned } from './versioned.js';

/** A calibration event lives in its lab's equipment partition, beside the machine and the lab's chain. */
export interface CalibrationDocument extends Omit<Calibration, 'certificates' | 'amendments'> {
  id: string;
  type: 'calibration';
  serialKey: string;
  /** Absent on events recorded before certificates were kept. */
  certificates?: StoredCertificate[];
  amendments?: CalibrationAmendment[];
  /** What the signer and the approver signed, kept at the first amendment; the fields above then hold the corrected values. */
  asEntered?: AmendableFields;
}

/** The parts of a calibration an amendment may correct, with what they decide. */
export type AmendableFields = Pick<Calibration, 'certificateNumber' | 'adjustment' | 'points' | 'result' | 'outOfTolerance'>;

/** Where the version's bytes are: a blob name that no other upload ever takes. */
export interface StoredCertificate extends Certificate {
  blobName: string;
  /**
   * The MD5 of the bytes as uploaded (base64), also set as the blob's Content-MD5: the verification
   * compares the two from the blob's properties without reading the file. Absent on older uploads.
   */
  contentMd5?: string;
  /** The blob version the upload wrote (Azure keeps versions; Azurite does not): downloads and the verification read that one. */
  versionId?: string;
}

export function calibrationId(calibrationNumber: string): string {
  return `cal:${calibrationNumber}`;
}

export async function readCalibration(labId: string, calibrationNumber: string): Promise<Versioned<CalibrationDocument> | null> {
  const { resource, etag } = await (await container('equipment')).item(calibrationId(calibrationNumber), labId).read<CalibrationDocument>();
  return resource?.type === 'calibration' ? { document: resource, etag } : null;
}

/** The batch operation that writes an event beside its machine: create, or replace on its ETag. */
export function calibrationOperation(document: CalibrationDocument, etag?: string): OperationInput {
  const resourceBody = stripSystemProperties(document) as unknown as JSONObject;
  return etag
    ? { operationType: 'Replace', id: document.id, resourceBody, ifMatch: etag, partitionKey: document.labId }
    : { operationType: 'Create', resourceBody, partitionKey: document.labId };
}

/**
 * Replaces an event on its own, if it has not changed since it was read (412 → DocumentChanged): for a
 * decision on an event whose machine moved to another lab, so no batch holds both.
 */
export async function replaceCalibration(document: CalibrationDocument, etag: string): Promise<void> {
  try {
    await (await container('equipment')).item(document.id, document.labId).replace(stripSystemProperties(document), {
      accessCondition: { type: 'IfMatch', condition: etag },
    });
  } catch (error) {
    if ((error as { code?: number }).code === 412) throw new DocumentChanged(`Calibration ${document.calibrationNumber} changed`);
    throw error;
  }
}

/** Every calibration of a machine in one lab, for its history. */
export async function allCalibrationsOf(labId: string, serialKey: string): Promise<CalibrationDocument[]> {
  const { resources } = await (
    await container('equipment')
  ).items
    .query<CalibrationDocument>(
      {
        query: "SELECT * FROM c WHERE c.labId = @labId AND c.type = 'calibration' AND c.serialKey = @serialKey",
        parameters: [
          { name: '@labId', value: labId },
          { name: '@serialKey', value: serialKey },
        ],
      },
      { partitionKey: labId },
    )
    .fetchAll();
  return resources.sort((a, b) => b.performedOn.localeCompare(a.performedOn) || b.calibrationNumber.localeCompare(a.calibrationNumber));
}

/** Every calibration of a lab, one partition query: what the calibration report aggregates. */
export async function calibrationsOfLab(labId: string): Promise<CalibrationDocument[]> {
  const { resources } = await (
    await container('equipment')
  ).items
    .query<CalibrationDocument>(
      { query: "SELECT * FROM c WHERE c.labId = @labId AND c.type = 'calibration'", parameters: [{ name: '@labId', value: labId }] },
      { partitionKey: labId },
    )
    .fetchAll();
  return resources;
}
