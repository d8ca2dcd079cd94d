import type { HttpRequest } from '@azure/functions';
import { megabytes } from './http-pipeline.js';
import { badRequest, payloadTooLarge } from './problems.js';

/**
 * The request body as it arrives, chunk by chunk, never held whole: past `maxBytes` it stops with a
 * 413 (a client may leave out Content-Length or understate it). In Azure the worker streams because
 * functions/main.ts enables HTTP streams; the local host streams the routes that declare `rawBody`.
 */
export async function* requestBodyChunks(request: HttpRequest, maxBytes: number): AsyncGenerator<Buffer> {
  if (!request.body) throw badRequest('The request has no body; send the file itself as the body.');
  let size = 0;
  for await (const chunk of request.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) throw payloadTooLarge(`The file is larger than ${megabytes(maxBytes)}.`);
    yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  if (size === 0) throw badRequest('The request body is empty; send the file itself as the body.');
}
