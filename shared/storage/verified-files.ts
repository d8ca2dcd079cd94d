import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { unsupportedMediaType } from '../platform/problems.js';
import { certificatesContainer } from './blob-store.js';

/**
 * Files kept as evidence (calibration certificates, photos of a fault): checked by their first bytes,
 * streamed into a blob name no upload reuses, hashed on the way in and checked again on the way out.
 */
const fileTypes = [
  { contentType: 'application/pdf', extension: 'pdf', magic: Buffer.from('%PDF-', 'latin1') },
  { contentType: 'image/png', extension: 'png', magic: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { contentType: 'image/jpeg', extension: 'jpg', magic: Buffer.from([0xff, 0xd8, 0xff]) },
] as const;
export type FileType = (typeof fileTypes)[number];
const longestMagic = Math.max(...fileTypes.map((type) => type.magic.length));

/** Evidence files may be a scanned page, a provider's PDF or a phone photo; 20 MB holds any (JSON bodies keep 1 MiB). */
export const evidenceMaxBytes = 20 * 1024 * 1024;

/** What the file is, by its first bytes: whatever its name or the Content-Type it was sent with claims. */
export function fileTypeOf(head: Buffer): FileType | undefined {
  return fileTypes.find((type) => head.subarray(0, type.magic.length).equals(type.magic));
}

/** A name safe inside a Content-Disposition header, ending in the extension of what the file really is. */
export function safeFileName(sent: string | undefined, fallback: string, type: FileType): string {
  const base = (sent ?? '')
    .replace(/^.*[\\/]/, '')
    .replace(/[^A-Za-z0-9._ -]/g, '_')
    .replace(/\.[A-Za-z0-9]{1,5}$/, '')
    .trim()
    .slice(0, 120);
  return `${base || fallback}.${type.extension}`;
}

/** Reads chunks until the first bytes decide the type, then hands back the type and every chunk, none lost. */
async function sniff(chunks: AsyncIterator<Buffer>, what: string): Promise<{ type: FileType; head: Buffer[] }> {
  const head: Buffer[] = [];
  let length = 0;
  while (length < longestMagic) {
    const next = await chunks.next();
    if (next.done) break;
    head.push(next.value);
    length += next.value.length;
  }
  const type = fileTypeOf(Buffer.concat(head));
  if (!type) throw unsupportedMediaType(`${what} must be a PDF, PNG or JPEG file; this file is none of them (judged by its content, not its name).`);
  return { type, head };
}

export interface StoredFile {
  type: FileType;
  size: number;
  sha256: string;
  blobName: string;
}

/**
 * Streams an upload into a new blob under `prefix` (never replacing one: If-None-Match *), in blocks
 * of 1 MiB, two in flight: each block is copied and sent in one go, and at 4 MiB that held the event
 * loop twice as long (npm run bench: p99 30 ms against 16 ms for a 10 MB file). A refused upload
 * commits no blob.
 */
export async function storeVerifiedFile(body: AsyncIterable<Buffer>, prefix: string, metadata: Record<string, string>, what: string): Promise<StoredFile> {
  const chunks = body[Symbol.asyncIterator]();
  const { type, head } = await sniff(chunks, what);
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
  const blobName = `${prefix}/${randomUUID()}.${type.extension}`;
  const blob = (await certificatesContainer()).getBlockBlobClient(blobName);
  await blob.uploadStream(Readable.from(everything()), 1024 * 1024, 2, {
    blobHTTPHeaders: { blobContentType: type.contentType },
    metadata,
    conditions: { ifNoneMatch: '*' },
  });
  return { type, size, sha256: hash.digest('hex'), blobName };
}

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
 * A stored file's bytes, hashed once before anything is sent (a mismatch throws `altered()` and
 * nothing goes out) and again while they are sent, which breaks the transfer off should the store
 * answer differently the second time.
 */
export async function verifiedFileContent(blobName: string, sha256: string, altered: () => Error): Promise<AsyncIterable<Uint8Array>> {
  if ((await sha256Of(await blobChunks(blobName))) !== sha256) throw altered();
  const source = await blobChunks(blobName);
  async function* checked(): AsyncGenerator<Uint8Array> {
    const hash = createHash('sha256');
    for await (const chunk of source) {
      hash.update(chunk);
      yield chunk;
    }
    if (hash.digest('hex') !== sha256) throw altered();
  }
  return checked();
}
