import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OAuth2Server } from 'oauth2-mock-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiClient, type ApiResponse } from './helpers/api-client.js';
import { spawnProduct, type SpawnedProduct } from './helpers/spawned-product.js';

/**
 * Microsoft sign-in against a local OpenID Connect provider over HTTPS (msal refuses plain http),
 * with a certificate made here and trusted by the product through NODE_EXTRA_CA_CERTS.
 */
let workDir: string;
let certificate: string;
let provider: OAuth2Server;
let product: SpawnedProduct;
let claimsForNextToken: Record<string, unknown> = {};

const groupMap = {
  'grp-lab01-tech': { role: 'Technician', labId: 'LAB01' },
  'grp-lab02-manager': { role: 'Manager', labId: 'LAB02' },
  'grp-auditors': { role: 'Global Audit' },
};

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'ems-entra-'));
  const keyFile = join(workDir, 'key.pem');
  const certFile = join(workDir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  certificate = await readFile(certFile, 'utf8');
  provider = new OAuth2Server(keyFile, certFile);
  await provider.issuer.keys.generate('RS256');
  await provider.start(0, '127.0.0.1');
  provider.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }) => {
    Object.assign(token.payload, claimsForNextToken);
  });
  product = await spawnProduct({
    LOCAL_DATA_DIR: join(workDir, 'data'),
    DEMO_PASSWORD: 'Entra-Test-Demo-Password-1',
    ENTRA_AUTHORITY: provider.issuer.url!,
    ENTRA_CLIENT_ID: 'equipmansys-test-client',
    ENTRA_CLIENT_SECRET: 'test-client-secret',
    ENTRA_GROUP_MAP: JSON.stringify(groupMap),
    NODE_EXTRA_CA_CERTS: certFile,
  });
});

afterAll(async () => {
  product?.process.kill('SIGINT');
  await product?.exited;
  await provider?.stop();
  await rm(workDir, { recursive: true, force: true });
});

beforeEach(() => {
  claimsForNextToken = {
    oid: '00000000-0000-0000-0000-00000000a001',
    tid: '00000000-0000-0000-0000-0000000000t1',
    preferred_username: 'Jane.Doe@Contoso.example',
    name: 'Jane Doe',
    groups: ['grp-lab01-tech', 'grp-lab02-manager', 'grp-unrelated'],
  };
});

/** The provider's answer to the browser: where it redirects next. */
function followProvider(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const call = httpsRequest(url, { ca: certificate }, (response) => {
      response.resume();
      resolve(response.headers.location ?? '');
    });
    call.on('error', reject);
    call.end();
  });
}

interface Flow {
  client: ApiClient;
  callback: URL;
}

async function startFlow(): Promise<Flow> {
  const client = new ApiClient(product.url);
  const login = await client.get('/api/auth/microsoft/login');
  expect(login.status).toBe(302);
  const authorize = new URL(login.headers.get('location')!);
  expect(authorize.origin).toBe(new URL(provider.issuer.url!).origin);
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  expect(authorize.searchParams.get('state')).toBeTruthy();
  expect(authorize.searchParams.get('nonce')).toBeTruthy();
  expect(authorize.searchParams.get('redirect_uri')).toBe(`${product.url}/api/auth/microsoft/callback`);
  const flowCookie = login.setCookies.find((line) => line.includes('_signin='))!;
  expect(flowCookie).toMatch(/HttpOnly/);
  expect(flowCookie).toMatch(/SameSite=Lax/);
  return { client, callback: new URL(await followProvider(authorize.toString())) };
}

async function finish(flow: Flow, callback = flow.callback) {
  return flow.client.get(`${callback.pathname}${callback.search}`);
}

function sessionCookieSet(response: { setCookies: string[] }): boolean {
  return response.setCookies.some((line) => line.startsWith('ems_session=') && !/Max-Age=0/.test(line));
}

/** A refused sign-in: back to the app with the reason in words, and no session. */
function expectRefused(response: ApiResponse, reason: string): void {
  expect(response.status).toBe(302);
  expect(decodeURIComponent(response.headers.get('location')!)).toContain(reason);
  expect(sessionCookieSet(response)).toBe(false);
}

describe('Microsoft sign-in', () => {
  it('is offered on the sign-in page when it is configured', async () => {
    expect((await new ApiClient(product.url).get('/api/auth/methods')).body).toEqual({ local: true, microsoft: true, setupNeeded: false });
  });

  it('signs a user in with PKCE, provisions them and maps every group to lab access', async () => {
    const flow = await startFlow();
    const done = await finish(flow);
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/');
    expect(sessionCookieSet(done)).toBe(true);
    const me = await flow.client.get<{ user: Record<string, unknown>; labs: { labId: string; role: string }[] }>('/api/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ username: 'jane.doe@contoso.example', displayName: 'Jane Doe', authMethod: 'microsoft', mustChangePassword: false });
    expect(me.body.labs.map((lab) => `${lab.labId}:${lab.role}`)).toEqual(['LAB01:Technician', 'LAB02:Manager']);
  });

  it('follows group changes at the next sign-in', async () => {
    claimsForNextToken.groups = ['grp-auditors'];
    const flow = await startFlow();
    expect(sessionCookieSet(await finish(flow))).toBe(true);
    const me = await flow.client.get<{ labs: { role: string }[] }>('/api/auth/me');
    expect(new Set(me.body.labs.map((lab) => lab.role))).toEqual(new Set(['Global Audit']));
  });

  it('refuses a callback whose state does not match, without a session', async () => {
    const flow = await startFlow();
    const forged = new URL(flow.callback);
    forged.searchParams.set('state', 'forged-state');
    const response = await finish(flow, forged);
    expectRefused(response, 'expired or was started in another browser');
  });

  it('refuses an ID token with the wrong nonce', async () => {
    claimsForNextToken.nonce = 'not-the-nonce-we-sent';
    const flow = await startFlow();
    const response = await finish(flow);
    expectRefused(response, 'nonce_mismatch');
    expect((await flow.client.get('/api/auth/me')).status).toBe(401);
  });

  it('refuses a replayed authorization response', async () => {
    const flow = await startFlow();
    const cookiesBefore = new Map(flow.client.cookies);
    expect(sessionCookieSet(await finish(flow))).toBe(true);
    const attacker = new ApiClient(product.url);
    cookiesBefore.forEach((value, name) => attacker.cookies.set(name, value));
    const replay = await attacker.get(`${flow.callback.pathname}${flow.callback.search}`);
    expectRefused(replay, 'already used');
  });

  it('tells a user in no mapped group that they have no access, and starts no session', async () => {
    claimsForNextToken.groups = ['grp-unrelated'];
    claimsForNextToken.oid = '00000000-0000-0000-0000-00000000b002';
    claimsForNextToken.preferred_username = 'outsider@contoso.example';
    const flow = await startFlow();
    const response = await finish(flow);
    expectRefused(response, 'not in any group that gives access');
    const admin = new ApiClient(product.url);
    await admin.login('admin', 'Entra-Test-Demo-Password-1');
    expect((await admin.get('/api/users/outsider@contoso.example')).status).toBe(404);
  });

  it('ends the Microsoft session too at sign-out', async () => {
    const flow = await startFlow();
    await finish(flow);
    // As the web app does after the redirect: the CSRF token comes from /api/auth/me.
    expect((await flow.client.post('/api/auth/logout')).status).toBe(403);
    flow.client.csrfToken = (await flow.client.get<{ csrfToken: string }>('/api/auth/me')).body.csrfToken;
    const logout = await flow.client.post<{ logoutUrl: string }>('/api/auth/logout');
    expect(logout.status).toBe(200);
    const url = new URL(logout.body.logoutUrl);
    expect(url.origin).toBe(new URL(provider.issuer.url!).origin);
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe(`${product.url}/`);
    expect((await flow.client.get('/api/auth/me')).status).toBe(401);
  });

  it('refuses a Microsoft account whose name belongs to a local account', async () => {
    claimsForNextToken.preferred_username = 'tech1';
    claimsForNextToken.oid = '00000000-0000-0000-0000-00000000c003';
    const flow = await startFlow();
    const response = await finish(flow);
    expectRefused(response, 'belongs to another account');
  });
});

describe('Microsoft users signing records', () => {
  async function signedInTechnician(): Promise<ApiClient> {
    const flow = await startFlow();
    expect(sessionCookieSet(await finish(flow))).toBe(true);
    // A redirect carries no CSRF token: the app reads it from /api/auth/me, as here.
    expect((await flow.client.get('/api/auth/me')).status).toBe(200);
    return flow.client;
  }

  async function freshSignIn(client: ApiClient, authTime: number): Promise<ApiResponse> {
    const login = await client.get('/api/auth/microsoft/login?purpose=signature');
    expect(login.status).toBe(302);
    const authorize = new URL(login.headers.get('location')!);
    expect(authorize.searchParams.get('prompt')).toBe('login');
    claimsForNextToken.auth_time = authTime;
    const callback = new URL(await followProvider(authorize.toString()));
    return client.get(`${callback.pathname}${callback.search}`);
  }

  async function openRecord(client: ApiClient) {
    const { body } = await client.get<{ items: { recordNumber: string; tasks: { taskId: string; kind: string; min?: number }[] }[] }>(
      '/api/labs/LAB01/records?status=Open&frequency=Daily',
    );
    return body.items;
  }

  const answers = (record: { tasks: { taskId: string; kind: string; min?: number }[] }) =>
    record.tasks.map((task) => ({ taskId: task.taskId, done: true, ...(task.kind === 'reading' ? { value: task.min ?? 1 } : {}) }));

  it('signs only after a fresh Microsoft sign-in of the same account within five minutes', async () => {
    const client = await signedInTechnician();
    const [first, second] = await openRecord(client);
    const url = (record: { recordNumber: string }) => `/api/labs/LAB01/records/${record.recordNumber}/complete`;
    const before = await client.post(url(first!), { responses: answers(first!), signature: { meaning: 'Performed by' } });
    expect(before.status).toBe(401);
    expect((before.body as { detail: string }).detail).toContain('fresh Microsoft sign-in');

    const stale = await freshSignIn(client, Math.floor(Date.now() / 1000) - 600);
    expect(decodeURIComponent(stale.headers.get('location')!)).toContain('did not ask for your credentials just now');
    expect((await client.post(url(first!), { responses: answers(first!), signature: { meaning: 'Performed by' } })).status).toBe(401);

    const fresh = await freshSignIn(client, Math.floor(Date.now() / 1000));
    expect(fresh.headers.get('location')).toBe('/?signature=ready');
    const signed = await client.post<{ signature: { method: string; username: string; meaning: string } }>(url(first!), {
      responses: answers(first!),
      signature: { meaning: 'Performed by' },
    });
    expect(signed.status, signed.text).toBe(200);
    expect(signed.body.signature).toMatchObject({ method: 'microsoft', username: 'jane.doe@contoso.example', meaning: 'Performed by' });
    expect((await client.post(url(second!), { responses: answers(second!), signature: { meaning: 'Performed by' } })).status).toBe(200);
  });

  it('refuses a fresh sign-in for signing without a Microsoft session, or as another account', async () => {
    expect((await new ApiClient(product.url).get('/api/auth/microsoft/login?purpose=signature')).status).toBe(401);
    const client = await signedInTechnician();
    claimsForNextToken.oid = '00000000-0000-0000-0000-00000000b002';
    const other = await freshSignIn(client, Math.floor(Date.now() / 1000));
    expect(decodeURIComponent(other.headers.get('location')!)).toContain('same Microsoft account');
  });
});

describe('the first Administrator named at setup', () => {
  it('is a Microsoft account that becomes Administrator at its first sign-in, in no mapped group', async () => {
    const demo = product;
    const empty = await spawnProduct({
      LOCAL_DATA_DIR: join(workDir, 'empty-installation'),
      SEED_DEMO_DATA: 'false',
      SETUP_TOKEN: 'microsoft-setup-token-1234',
      ENTRA_AUTHORITY: provider.issuer.url!,
      ENTRA_CLIENT_ID: 'equipmansys-test-client',
      ENTRA_CLIENT_SECRET: 'test-client-secret',
      ENTRA_GROUP_MAP: JSON.stringify(groupMap),
      NODE_EXTRA_CA_CERTS: join(workDir, 'cert.pem'),
    });
    product = empty;
    try {
      const setup = await new ApiClient(empty.url).post('/api/setup', {
        token: 'microsoft-setup-token-1234',
        lab: { labId: 'HQ', name: 'Headquarters', timeZone: 'Europe/Paris' },
        administrator: { microsoftUser: 'Ada.Admin@Contoso.example' },
      });
      expect(setup.status, setup.text).toBe(201);
      claimsForNextToken = { oid: '00000000-0000-0000-0000-00000000a0ad', preferred_username: 'Ada.Admin@Contoso.example', name: 'Ada Admin', groups: [] };
      const flow = await startFlow();
      const done = await finish(flow);
      expect(sessionCookieSet(done)).toBe(true);
      const me = await flow.client.get<{ user: { username: string }; labs: { labId: string; role: string }[] }>('/api/auth/me');
      expect(me.body.user.username).toBe('ada.admin@contoso.example');
      expect(me.body.labs).toEqual([expect.objectContaining({ labId: 'HQ', role: 'Administrator' })]);
      // Anyone else in no mapped group is still refused.
      claimsForNextToken = { oid: '00000000-0000-0000-0000-00000000a0b0', preferred_username: 'someone@contoso.example', name: 'Some One', groups: [] };
      expectRefused(await finish(await startFlow()), 'not in any group');
    } finally {
      product = demo;
      empty.process.kill('SIGINT');
      await empty.exited;
    }
  });
});
