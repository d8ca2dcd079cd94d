import { HttpRequest, InvocationContext } from '@azure/functions';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredHttpFunctions } from '../shared/platform/registry.js';
import type { PmRecord } from '../shared/schemas/records.js';
import { ApiClient } from './helpers/api-client.js';
import { demoPassword, startTestProduct, type TestProduct } from './helpers/test-product.js';

/** What an attacker tries against sessions, labs, paths and the HTTP layer itself. */
const cookieName = 'ems_probe_session';
let product: TestProduct;

beforeAll(async () => {
  product = await startTestProduct({ SESSION_COOKIE_NAME: cookieName });
});
afterAll(async () => product.cleanup());

/** Sends bytes exactly as given, without a client's normalising, and returns the status line's code. */
function rawRequest(lines: string): Promise<{ status: number; text: string }> {
  const { port } = new URL(product.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(lines));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('end', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text }));
    socket.on('error', reject);
  });
}

describe('sessions', () => {
  it("does not sign out without the session's CSRF token, nor with another user's", async () => {
    const tech = await product.signedIn('tech1');
    const other = await product.signedIn('tech2');
    expect((await tech.post('/api/auth/logout', {}, { csrf: false })).status).toBe(403);
    expect((await tech.post('/api/auth/logout', {}, { csrf: other.csrfToken! })).status).toBe(403);
    expect((await tech.get('/api/auth/me')).status).toBe(200);
    expect((await tech.post('/api/auth/logout', {})).status).toBe(200);
    expect((await tech.get('/api/auth/me')).status).toBe(401);
  });

  it('never reuses a cookie set before sign-in (session fixation)', async () => {
    const attacker = await product.signedIn('tech2');
    const planted = attacker.cookies.get(cookieName)!;
    const victim = product.client();
    victim.cookies.set(cookieName, planted);
    await victim.login('tech1', demoPassword);
    expect(victim.cookies.get(cookieName)).not.toBe(planted);
    // The planted cookie is still the attacker's own session, never the victim's.
    const me = await attacker.get<{ user: { username: string } }>('/api/auth/me');
    expect(me.body.user.username).toBe('tech2');
    const forged = product.client();
    forged.cookies.set(cookieName, 'chosen-by-the-attacker');
    expect((await forged.get('/api/auth/me')).status).toBe(401);
  });

  it('refuses a cookie and CSRF token replayed after sign-out', async () => {
    const tech = await product.signedIn('tech1');
    const replay = product.client();
    replay.cookies.set(cookieName, tech.cookies.get(cookieName)!);
    replay.csrfToken = tech.csrfToken;
    expect((await tech.post('/api/auth/logout', {})).status).toBe(200);
    expect((await replay.get('/api/auth/me')).status).toBe(401);
    expect((await replay.post('/api/auth/password', { currentPassword: 'x', newPassword: 'a new pass phrase here' })).status).toBe(401);
  });

  it("refuses one user's cookie with another user's CSRF token", async () => {
    const admin = await product.signedIn('admin');
    const manager = await product.signedIn('manager1');
    const body = { labId: 'PROBE1', name: 'Probe lab', timeZone: 'UTC' };
    expect((await admin.post('/api/labs', body, { csrf: manager.csrfToken! })).status).toBe(403);
    const { body: labs } = await admin.get<{ items: { labId: string }[] }>('/api/labs');
    expect(labs.items.map((lab) => lab.labId)).not.toContain('PROBE1');
  });
});

describe('labs', () => {
  it('does not let a technician act in a lab that is not theirs, whatever the path or body says', async () => {
    const tech = await product.signedIn('tech1');
    const admin = await product.signedIn('admin');
    const { body: lab02 } = await admin.get<{ items: PmRecord[] }>('/api/labs/LAB02/records?status=Open&pageSize=1');
    const record = lab02.items[0]!;
    const completion = { responses: record.tasks.map((task) => ({ taskId: task.taskId, done: true })), signature: { password: 'x', meaning: 'Performed by' } };
    expect((await tech.post(`/api/labs/LAB02/records/${record.recordNumber}/complete`, completion)).status).toBe(403);
    // The record number of LAB02 under LAB01's path names nothing in LAB01.
    expect((await tech.post(`/api/labs/LAB01/records/${record.recordNumber}/complete`, completion)).status).toBe(404);
    expect((await tech.get('/api/labs/LAB02/records')).status).toBe(403);
    // A lab in the body never moves the request to another lab.
    const manager = await product.signedIn('manager1');
    const registered = await manager.post('/api/labs/LAB01/equipment', { serialNumber: 'PROBE-1', modelId: 'DWX-52DCi', status: 'In Service', labId: 'LAB02' });
    expect(registered.status).toBe(400);
    expect((await admin.get('/api/labs/LAB02/equipment/PROBE-1')).status).toBe(404);
    expect((await admin.get('/api/labs/LAB01/equipment/PROBE-1')).status).toBe(404);
  });

  it("answers 404 to traversal and encoded slashes in paths, never another lab's data", async () => {
    const tech = await product.signedIn('tech1');
    for (const path of ['/api/labs/LAB01%2F..%2FLAB02/records', '/api/labs/LAB01%2FLAB02/records', '/api/labs/LAB02%00/records']) {
      const response = await tech.get(path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type'), path).toBe('application/problem+json');
    }
    // Dot segments, encoded or not, resolve as every URL parser resolves them: here to the users
    // list, which a technician is refused like any other route that is not theirs.
    expect((await tech.get('/api/labs/%2e%2e/users')).status).toBe(403);
    const cookie = `${cookieName}=${tech.cookies.get(cookieName)!}`;
    const traversal = await rawRequest(`GET /api/labs/LAB01/../LAB02/records HTTP/1.1\r\nHost: localhost\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`);
    expect([403, 404]).toContain(traversal.status);
    expect(traversal.text).not.toContain('"LAB02');
  });
});

describe('the HTTP layer', () => {
  it('refuses a body declared larger than 1 MiB with 413 before reading it', async () => {
    const declaration = registeredHttpFunctions().find(({ declaration: declared }) => declared.name === 'authLogin')!;
    const request = new HttpRequest({
      method: 'POST',
      url: `${product.url}/api/auth/login`,
      headers: { 'content-type': 'application/json', 'content-length': String(5 * 1024 * 1024), origin: product.url },
      body: { string: '{}' },
    });
    const response = await declaration.handler(request, new InvocationContext({ invocationId: 'oversized', functionName: 'authLogin' }));
    expect(response.status).toBe(413);
    expect(JSON.parse(String(response.body)).detail).toBe('The request body is larger than 1 MiB.');
    const sent = await new ApiClient(product.url).post('/api/auth/login', undefined, { rawBody: `{"username":"${'a'.repeat(2 * 1024 * 1024)}"}` });
    expect(sent.status).toBe(413);
  });

  it('refuses headers too large to be honest with 431', async () => {
    const huge = await rawRequest(`GET /api/health HTTP/1.1\r\nHost: localhost\r\nCookie: ${'x'.repeat(100_000)}\r\nConnection: close\r\n\r\n`);
    expect(huge.status).toBe(431);
  });

  it('cuts off a client that never finishes sending its headers', async () => {
    const { port } = new URL(product.url);
    const closed = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('GET /api/health HTTP/1.1\r\nHost: localhost\r\n'));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString('latin1')));
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
    });
    expect(closed).toMatch(/^(HTTP\/1\.1 408|$)/);
  }, 60_000);
});
