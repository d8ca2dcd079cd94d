import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../shared/auth/passwords.js';
import { changeUser } from '../shared/data/users-repository.js';
import { registeredHttpFunctions } from '../shared/platform/registry.js';
import type { ApiClient } from './helpers/api-client.js';
import { demoPassword, startTestProduct, type TestProduct } from './helpers/test-product.js';

/**
 * Requests generated from the published contract (/api/openapi.json), then mutated: wrong types,
 * missing and extra fields, huge strings, deep nesting, odd Unicode, prototype-pollution keys, bad
 * path parameters and query strings, control characters and Markdown links in every text field,
 * wrong content types and methods; sent as every role. Every answer must be a documented status
 * with a problem+json body (a 400 a sentence, not zod's wording), never a 5xx, a stack trace or
 * another lab's data. `npm run fuzz` runs 1,000 cases per operation; `npm test` a few per operation and role.
 */
const full = process.env.FUZZ_SIZE === 'full';
const roles = ['admin', 'auditor', 'manager1', 'localaudit1', 'tech1', 'anonymous'] as const;
const casesPerOperationAndRole = full ? Math.ceil(1000 / roles.length) : 4;
const seed = Number(process.env.FUZZ_SEED ?? 20261123);

interface Operation {
  operationId: string;
  /** Every status the contract lists for the operation, success and errors. */
  statuses: number[];
  method: string;
  path: string;
  parameters: { name: string; in: 'path' | 'query'; schema: { type?: string; enum?: unknown[] } }[];
  bodyProperties: Record<string, { type?: string; enum?: unknown[] }> | null;
}

let product: TestProduct;
const clients = new Map<string, ApiClient>();
let operations: Operation[] = [];
/** Serial numbers only LAB02 has, which LAB01's technician and local auditor must never see. */
let otherLabSerials: string[] = [];
const tally = { requests: 0, statuses: {} as Record<number, number> };
/** Roles whose session a case ended (sign-out, password change); the next case signs in again. */
const signedOut = new Set<string>();

const hostileStrings = [
  '',
  ' ',
  '../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%2f',
  'LAB01/../LAB02',
  'LAB02',
  '__proto__',
  'constructor',
  'prototype',
  "' OR 1=1 --",
  'SELECT * FROM c',
  '<script>alert(1)</script>',
  '\u0000',
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  '👩‍🔬🧪',
  'A'.repeat(10_000),
  '\ud800',
  '%',
  '{"$ne":null}',
  '[Verify your account](https://evil.example/login) <at>Maria Manager</at> **URGENT**',
  'Lab HQA\r\nBcc: x@evil.example',
];

/** What a person might type to reach what the product sends: mail headers, Markdown links, mentions, bold. */
const injections = [
  'Lab HQA\r\nBcc: x@evil.example',
  'Tara\r\nBcc: x@evil.example',
  '[Verify your account](https://evil.example/login)',
  'x](https://evil.example/login)',
  '<at>Maria Manager</at>',
  '**URGENT**',
  '\u0000\u0007\u001b[31m\u007f\u0085\u2028\u2029\r',
];
const controlCharacter = fc
  .integer({ min: 0, max: 0x9f })
  .filter((code) => code < 0x20 || code >= 0x7f)
  .map((code) => String.fromCharCode(code));
/** A text with control characters and a Markdown link in it, somewhere. */
const injectedText: fc.Arbitrary<string> = fc
  .tuple(fc.string({ maxLength: 12 }), fc.constantFrom(...injections), fc.array(controlCharacter, { maxLength: 3 }), fc.string({ maxLength: 12 }))
  .map(([before, injection, controls, after]) => `${before}${injection}${controls.join('')}${after}`);

/** zod's own wording, which no 400 may answer with. */
const zodWording = /Too big|Too small|expected (string|number|array|object|boolean|int)|Invalid (input|string|option|element|key|type)|Unrecognized key/;

const jsonValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 1e308, -0, 2 ** 53 + 1, '', [], {}),
  fc.constantFrom(...hostileStrings),
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.array(fc.string(), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 4 }),
);

/** A value of the declared kind about half the time, anything at all otherwise. */
function valueFor(schema: { type?: string; enum?: unknown[] } | undefined): fc.Arbitrary<unknown> {
  const typed: fc.Arbitrary<unknown>[] = [];
  if (schema?.enum?.length) typed.push(fc.constantFrom(...schema.enum));
  if (schema?.type === 'string')
    typed.push(fc.string({ maxLength: 30 }), fc.constantFrom('LAB01', 'LAB02', 'Daily', '2026-11-23', 'tech1'), injectedText, injectedText);
  if (schema?.type === 'integer' || schema?.type === 'number') typed.push(fc.integer({ min: -5, max: 2000 }));
  if (schema?.type === 'boolean') typed.push(fc.boolean());
  return typed.length > 0 ? fc.oneof(fc.oneof(...typed), jsonValue) : jsonValue;
}

function deeplyNested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level++) value = { nested: value };
  return value;
}

/** A body built from the declared properties, then mutated; or no object at all. */
function bodyFor(operation: Operation): fc.Arbitrary<{ raw?: string; json?: unknown; contentType?: string | null }> {
  const properties = operation.bodyProperties ?? {};
  const names = Object.keys(properties);
  const shaped = fc
    .record(Object.fromEntries(names.map((name) => [name, valueFor(properties[name])])) as Record<string, fc.Arbitrary<unknown>>, { requiredKeys: [] })
    .chain((base) =>
      fc
        .record({
          extra: fc.option(
            fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'isAdmin', 'labId', 'role', 'status', 'version', 'id', '_etag'), jsonValue, {
              maxKeys: 3,
            }),
          ),
          deep: fc.boolean(),
        })
        .map(({ extra, deep }) => ({ ...base, ...(extra ?? {}), ...(deep ? { nested: deeplyNested(200) } : {}) })),
    );
  return fc.oneof(
    { weight: 6, arbitrary: shaped.map((json) => ({ json })) },
    { weight: 1, arbitrary: jsonValue.map((json) => ({ json })) },
    { weight: 1, arbitrary: fc.constantFrom('{"__proto__": {"isAdmin": true}}', '{', '[]', 'null', '{"a":1}{"b":2}', '\u0000').map((raw) => ({ raw })) },
    { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', null).map((contentType) => ({ json: {}, contentType })) },
  );
}

/** As a browser encodes a path segment; a lone surrogate, which it cannot encode, goes as the invalid UTF-8 it would be. */
function percentEncoded(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '')) + '%ED%A0%80';
  }
}

interface GeneratedRequest {
  target: { path: string; reachesOperation: boolean };
  query: Record<string, string>;
  method: string;
  body: { raw?: string; json?: unknown; contentType?: string | null };
}

function requestFor(operation: Operation): fc.Arbitrary<GeneratedRequest> {
  const pathParameters = operation.parameters.filter((parameter) => parameter.in === 'path');
  const queryParameters = operation.parameters.filter((parameter) => parameter.in === 'query');
  const pathValue = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('LAB01', 'LAB02', 'tech1', 'admin', 'DWX-52DCi', 'LAB01000001') },
    { weight: 2, arbitrary: fc.constantFrom(...hostileStrings).map((text) => text.slice(0, 300)) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  );
  return fc.record({
    target: fc.tuple(...pathParameters.map(() => fc.tuple(pathValue, fc.boolean()))).map((values) => ({
      path: pathParameters.reduce((path, parameter, index) => {
        const [value, encode] = values[index]!;
        // Mostly encoded as a browser would; sometimes raw, slashes and all.
        return path.replace(`{${parameter.name}}`, encode ? percentEncoded(String(value)) : String(value).replace(/[?#]/g, ''));
      }, operation.path),
      // An empty, dotted or slashed value may be routed to another operation (GET /api/users/ lists users).
      reachesOperation: values.every(([value, encode]) => value !== '' && !/^\.{1,2}$/.test(value) && (encode || !/[/\\%]/.test(value))),
    })),
    query: fc.dictionary(
      fc.oneof(fc.constantFrom(...queryParameters.map((parameter) => parameter.name), '__proto__', 'constructor', 'pageSize'), fc.string({ maxLength: 6 })),
      fc
        .oneof(valueFor(undefined), fc.constantFrom('1', '-1', '1000000', 'NaN', 'true'))
        .map((value) => (typeof value === 'string' ? value : JSON.stringify(value))),
      { maxKeys: 4 },
    ),
    method: fc.oneof(
      { weight: 9, arbitrary: fc.constant(operation.method) },
      { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE') },
    ),
    body: bodyFor(operation),
  });
}

const responseSchemas = new Map(registeredHttpFunctions().map(({ declaration }) => [declaration.name, declaration.response]));
/** Routes that may answer a redirect or a file rather than JSON. */
const redirects = new Set(['authMicrosoftLogin', 'authMicrosoftCallback']);

beforeAll(async () => {
  product = await startTestProduct();
  for (const role of roles) clients.set(role, role === 'anonymous' ? product.client() : await product.signedIn(role));
  const admin = clients.get('admin')!;
  const { body: document } = await admin.get<{
    paths: Record<
      string,
      Record<
        string,
        {
          operationId: string;
          responses: Record<string, unknown>;
          parameters?: Operation['parameters'];
          requestBody?: { content: { 'application/json'?: { schema: { properties?: Operation['bodyProperties'] } } } };
        }
      >
    >;
  }>('/api/openapi.json');
  operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      operationId: operation.operationId,
      statuses: Object.keys(operation.responses).map(Number),
      method: method.toUpperCase(),
      path,
      parameters: operation.parameters ?? [],
      // A file upload declares no JSON body: it is fuzzed with the same bodies, which are no certificate.
      bodyProperties: operation.requestBody ? (operation.requestBody.content['application/json']?.schema.properties ?? {}) : null,
    })),
  );
  const { body: lab02 } = await admin.get<{ items: { serialNumber: string }[] }>('/api/labs/LAB02/equipment');
  const { body: lab01 } = await admin.get<{ items: { serialNumber: string }[] }>('/api/labs/LAB01/equipment');
  const inLab01 = new Set(lab01.items.map((item) => item.serialNumber));
  otherLabSerials = lab02.items.map((item) => item.serialNumber).filter((serial) => !inLab01.has(serial));
  expect(otherLabSerials.length).toBeGreaterThan(0);
}, 120_000);

afterAll(async () => {
  console.log(
    `Fuzz (${full ? 'full' : 'small'}, seed ${seed}): ${operations.length} operations, ${tally.requests} requests, statuses ${JSON.stringify(tally.statuses)}`,
  );
  await product.cleanup();
});

/**
 * The fuzzing may lock, disable or re-password its own accounts (wrong passwords in signatures, an
 * administrator's generated PATCH), as the product allows; an administrator would set them right,
 * and so does this, straight in the store, before signing in again.
 */
async function signInAgain(role: string): Promise<ApiClient> {
  try {
    return await product.signedIn(role);
  } catch {
    const passwordHash = await hashPassword(demoPassword);
    await changeUser(role, (current) => ({ user: { ...current, status: 'Active', failedLogins: 0, passwordHash, requirePasswordChange: false }, events: [] }));
    return product.signedIn(role);
  }
}

/** Sends one generated request as the role; signs in again if an earlier case ended the session. */
async function send(role: (typeof roles)[number], request: GeneratedRequest) {
  if (signedOut.delete(role)) clients.set(role, await signInAgain(role));
  const client = clients.get(role)!;
  const search = new URLSearchParams(request.query).toString();
  const target = `${request.target.path}${search ? `?${search}` : ''}`;
  const options = {
    ...(request.body.raw !== undefined ? { rawBody: request.body.raw } : { body: request.body.json }),
    ...(request.body.contentType !== undefined ? { contentType: request.body.contentType } : {}),
  };
  tally.requests += 1;
  const response = await client.request(request.method, target, request.method === 'GET' || request.method === 'DELETE' ? {} : options);
  // A locked account keeps its session, so a refused password is a reason to sign in again too.
  if ((response.status === 401 || response.status === 423) && role !== 'anonymous') signedOut.add(role);
  return response;
}

describe('every operation of the published contract, fuzzed', () => {
  it('is read from /api/openapi.json', () => {
    expect(operations.length).toBeGreaterThanOrEqual(40);
  });

  it(
    "never answers 5xx, a stack trace, a non-problem error or another lab's data",
    async () => {
      // Sign-out and password changes end the fuzzing session; they are fuzzed all the same, and the
      // next case signs in again.
      for (const operation of operations) {
        for (const role of roles) {
          await fc.assert(
            fc.asyncProperty(requestFor(operation), async (request) => {
              const response = await send(role, request);
              tally.statuses[response.status] = (tally.statuses[response.status] ?? 0) + 1;
              const where = `${role} ${request.method} ${request.target.path} → ${response.status} ${response.text.slice(0, 200)}`;
              expect(response.status, where).toBeLessThan(500);
              expect(response.text, where).not.toMatch(/\n\s+at .+\.(ts|js):\d+|node_modules|\/work\/|Error: /);
              if (response.status >= 400) {
                expect(response.headers.get('content-type'), where).toBe('application/problem+json');
                expect(typeof (response.body as { detail?: unknown }).detail, where).toBe('string');
                expect((response.body as { detail: string }).detail, where).not.toMatch(zodWording);
              }
              if ((role === 'tech1' || role === 'localaudit1') && response.status < 300) {
                for (const serial of otherLabSerials) expect(response.text, `${where} shows ${serial}`).not.toContain(`"${serial}"`);
              }
              // What reaches the operation answers only what its contract lists.
              if (request.method === operation.method && request.target.reachesOperation && !redirects.has(operation.operationId)) {
                expect(operation.statuses, `${where}: the contract lists ${operation.statuses.join(', ')}`).toContain(response.status);
              }
              const schema = responseSchemas.get(operation.operationId);
              const declaredSuccess =
                response.status >= 200 &&
                response.status < 300 &&
                request.method === operation.method &&
                request.target.reachesOperation &&
                !redirects.has(operation.operationId);
              if (schema && declaredSuccess && response.headers.get('content-type') === 'application/json') {
                const parsed = schema.safeParse(response.body);
                expect(parsed.success, `${where}: ${parsed.success ? '' : parsed.error.message}`).toBe(true);
              }
            }),
            { numRuns: casesPerOperationAndRole, seed, endOnFailure: true },
          );
        }
      }
      // The host runs in this process: a polluted prototype would show here.
      expect(Object.prototype).not.toHaveProperty('isAdmin');
      expect(Object.keys(Object.prototype)).toEqual([]);
    },
    full ? 3_600_000 : 300_000,
  );
});
