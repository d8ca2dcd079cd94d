import { SignJWT, base64url } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { container } from '../shared/data/cosmos.js';
import type { SessionDocument } from '../shared/data/sessions-repository.js';
import type { ApiClient } from './helpers/api-client.js';
import { newUserBody } from './helpers/fixtures.js';
import { demoPassword, startTestProduct, type TestProduct } from './helpers/test-product.js';

let product: TestProduct;

beforeAll(async () => {
  product = await startTestProduct({ SESSION_COOKIE_NAME: 'ems_test_session' });
});
afterAll(async () => product.cleanup());

function sessionToken(client: ApiClient): string {
  return client.cookies.get('ems_test_session')!;
}

function withToken(token: string): ApiClient {
  const client = product.client();
  client.cookies.set('ems_test_session', token);
  return client;
}

async function sessionOf(client: ApiClient): Promise<SessionDocument> {
  const [, payload] = sessionToken(client).split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as { sid: string; sub: string };
  const { resource } = await (await container('users')).item(claims.sid, claims.sub).read<SessionDocument>();
  return resource!;
}

async function rewriteSession(client: ApiClient, change: Partial<SessionDocument>): Promise<void> {
  const session = await sessionOf(client);
  await (await container('users')).items.upsert({ ...session, ...change });
}

describe('session cookie', () => {
  it('is HttpOnly and SameSite, with no Domain, and Secure only away from plain-http localhost', async () => {
    const login = await product.client().post('/api/auth/login', { username: 'tech1', password: demoPassword });
    expect(login.status).toBe(200);
    const cookie = login.setCookies.find((line) => line.startsWith('ems_test_session='))!;
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).not.toMatch(/Domain=/i);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/; Secure/);

    const proxied = await product.client().post(
      '/api/auth/login',
      { username: 'tech1', password: demoPassword },
      {
        headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'pm.example.com' },
        origin: 'https://pm.example.com',
      },
    );
    expect(proxied.status).toBe(200);
    for (const line of proxied.setCookies) {
      expect(line).toMatch(/; Secure/);
      expect(line).toMatch(/; HttpOnly/);
      expect(line).not.toMatch(/Domain=/i);
    }
  });

  it('answers sign-in and /me with the user, every visible lab with its role, and a CSRF token', async () => {
    const manager = await product.signedIn('manager1');
    const me = await manager.get<{ user: Record<string, unknown>; labs: { labId: string; role: string }[]; csrfToken: string }>('/api/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.user).toEqual({ username: 'manager1', displayName: 'Maria Manager', primaryLabId: 'LAB01', mustChangePassword: false, authMethod: 'local' });
    expect(me.body.labs.map((lab) => `${lab.labId}:${lab.role}`)).toEqual(['LAB01:Manager', 'LAB02:Manager']);
    expect(me.body.csrfToken).toHaveLength(43);
    const admin = await product.signedIn('admin');
    const adminLabs = (await admin.get<{ labs: { role: string }[] }>('/api/auth/me')).body.labs;
    expect(adminLabs).toHaveLength(10);
    expect(new Set(adminLabs.map((lab) => lab.role))).toEqual(new Set(['Administrator']));
  });
});

describe('CSRF', () => {
  it('refuses a signed-in state-changing request without the token, with a wrong one, or from another origin', async () => {
    const admin = await product.signedIn('admin');
    const body = { labId: 'CSRF1', name: 'Csrf lab' };
    expect((await admin.post('/api/labs', body, { csrf: false })).status).toBe(403);
    expect((await admin.post('/api/labs', body, { csrf: 'not-the-token' })).status).toBe(403);
    expect((await admin.post('/api/labs', body, { origin: 'https://attacker.example' })).status).toBe(403);
    expect((await admin.post('/api/labs', body)).status).toBe(201);
  });
});

describe('revocation on the very next request', () => {
  it('refuses the old cookie after logout', async () => {
    const tech = await product.signedIn('tech2');
    const token = sessionToken(tech);
    const logout = await tech.post<{ logoutUrl: string | null }>('/api/auth/logout');
    expect(logout.status).toBe(200);
    expect(logout.body.logoutUrl).toBeNull();
    expect(logout.setCookies[0]).toMatch(/Max-Age=0/);
    expect((await withToken(token).get('/api/auth/me')).status).toBe(401);
  });

  it('refuses the sessions of a user who is disabled', async () => {
    const admin = await product.signedIn('admin');
    const created = await admin.post(
      '/api/users',
      newUserBody('leaver', { primaryLabId: 'LAB03', password: 'first temporary pass 42', requirePasswordChange: false }),
    );
    expect(created.status).toBe(201);
    const leaver = await product.signedIn('leaver', 'first temporary pass 42');
    expect((await leaver.get('/api/auth/me')).status).toBe(200);
    expect((await admin.patch('/api/users/leaver', { status: 'Disabled' })).status).toBe(200);
    expect((await leaver.get('/api/auth/me')).status).toBe(401);
    const again = await product.client().post('/api/auth/login', { username: 'leaver', password: 'first temporary pass 42' });
    expect(again.status).toBe(403);
    expect(again.body.detail).toContain('disabled');
  });

  it('applies a role change on the next request', async () => {
    const admin = await product.signedIn('admin');
    const tech = await product.signedIn('tech2');
    expect((await tech.get('/api/users')).status).toBe(403);
    expect((await admin.put('/api/users/tech2/labs/LAB02', { role: 'Local Audit' })).status).toBe(200);
    expect((await tech.get('/api/users')).status).toBe(200);
    expect((await admin.put('/api/users/tech2/labs/LAB02', { role: 'Technician' })).status).toBe(200);
    expect((await tech.get('/api/users')).status).toBe(403);
  });
});

describe('expiry', () => {
  it('ends a session idle for longer than the idle timeout', async () => {
    const tech = await product.signedIn('tech1');
    await rewriteSession(tech, { lastSeenAt: new Date(Date.now() - 16 * 60_000).toISOString() });
    expect((await tech.get('/api/auth/me')).status).toBe(401);
  });

  it('keeps a session alive while it is used within the idle timeout', async () => {
    const tech = await product.signedIn('tech1');
    await rewriteSession(tech, { lastSeenAt: new Date(Date.now() - 14 * 60_000).toISOString() });
    expect((await tech.get('/api/auth/me')).status).toBe(200);
    expect(Date.now() - Date.parse((await sessionOf(tech)).lastSeenAt)).toBeLessThan(60_000);
  });

  it('ends a session at its absolute lifetime however active it is', async () => {
    const tech = await product.signedIn('tech1');
    await rewriteSession(tech, { expiresAt: new Date(Date.now() - 1000).toISOString() });
    expect((await tech.get('/api/auth/me')).status).toBe(401);
  });
});

describe('forged and damaged tokens', () => {
  async function claimsOf(token: string) {
    return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
  }

  it('accepts the genuine token', async () => {
    const tech = await product.signedIn('tech1');
    expect((await withToken(sessionToken(tech)).get('/api/auth/me')).status).toBe(200);
  });

  it('refuses alg none', async () => {
    const tech = await product.signedIn('tech1');
    const claims = await claimsOf(sessionToken(tech));
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    const unsigned = `${header}.${base64url.encode(JSON.stringify(claims))}.`;
    expect((await withToken(unsigned).get('/api/auth/me')).status).toBe(401);
  });

  it('refuses a wrong audience and an expiry one second past, even when signed with the real key', async () => {
    const tech = await product.signedIn('tech1');
    const claims = await claimsOf(sessionToken(tech));
    const key = new TextEncoder().encode(process.env.SESSION_SIGNING_KEY!);
    const sign = (overrides: Record<string, unknown>, audience: string, expires: number) =>
      new SignJWT({ sid: claims.sid, ...overrides })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('equipmansys')
        .setAudience(audience)
        .setSubject(String(claims.sub))
        .setIssuedAt()
        .setExpirationTime(expires)
        .sign(key);
    const now = Math.floor(Date.now() / 1000);
    expect((await withToken(await sign({}, 'equipmansys-api', now + 600)).get('/api/auth/me')).status).toBe(200);
    expect((await withToken(await sign({}, 'another-app', now + 600)).get('/api/auth/me')).status).toBe(401);
    expect((await withToken(await sign({}, 'equipmansys-api', now - 1)).get('/api/auth/me')).status).toBe(401);
  });

  it('refuses a token with one byte changed anywhere', async () => {
    const tech = await product.signedIn('tech1');
    const token = sessionToken(tech);
    for (const position of [5, Math.floor(token.length / 2), token.length - 3]) {
      const replacement = token[position] === 'A' ? 'B' : 'A';
      const changed = token.slice(0, position) + replacement + token.slice(position + 1);
      expect((await withToken(changed).get('/api/auth/me')).status).toBe(401);
    }
  });
});
