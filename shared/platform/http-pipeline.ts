import type { Cookie, HttpMethod, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { z } from 'zod';
import type { Grants } from '../domain/permissions.js';
import { TooMuchContention, transientStoreFailure } from './store-failures.js';
import { settings } from './config.js';
import { jsonBody } from './json-body.js';
import { inOperation, operationIdFrom } from './operation-context.js';
import { trackProductEvent } from './telemetry.js';
import { forbidden, HttpProblem, notFound, unauthorized, unsupportedMediaType, validationProblem, badRequest, payloadTooLarge } from './problems.js';

/**
 * The signed-in caller, as far as the pipeline needs to know it. The identity layer above
 * (auth/principal.ts) adds the user's and the session's documents by declaration merging, so every
 * handler sees the whole caller while the platform knows nothing of users or sessions.
 */
export interface Principal extends Grants {
  username: string;
  displayName: string;
  csrfToken: string;
  mustChangePassword: boolean;
}

/** What every handler and authorizer learns about the request besides its inputs. */
export interface RequestFacts {
  requestId: string;
  principal: Principal | null;
  request: HttpRequest;
  /** The origin the browser used, e.g. http://localhost:4280. */
  origin: string;
  clientAddress: string;
}

/**
 * Who may call an endpoint before its own authorization runs:
 * - public: anyone (health, sign-in);
 * - signed-in: a session whose password does not have to be changed first;
 * - password-change: any session, even one that must change its password (me, logout, password).
 */
export type Access = 'public' | 'signed-in' | 'password-change';

export interface Reply<Body = unknown> {
  status?: number;
  body?: Body;
  /** A download (a CSV, or a stored file streamed as it is read) sent as it is, instead of a JSON body. */
  file?: { contentType: string; fileName: string; content: string | AsyncIterable<Uint8Array>; size?: number };
  headers?: Record<string, string>;
  cookies?: Cookie[];
}

export interface HandlerInput<Params, Query, Body, Authorized> extends RequestFacts {
  params: Params;
  query: Query;
  body: Body;
  authorized: Authorized;
  context: InvocationContext;
}

export interface AuthorizeInput<Params, Query> extends RequestFacts {
  params: Params;
  query: Query;
}

export type AnyObjectSchema = z.ZodType<Record<string, unknown>>;

export interface HttpDeclaration<
  P extends AnyObjectSchema = AnyObjectSchema,
  Q extends AnyObjectSchema = AnyObjectSchema,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
  A = unknown,
> {
  name: string;
  methods: HttpMethod[];
  /** Azure Functions route template below /api, e.g. "labs/{labId}/equipment". */
  route: string;
  access: Access;
  summary: string;
  tags?: string[];
  params?: P;
  query?: Q;
  body?: B;
  response?: R;
  /** Responses other than 200 this endpoint documents, beyond the problems every endpoint may return. */
  successStatus?: number;
  /** Skips the Origin and CSRF token checks: only for redirects back from an identity provider. */
  csrfExempt?: boolean;
  /**
   * The endpoint checks a password (sign-in, a password change, a signature): it can refuse it (401),
   * lock the account (423) and limit the attempts (429). The contract says so.
   */
  checksPassword?: boolean;
  /** The endpoint honours If-Match with the ETag of what it changes: a stale one answers 412. */
  usesEtag?: boolean;
  /** Statuses the endpoint answers that nothing else in its declaration implies, for the contract. */
  alsoAnswers?: number[];
  /**
   * Systems that are not browsers call it: the API key scope and the Microsoft Entra app role its
   * authorizer asks for, which the contract names as its security.
   */
  integrationCallers?: { keyScope: string; entraAppRole?: string };
  /**
   * Runs after the caller is known and before the body is read, so a caller without the right gets
   * 403 or 404 without learning the body's rules. Whatever it returns reaches the handler.
   */
  authorize?: (input: AuthorizeInput<z.infer<P>, z.infer<Q>>) => A | Promise<A>;
  /**
   * The body is a file, not JSON: the handler streams it from `request.body` (see raw-body.ts) after
   * authorization, up to `maxBytes`; a Content-Length above it is refused before anything is read.
   */
  rawBody?: { maxBytes: number; contentTypes: readonly string[] };
  /** Storage queues the handler may put messages on (see `enqueue`). */
  queueOutputs?: string[];
  handler: (input: HandlerInput<z.infer<P>, z.infer<Q>, z.infer<B>, Awaited<A>>) => Promise<Reply<z.infer<R>>>;
}

/** The request a change came from, as the audit trail records it. */
export type RequestOrigin = Pick<RequestFacts, 'requestId' | 'clientAddress'>;

const stateChangingMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Headers on every API answer: nothing is cached, sniffed, framed or allowed to run. */
export const apiSecurityHeaders: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

export function requestOrigin(request: HttpRequest): string {
  const url = new URL(request.url);
  const forwardedHost = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim();
  const forwardedProto = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim();
  const host = forwardedHost || url.host;
  const protocol = forwardedProto ? `${forwardedProto}:` : url.protocol;
  return `${protocol}//${host}`;
}

/** An address as a front end writes it: `1.2.3.4:5678`, `[2001:db8::1]:5678`, or without the port. */
function withoutPort(entry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  if (bracketed) return bracketed[1]!;
  const ipv4WithPort = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(entry);
  return ipv4WithPort ? ipv4WithPort[1]! : entry;
}

/**
 * The caller's address from `X-Forwarded-For`. Each proxy appends the address it received the request
 * from, so only the right-most entries are the platform's; whatever stands left of them the client
 * wrote itself. `hops` is how many of the right-most entries the platform appended: the caller is the
 * left-most of those (with fewer entries, the request came through fewer proxies, and the first entry
 * is already the platform's). Anything that is not an IP address is 'unknown', never text to store.
 */
export function callerAddress(forwardedFor: string | null, hops: number): string {
  const entries = (forwardedFor ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (entries.length === 0) return 'unknown';
  const address = withoutPort(entries[Math.max(0, entries.length - hops)]!);
  return isIP(address) ? address.toLowerCase() : 'unknown';
}

/** For rate limits and audit entries: the address the platform's front end saw, see callerAddress. */
export function clientAddressOf(request: HttpRequest): string {
  return callerAddress(request.headers.get('x-forwarded-for'), settings().CLIENT_ADDRESS_HOPS);
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function checkOrigin(request: HttpRequest, origin: string): void {
  const sent = request.headers.get('origin');
  if (!sent) throw forbidden('State-changing requests must carry an Origin header.');
  const allowed = settings().PUBLIC_ORIGINS ?? [origin];
  if (!allowed.some((candidate) => new URL(candidate).origin === sent)) {
    throw forbidden('Requests from another site are refused.');
  }
}

/** Refuses a state-changing request that does not carry the CSRF token of the session it acts in. */
export function checkCsrfToken(request: HttpRequest, session: { csrfToken: string }): void {
  const sent = request.headers.get('x-csrf-token');
  if (!sent || !sameText(sent, session.csrfToken)) {
    throw forbidden('Missing or wrong X-CSRF-Token header. Use the csrfToken from sign-in or /api/auth/me.');
  }
}

function isJson(contentType: string | null): boolean {
  if (!contentType) return false;
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  return mediaType === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType);
}

/** No request of the product comes near this; a larger one is refused before it is parsed. */
export const maximumBodyBytes = 1024 * 1024;
const bodyTooLarge = () => new HttpProblem(413, 'Payload too large', 'The request body is larger than 1 MiB.');

/** Endpoints that take no body ignore one; the others accept JSON only. */
async function readBody(request: HttpRequest, declaration: HttpDeclaration): Promise<unknown> {
  if (!declaration.body) return undefined;
  if (!isJson(request.headers.get('content-type'))) throw unsupportedMediaType();
  if (Number(request.headers.get('content-length') ?? 0) > maximumBodyBytes) throw bodyTooLarge();
  const text = await request.text();
  if (Buffer.byteLength(text) > maximumBodyBytes) throw bodyTooLarge();
  if (text.trim() === '') throw badRequest('The request body is empty; send a JSON object.');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
}

/** A file whose declared length is over the endpoint's limit is refused before a byte of it is read. */
function checkDeclaredLength(request: HttpRequest, maxBytes: number): void {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared === 0) throw badRequest('The request has no body; send the file itself as the body.');
  if (declared > maxBytes) throw payloadTooLarge(`The file is larger than ${megabytes(maxBytes)}.`);
}

export function megabytes(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}

function parseWith<S extends z.ZodType>(schema: S | undefined, value: unknown, intro: string): z.infer<S> {
  if (!schema) return value as z.infer<S>;
  const result = schema.safeParse(value);
  if (!result.success) throw validationProblem(intro, result.error);
  return result.data;
}

/** A path that does not fit the route's parameters names nothing that exists: 404, not 400. */
function parseParams(declaration: HttpDeclaration, request: HttpRequest): Record<string, unknown> {
  if (!declaration.params) return { ...request.params };
  const result = declaration.params.safeParse(request.params);
  if (!result.success) throw notFound();
  return result.data;
}

/** An operation without query parameters refuses any, as one with them refuses names it does not take. */
function queryObject(request: HttpRequest, declaration: HttpDeclaration): Record<string, string> {
  const query = Object.fromEntries(request.query.entries());
  const names = Object.keys(query);
  if (!declaration.query && names.length > 0) {
    throw badRequest(
      `This operation takes no query parameters; leave out ${names.join(', ')}.`,
      names.map((name) => ({ field: name, message: 'is not a name this request takes (check its spelling)' })),
    );
  }
  return query;
}

export function problemResponse(problem: HttpProblem, requestId: string): HttpResponseInit {
  return {
    status: problem.status,
    headers: { ...apiSecurityHeaders, ...problem.extra.headers, 'Content-Type': 'application/problem+json', 'X-Request-Id': requestId },
    body: JSON.stringify({
      type: 'about:blank',
      title: problem.title,
      status: problem.status,
      detail: problem.detail ?? problem.title,
      requestId,
      ...(problem.extra.errors ? { errors: problem.extra.errors } : {}),
    }),
  };
}

function replyResponse(reply: Reply, requestId: string, status: number): HttpResponseInit {
  if (reply.file) {
    return {
      status: reply.status ?? status,
      headers: {
        ...apiSecurityHeaders,
        'Content-Type': reply.file.contentType,
        'Content-Disposition': `attachment; filename="${reply.file.fileName}"`,
        ...(reply.file.size !== undefined ? { 'Content-Length': String(reply.file.size) } : {}),
        ...reply.headers,
        'X-Request-Id': requestId,
      },
      body: reply.file.content,
    };
  }
  const hasBody = reply.body !== undefined;
  return {
    status: reply.status ?? status,
    headers: {
      ...apiSecurityHeaders,
      ...(hasBody ? { 'Content-Type': 'application/json' } : {}),
      ...reply.headers,
      'X-Request-Id': requestId,
    },
    ...(hasBody ? { body: jsonBody(reply.body) } : {}),
    ...(reply.cookies ? { cookies: reply.cookies } : {}),
  };
}

/**
 * Who is calling, and the audit of a refusal: the identity layer sits above the platform, so the
 * function entry hands them to the pipeline (useAuthenticator) instead of the pipeline importing it.
 */
export interface Authenticator {
  authenticate(request: HttpRequest): Promise<Principal | null>;
  recordDeniedRequest(principal: Principal, what: string, reason: string, facts: RequestOrigin): Promise<void>;
}

let authenticator: Authenticator | null = null;

export function useAuthenticator(given: Authenticator): void {
  authenticator = given;
}

function currentAuthenticator(): Authenticator {
  if (!authenticator) throw new Error('No authenticator: the function entry (functions/index.ts) hands one to the pipeline with useAuthenticator');
  return authenticator;
}

async function run(declaration: HttpDeclaration, request: HttpRequest, context: InvocationContext, facts: RequestFacts): Promise<Reply> {
  const method = request.method.toUpperCase();
  const changesState = stateChangingMethods.has(method);
  if (declaration.access !== 'public') {
    facts.principal = await currentAuthenticator().authenticate(request);
    if (!facts.principal) throw unauthorized();
    if (declaration.access === 'signed-in' && facts.principal.mustChangePassword) {
      throw forbidden('Change your password before doing anything else (POST /api/auth/password).');
    }
  }
  if (changesState && !declaration.csrfExempt) {
    checkOrigin(request, facts.origin);
    if (facts.principal) checkCsrfToken(request, facts.principal);
  }
  const rawBody = changesState && !declaration.rawBody ? await readBody(request, declaration) : undefined;
  const params = parseParams(declaration, request);
  const query = parseWith(declaration.query, queryObject(request, declaration), 'Some of the query parameters need correcting');
  const authorized = declaration.authorize ? await declaration.authorize({ ...facts, params, query }) : undefined;
  if (declaration.rawBody) checkDeclaredLength(request, declaration.rawBody.maxBytes);
  const body = parseWith(declaration.body, rawBody, 'Some of what was sent needs correcting');
  return declaration.handler({ ...facts, params, query, body, authorized, context });
}

/** Wraps a declaration into the handler both the Functions host and the local host call. */
export function pipeline(declaration: HttpDeclaration) {
  const serve = async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const requestId = context.invocationId;
    const facts: RequestFacts = {
      requestId,
      principal: null,
      request,
      origin: requestOrigin(request),
      clientAddress: clientAddressOf(request),
    };
    try {
      const reply = await run(declaration, request, context, facts);
      return replyResponse(reply, requestId, declaration.successStatus ?? 200);
    } catch (error) {
      if (error instanceof HttpProblem) {
        if (error.status === 403 && facts.principal) {
          trackProductEvent(
            'RequestDenied',
            { username: facts.principal.username, route: `${request.method} /api/${declaration.route}`, reason: error.detail ?? error.title },
            {},
          );
          await currentAuthenticator()
            .recordDeniedRequest(facts.principal, `${request.method} ${new URL(request.url).pathname}`, error.detail ?? error.title, facts)
            .catch((auditError: unknown) => context.error('Could not audit a denied request', auditError));
        }
        return problemResponse(error, requestId);
      }
      if (error instanceof TooMuchContention) {
        return problemResponse(new HttpProblem(503, 'Busy', `${error.message}.`, { headers: { 'Retry-After': '1' } }), requestId);
      }
      const transient = transientStoreFailure(error);
      if (transient) {
        const seconds = Math.max(1, Math.ceil(transient.retryAfterMs / 1000));
        context.warn(`${declaration.name}: the database was busy or unreachable`, error);
        return problemResponse(
          new HttpProblem(
            503,
            'Database busy',
            `The database is busy or could not be reached. Try again in ${seconds} second${seconds === 1 ? '' : 's'}; if you were saving, open the item again first to see whether your change was kept.`,
            { headers: { 'Retry-After': String(seconds) } },
          ),
          requestId,
        );
      }
      context.error(`Unhandled error in ${declaration.name}`, error);
      return problemResponse(
        new HttpProblem(500, 'Internal error', `Something went wrong on our side. Quote request id ${requestId} when reporting it.`),
        requestId,
      );
    }
  };
  // Everything a request causes carries the trace id the Functions host gave it, or the caller's.
  return (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> =>
    inOperation(operationIdFrom(context.traceContext?.traceParent, request.headers.get('traceparent')), () => serve(request, context));
}

/** The caller of an endpoint declared for signed-in users; the pipeline has already refused anyone else. */
export function principalOf(facts: RequestFacts): Principal {
  if (!facts.principal) throw unauthorized();
  return facts.principal;
}
