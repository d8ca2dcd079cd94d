import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { http } from '../shared/platform/registry.js';
import { startTestProduct, type TestProduct } from './helpers/test-product.js';

// Functions declared only in this test process, to drive the pipeline through the local host.
http({
  name: 'testEcho',
  methods: ['POST'],
  route: 'test/echo/{itemId}',
  access: 'public',
  summary: 'Echoes a validated body',
  params: z.object({ itemId: z.string().regex(/^[a-z]+$/) }),
  query: z.object({ mode: z.enum(['plain', 'loud']).optional() }).strict(),
  body: z.object({ name: z.string().min(3, { message: 'must be at least 3 characters' }), count: z.number().int().min(1) }).strict(),
  handler: async ({ params, query, body }) => ({ body: { itemId: params.itemId, mode: query.mode ?? 'plain', ...body } }),
});

http({
  name: 'testExplode',
  methods: ['GET'],
  route: 'test/explode',
  access: 'public',
  summary: 'Throws an unexpected error',
  handler: async () => {
    throw new Error('database password is hunter2 at /srv/secret/path.ts:12');
  },
});

// What the Cosmos SDK throws after its own retries: a throttled answer, and a failed transactional
// batch, which it wraps in a plain Error whose cause is the real failure.
http({
  name: 'testThrottled',
  methods: ['GET'],
  route: 'test/throttled',
  access: 'public',
  summary: 'Fails as a throttled Cosmos DB request does',
  handler: async () => {
    throw Object.assign(new Error('Request rate is large'), { code: 429, retryAfterInMs: 2500, headers: { 'x-ms-retry-after-ms': '2500' } });
  },
});

http({
  name: 'testBatchDropped',
  methods: ['GET'],
  route: 'test/batch-dropped',
  access: 'public',
  summary: 'Fails as a batch whose connection dropped does',
  handler: async () => {
    throw new Error('Batch request error: socket hang up', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
  },
});

// A list long enough to be encoded in slices (shared/platform/json-body.ts), with text that is not ASCII.
const longList = Array.from({ length: 345 }, (_, index) => ({ index, note: index % 50 === 0 ? `Prüfung ${index} ✓` : `row ${index}` }));
http({
  name: 'testLongList',
  methods: ['GET'],
  route: 'test/long-list',
  access: 'public',
  summary: 'Answers a list of several hundred rows',
  handler: async () => ({ body: { items: longList, continuationToken: 'next' } }),
});

let product: TestProduct;

beforeAll(async () => {
  product = await startTestProduct();
});
afterAll(async () => product.cleanup());

describe('HTTP pipeline', () => {
  it('answers 503 with Retry-After, not 500, when the database stays busy or unreachable', async () => {
    const throttled = await product.client().get<{ detail: string }>('/api/test/throttled');
    expect(throttled.status).toBe(503);
    expect(throttled.headers.get('retry-after')).toBe('3');
    expect(throttled.body.detail).toContain('Try again in 3 seconds');
    const dropped = await product.client().get('/api/test/batch-dropped');
    expect(dropped.status).toBe(503);
    expect(dropped.headers.get('retry-after')).toBe('1');
    expect(dropped.headers.get('content-type')).toBe('application/problem+json');
  });

  it('answers a list of hundreds of rows as one JSON document of the declared length', async () => {
    const response = await fetch(`${product.url}/api/test/long-list`);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(Number(response.headers.get('content-length'))).toBe(bytes.length);
    expect(JSON.parse(bytes.toString('utf8'))).toEqual({ items: longList, continuationToken: 'next' });
  });

  it('passes valid input through and answers JSON with security headers and a request id', async () => {
    const response = await product.client().post('/api/test/echo/abc?mode=loud', { name: 'pump', count: 2 });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ itemId: 'abc', mode: 'loud', name: 'pump', count: 2 });
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 400 with a message per field for an invalid body', async () => {
    const response = await product.client().post<{ detail: string; errors: { field: string; message: string }[] }>('/api/test/echo/abc', {
      name: 'ab',
      count: 0,
      extra: true,
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const fields = response.body.errors.map((error) => error.field).sort();
    expect(fields).toEqual(['count', 'extra', 'name']);
    expect(response.body.errors.find((error) => error.field === 'extra')?.message).toBe('is not a name this request takes (check its spelling)');
    expect(response.body.errors.find((error) => error.field === 'name')?.message).toBe('must be at least 3 characters');
    expect(response.body.detail).toContain('Name must be at least 3 characters');
  });

  it('answers 400 for malformed JSON and for an empty body', async () => {
    const malformed = await product.client().post('/api/test/echo/abc', undefined, { rawBody: '{"name": "pump",' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.detail).toBe('The request body is not valid JSON.');
    const empty = await product.client().post('/api/test/echo/abc', undefined, { rawBody: '' });
    expect(empty.status).toBe(400);
  });

  it('answers 400 for an unknown query parameter', async () => {
    const response = await product.client().post('/api/test/echo/abc?mode=whisper', { name: 'pump', count: 2 });
    expect(response.status).toBe(400);
    expect((response.body.errors as { field: string }[])[0]?.field).toBe('mode');
  });

  it('answers 400 to any query parameter on an operation that takes none, naming each', async () => {
    const response = await product.client().get('/api/health?verbose=1&x=2');
    expect(response.status).toBe(400);
    expect(response.body.detail).toBe('This operation takes no query parameters; leave out verbose, x.');
    expect((response.body.errors as { field: string }[]).map((error) => error.field)).toEqual(['verbose', 'x']);
    expect((await product.client().get('/api/health')).status).toBe(200);
  });

  it('answers 404 when a path parameter does not fit the route', async () => {
    const response = await product.client().post('/api/test/echo/ABC', { name: 'pump', count: 2 });
    expect(response.status).toBe(404);
  });

  it('answers 415 for a body that is not JSON', async () => {
    const response = await product.client().post('/api/test/echo/abc', undefined, { rawBody: 'name=pump', contentType: 'application/x-www-form-urlencoded' });
    expect(response.status).toBe(415);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const missingType = await product.client().post('/api/test/echo/abc', undefined, { rawBody: '{}', contentType: null });
    expect(missingType.status).toBe(415);
  });

  it('refuses state-changing requests without an Origin or from another site with 403', async () => {
    const missing = await product.client().post('/api/test/echo/abc', { name: 'pump', count: 2 }, { origin: null });
    expect(missing.status).toBe(403);
    expect(missing.body.detail).toContain('Origin');
    const foreign = await product.client().post('/api/test/echo/abc', { name: 'pump', count: 2 }, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
  });

  it('turns an unexpected error into a 500 problem that reveals nothing of the error', async () => {
    const response = await product.client().get('/api/test/explode');
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.text).not.toContain('hunter2');
    expect(response.text).not.toContain('.ts');
    expect(response.text).not.toMatch(/at \w+/);
    expect(response.body.requestId).toBe(response.headers.get('x-request-id'));
    expect(product.logs.some((line) => line.includes('hunter2') && line.includes(String(response.body.requestId)))).toBe(true);
  });

  it('answers JSON 404 for unknown routes and 405 with Allow for wrong methods', async () => {
    const unknown = await product.client().get('/api/no/such/thing');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json');
    expect(unknown.body.detail).toContain('/api/no/such/thing');
    const wrongMethod = await product.client().request('DELETE', '/api/health');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    expect(wrongMethod.headers.get('content-type')).toBe('application/problem+json');
  });

  it('publishes an OpenAPI 3.1 document generated from the declarations', async () => {
    const response = await product
      .client()
      .get<{ openapi: string; paths: Record<string, Record<string, { operationId: string; requestBody?: unknown }>> }>('/api/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
    expect(response.body.paths['/api/test/echo/{itemId}']?.post?.operationId).toBe('testEcho');
    expect(response.body.paths['/api/test/echo/{itemId}']?.post?.requestBody).toBeDefined();
    expect(response.body.paths['/api/auth/login']?.post?.operationId).toBe('authLogin');
    expect(response.body.paths['/api/users/{username}/labs/{labId}']?.put?.operationId).toBe('usersSetLabAccess');
    expect(Object.keys(response.body.paths).some((path) => path.includes('{*'))).toBe(false);
  });
});
