import { HttpRequest, HttpResponse, InvocationContext, type HttpResponseInit, type LogHandler } from '@azure/functions';
import { queuedBy } from '../shared/platform/registry.js';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { serializeCookie } from '../shared/auth/cookies.js';
import { maximumBodyBytes, problemResponse } from '../shared/platform/http-pipeline.js';
import { utf8Bytes } from '../shared/platform/json-body.js';
import { HttpProblem } from '../shared/platform/problems.js';
import { registeredHttpFunctions, type RegisteredHttpFunction } from '../shared/platform/registry.js';
import { matchRoute } from '../shared/platform/routes.js';
import { apiPrefix } from '../shared/platform/unknown-route.js';
import { serveStatic, type StaticWebAppConfig } from './static-files.js';

export interface HttpHostOptions {
  staticRoot: string;
  staticConfig: StaticWebAppConfig;
  logHandler: LogHandler;
  /** Sends what a function put on its queue outputs, as the Functions host does when it returns. */
  deliverQueueOutputs: QueueOutputSink;
}

export type QueueOutputSink = (outputs: { queueName: string; messages: unknown[] }[]) => Promise<void>;

/** Reads the whole body; past the product's limit it keeps draining (so the client reads the answer) but stores nothing. */
function readRequestBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maximumBodyBytes) chunks.push(chunk);
    });
    request.on('end', () =>
      size > maximumBodyBytes ? reject(new HttpProblem(413, 'Payload too large', 'The request body is larger than 1 MiB.')) : resolve(Buffer.concat(chunks)),
    );
    request.on('error', reject);
  });
}

function headersOf(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(name === 'cookie' ? '; ' : ', ') : value;
  }
  // The local host is the edge and appends the socket's address as Azure's front end does; what the
  // client wrote stays to its left, where the pipeline never looks.
  const socketAddress = request.socket.remoteAddress ?? 'unknown';
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${socketAddress}` : socketAddress;
  return headers;
}

async function bufferedRequest(request: IncomingMessage, url: URL, method: string, params: Record<string, string>): Promise<HttpRequest> {
  const body = await readRequestBody(request);
  return new HttpRequest({
    method,
    url: url.toString(),
    headers: headersOf(request),
    query: Object.fromEntries(url.searchParams.entries()),
    params,
    ...(body.length > 0 ? { body: { bytes: body } } : {}),
  });
}

/**
 * A request whose body the function reads as a stream (a file upload), as the Functions worker hands
 * it over with HTTP streams enabled: a fetch Request around the socket, which the worker's own
 * HttpRequest wraps (`nativeRequest`, the constructor option its streaming path uses).
 */
function streamedRequest(request: IncomingMessage, url: URL, method: string, params: Record<string, string>): HttpRequest {
  const nativeRequest = new Request(url, { method, headers: headersOf(request), body: bodyStream(request), duplex: 'half' } as RequestInit);
  return new HttpRequest({ nativeRequest, params } as unknown as ConstructorParameters<typeof HttpRequest>[0]);
}

/** The socket's body at the pace the function reads it; what it stops reading is dropped (see discardRest). */
function bodyStream(request: IncomingMessage): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        request.on('data', (chunk: Buffer) => {
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
          if ((controller.desiredSize ?? 1) <= 0) request.pause();
        });
        request.once('end', () => {
          try {
            controller.close();
          } catch {
            // Cancelled by the function: nobody reads the end.
          }
        });
        request.once('error', (error) => controller.error(error));
        request.pause();
      },
      pull: () => void request.resume(),
      cancel: () => discardRest(request),
    },
    { highWaterMark: 4 },
  );
}

/**
 * A body the function refused before reading it all (403, 413, 415) is still read to its end and
 * dropped: a client blocked on sending it would otherwise never read the answer, and closing the
 * socket under unread data resets the connection. The server's requestTimeout bounds the wait.
 */
function discardRest(request: IncomingMessage): void {
  if (request.readableEnded) return;
  request.removeAllListeners('data');
  request.on('data', () => undefined);
  request.resume();
}

async function writeFunctionResponse(init: HttpResponse, response: ServerResponse, method: string, streamed = false): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  init.headers.forEach((value, name) => (headers[name] = value));
  const cookies = init.cookies.map(serializeCookie);
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  if (streamed && init.body && method !== 'HEAD') {
    response.writeHead(init.status, headers);
    // A source that fails half-way (a certificate that no longer matches its hash) breaks the
    // connection off, so the client never takes a partial file for a whole one.
    await pipeline(Readable.fromWeb(init.body as WebReadableStream<Uint8Array>), response).catch(() => response.destroy());
    return;
  }
  const body = Buffer.from(await init.arrayBuffer());
  response.writeHead(init.status, headers);
  response.end(method === 'HEAD' ? undefined : body);
}

/** The function whose route takes the path, highest precedence first (literal segments before parameters). */
function findRoute(method: string, path: string): { fn: RegisteredHttpFunction; params: Record<string, string> } | undefined {
  for (const fn of registeredHttpFunctions()) {
    if (!(fn.declaration.methods as string[]).includes(method)) continue;
    const params = matchRoute(fn.compiled, path);
    if (params) return { fn, params };
  }
  return undefined;
}

async function serveApi(request: IncomingMessage, response: ServerResponse, url: URL, options: HttpHostOptions): Promise<void> {
  const path = url.pathname.slice(apiPrefix.length);
  const method = (request.method ?? 'GET').toUpperCase();
  const found = findRoute(method, path);
  const requestId = randomUUID();
  if (!found) {
    const problem = new HttpProblem(404, 'Not found', `There is no API at ${url.pathname}.`);
    await writeFunctionResponse(new HttpResponse(problemResponse(problem, requestId)), response, method);
    return;
  }
  let functionRequest: HttpRequest;
  try {
    functionRequest = found.fn.declaration.rawBody
      ? streamedRequest(request, url, method, found.params)
      : await bufferedRequest(request, url, method, found.params);
  } catch (error) {
    const problem = error instanceof HttpProblem ? error : new HttpProblem(400, 'Bad request', 'The request body could not be read.');
    await writeFunctionResponse(new HttpResponse(problemResponse(problem, requestId)), response, method);
    return;
  }
  const functionName = found.fn.declaration.name;
  const context = new InvocationContext({ invocationId: requestId, functionName, logHandler: withInvocation(options.logHandler, functionName, requestId) });
  const result = await found.fn.handler(functionRequest, context);
  if (found.fn.declaration.rawBody) discardRest(request);
  await options.deliverQueueOutputs(queuedBy(context, found.fn.declaration.queueOutputs));
  if (result && isPlainTextAnswer(result)) return writeTextAnswer(result, response, method);
  const streamed = typeof result?.body === 'object' && result.body !== null && Symbol.asyncIterator in result.body;
  await writeFunctionResponse(new HttpResponse(result ?? { status: 204 }), response, method, streamed);
}

type PlainAnswer = HttpResponseInit & { body?: string | Buffer; headers?: Record<string, string> };

/** What the pipeline answers for JSON and CSV: a string or buffer body (or none) and headers as a plain object. */
function isPlainTextAnswer(init: HttpResponseInit): init is PlainAnswer {
  const headersArePlain =
    init.headers === undefined || (typeof init.headers === 'object' && !Array.isArray(init.headers) && !(init.headers instanceof Headers));
  return init.jsonBody === undefined && (init.body === undefined || typeof init.body === 'string' || Buffer.isBuffer(init.body)) && headersArePlain;
}

/**
 * Written as it is: a dashboard of hundreds of rows is one buffer, and wrapping it in a fetch
 * Response only to read it back costs more than the rest of the answer. The Functions host in Azure
 * does its own conversion; streamed and other bodies still go through HttpResponse below.
 */
function writeTextAnswer(init: PlainAnswer, response: ServerResponse, method: string): void {
  const headers: Record<string, string | string[]> = { ...init.headers };
  const cookies = (init.cookies ?? []).map(serializeCookie);
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  const body = typeof init.body === 'string' ? utf8Bytes(init.body) : init.body;
  if (body) headers['content-length'] = String(body.length);
  response.writeHead(init.status ?? 200, headers);
  response.end(method === 'HEAD' ? undefined : body);
}

/** Every log line names the function and the invocation (request) id, as the Functions host does. */
export function withInvocation(logHandler: LogHandler, functionName: string, invocationId: string): LogHandler {
  return (level, ...args) => logHandler(level, `[${functionName} ${invocationId}]`, ...args);
}

/** One port for the API and the static site, like Static Web Apps with its linked backend. */
export function createHttpHost(options: HttpHostOptions): Server {
  // A client that sends its headers slowly, or never finishes its request, is cut off: the edge's
  // duty, which in Azure the front end does. Node checks these limits every connectionsCheckingInterval.
  const limits = { headersTimeout: 10_000, requestTimeout: 60_000, connectionsCheckingInterval: 2_000 };
  return createServer(limits, (request, response) => {
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? 'localhost'}`);
    const isApi = url.pathname === apiPrefix || url.pathname.startsWith(`${apiPrefix}/`);
    const work = isApi
      ? serveApi(request, response, url, options)
      : serveStatic(options.staticRoot, options.staticConfig, request.method ?? 'GET', url.pathname, response);
    work.catch((error: unknown) => {
      options.logHandler('error', 'Local host failed to answer', url.pathname, error);
      if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('Internal error');
    });
  });
}
