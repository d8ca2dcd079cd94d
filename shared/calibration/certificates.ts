import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { actorOf, type Principal } from '../auth/principal.js';
import { writeWithAudit } from '../data/audited-write.js';
import { calibrationOperation, readCalibration, type CalibrationDocument, type StoredCertificate } from '../data/calibration-repository.js';
import { readEquipmentChainHead, serialKey } from '../data/equipment-repository.js';
import { retryWhileOvertaken } from '../data/optimistic-retry.js';
import { inTurn } from '../data/turns.js';
import { equipmentEvent } from '../equipment/manage-equipment.js';
import { HttpProblem, notFound, unsupportedMediaType } from '../platform/problems.js';
import { trackProductEvent } from '../platform/telemetry.js';
import type { Certificate } from '../schemas/calibration.js';
import { certificatesContainer } from '../storage/blob-store.js';
import type { SignerFacts } from './plans.js';

/** A certificate may be a scanned page or a provider's PDF; 20 MB holds either (JSON bodies keep 1 MiB). */
export const certificateMaxBytes = 20 * 1024 * 1024;

const fileTypes = [
  { contentType: 'application/pdf', extension: 'pdf', magic: Buffer.from('%PDF-', 'latin1') },
  { contentType: 'image/png', extension: 'png', magic: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { contentType: 'image/jpeg', extension: 'jpg', magic: Buffer.from([0xff, 0xd8, 0xff]) },
] as const;
type FileType = (typeof fileTypes)[number];
const longestMagic = Math.max(...fileTypes.map((type) => type.magic.length));

/** What the file is, by its first bytes: whatever its name or the Content-Type it was sent with claims. */
export function fileTypeOf(head: Buffer): FileType | undefined {
  return fileTypes.find((type) => head.subarray(0, type.magic.length).equals(type.magic));
}

/** A name safe inside a Content-Disposition header, ending in the extension of what the file really is. */
export function certificateFileName(sent: string | undefined, fallback: string, type: FileType): string {
  const base = (sent ?? '')
    .replace(/^.*[\\/]/, '')
    .replace(/[^A-Za-z0-9._ -]/g, '_')
    .replace(/\.[A-Za-z0-9]{1,5}$/, '')
    .trim()
    .slice(0, 120);
  return `${base || fallback}.${type.extension}`;
}

/** Reads chunks until the first bytes decide the type, then hands back the type and every chunk, none lost. */
async function sniff(chunks: AsyncIterator<Buffer>): Promise<{ type: FileType; head: Buffer[] }> {
  const head: Buffer[] = [];
  let length = 0;
  while (length < longestMagic) {
    const next = await chunks.next();
    if (next.done) break;
    head.push(next.value);
    length += next.value.length;
  }
  const type = fileTypeOf(Buffer.concat(head));
  if (!type) throw unsupportedMediaType('A certificate must be a PDF, PNG or JPEG file; this file is none of them (judged by its content, not its name).');
  return { type, head };
}

async function eventOf(labId: string, serialNumber: string, calibrationNumber: string) {
  const found = await readCalibration(labId, calibrationNumber);
  if (!found || found.document.serialKey !== serialKey(serialNumber)) throw notFound(`There is no calibration ${calibrationNumber} of ${serialNumber} at ${labId}.`);
  return found;
}

function certificateView({ blobName: _blob, ...certificate }: StoredCertificate): Certificate {
  return certificate;
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
  await eventOf(labId, serialNumber, calibrationNumber);
  const chunks = body[Symbol.asyncIterator]();
  const { type, head } = await sniff(chunks);
  const hash = createHash('sha256');
  let size = 0;
  const counted = (chunk: Buffer) => {
    hash.update(chunk);
    size += chunk.length;
    return chunk;
  };
  async function* everything(): AsyncGenerator<Buffer> {
    for (const chunk of head) yield counted(chunk);
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield counted(next.value);
  }
  const blobName = `${labId}/${calibrationNumber}/${randomUUID()}.${type.extension}`;
  const blob = (await certificatesContainer()).getBlockBlobClient(blobName);
  // Blocks of 1 MiB, two in flight: each block is copied and sent in one go, and at 4 MiB that held
  // the event loop twice as long (npm run bench: p99 30 ms against 16 ms for a 10 MB file).
  await blob.uploadStream(Readable.from(everything()), 1024 * 1024, 2, {
    blobHTTPHeaders: { blobContentType: type.contentType },
    metadata: { labId, calibrationNumber },
    conditions: { ifNoneMatch: '*' },
  });
  const sha256 = hash.digest('hex');
  const actor = actorOf(principal);

  return inTurn(`equipment:${labId}`, () =>
    retryWhileOvertaken(async () => {
      const [event, chainHead] = await Promise.all([eventOf(labId, serialNumber, calibrationNumber), readEquipmentChainHead(labId)]);
      const existing = event.document.certificates ?? [];
      const certificateId = String(existing.length + 1);
      const certificate: StoredCertificate = {
        certificateId,
        fileName: certificateFileName(sentFileName, `${calibrationNumber}-certificate-${certificateId}`, type),
        contentType: type.contentType,
        size,
        sha256,
        uploadedAt: new Date().toISOString(),
        uploadedBy: actor,
        blobName,
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
    }, `The certificates of ${calibrationNumber}`),
  );
}

const integrityProblem = (calibrationNumber: string, certificateId: string) =>
  new HttpProblem(
    500,
    'Certificate altered',
    `Certificate ${certificateId} of ${calibrationNumber} no longer matches the SHA-256 recorded when it was uploaded, so it is not sent. Tell your administrator: the stored file was changed or damaged.`,
  );

async function blobChunks(blobName: string): Promise<AsyncIterable<Buffer>> {
  const download = await (await certificatesContainer()).getBlockBlobClient(blobName).download();
  if (!download.readableStreamBody) throw new Error(`The blob ${blobName} came without a body`);
  return download.readableStreamBody as AsyncIterable<Buffer>;
}

async function sha256Of(chunks: AsyncIterable<Buffer>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of chunks) hash.update(chunk);
  return hash.digest('hex');
}

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
  if ((await sha256Of(await blobChunks(stored.blobName))) !== stored.sha256) {
    trackProductEvent('CertificateIntegrityFailed', { labId, calibrationNumber, certificateId }, {});
    throw integrityProblem(calibrationNumber, certificateId);
  }
  const source = await blobChunks(stored.blobName);
  async function* checked(): AsyncGenerator<Uint8Array> {
    const hash = createHash('sha256');
    for await (const chunk of source) {
      hash.update(chunk);
      yield chunk;
    }
    if (hash.digest('hex') !== stored!.sha256) throw integrityProblem(calibrationNumber, certificateId);
  }
  return { certificate: certificateView(stored), content: checked() };
}
