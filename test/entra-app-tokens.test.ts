import { generateKeyPair, SignJWT } from 'jose';
import { OAuth2Server } from 'oauth2-mock-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entraAppPartition, usesOf } from '../shared/data/api-keys-repository.js';
import type { MachineFitness } from '../shared/schemas/machine-fitness.js';
import type { ApiClient } from './helpers/api-client.js';
import { startTestProduct, type TestProduct } from './helpers/test-product.js';

/**
 * Microsoft Entra access tokens of app registrations (SPEC §14), checked against a local OpenID
 * provider's keys as the tenant's would be: a LIMS with the Fitness.Read app role, a report with
 * Feed.Read, and every way a token is refused.
 */
let provider: OAuth2Server;
let product: TestProduct;
let admin: ApiClient;
let lab02Serial: string;

const audience = 'api://equipmansys-test';
const lims = '11111111-1111-1111-1111-111111111111';
const reports = '22222222-2222-2222-2222-222222222222';
const stranger = '33333333-3333-3333-3333-333333333333';
const dashboard = '44444444-4444-4444-4444-444444444444';

async function token(claims: Record<string, unknown>): Promise<string> {
  return provider.issuer.buildToken({
    scopesOrTransform: (_header, payload) => {
      delete payload.scope;
      Object.assign(payload, { aud: audience, azp: lims, roles: ['Fitness.Read'], ...claims });
    },
  });
}

const fitness = (serial: string, accessToken?: string) =>
  product
    .client()
    .get<MachineFitness & { detail?: string }>(
      `/api/machines/${serial}/fitness`,
      accessToken === undefined ? {} : { headers: { 'X-Entra-Token': accessToken } },
    );

async function trailOf(appId: string): Promise<{ action: string; entityType: string; reason?: string; actor: { username: string } | null }[]> {
  const trail = await admin.get<{ items: { action: string; entityType: string; reason?: string; actor: { username: string } | null }[] }>(
    `/api/audit?entityId=${appId}&pageSize=100`,
  );
  expect(trail.status, trail.text).toBe(200);
  return trail.body.items;
}

beforeAll(async () => {
  provider = new OAuth2Server();
  await provider.issuer.keys.generate('RS256');
  await provider.start(0, '127.0.0.1');
  product = await startTestProduct({
    ENTRA_AUTHORITY: provider.issuer.url!,
    ENTRA_API_AUDIENCE: audience,
    ENTRA_APP_CALLERS: JSON.stringify({
      [lims]: { name: 'LIMS', labIds: ['LAB01'] },
      [reports]: { name: 'Reports', labIds: ['LAB01', 'LAB02'] },
      [dashboard]: { name: 'Dashboard', labIds: ['LAB01'] },
    }),
  });
  admin = await product.signedIn('admin');
  const machines = await admin.get<{ items: { serialNumber: string }[] }>('/api/labs/LAB02/equipment');
  lab02Serial = machines.body.items[0]!.serialNumber;
}, 60_000);

afterAll(async () => {
  await product?.cleanup();
  await provider?.stop();
});

describe('Microsoft Entra access tokens of app registrations', () => {
  it('URS-110 an app with the Fitness.Read role asks whether a machine of its lab is fit; another lab’s machine answers as one that does not exist', async () => {
    const accessToken = await token({});
    const own = await fitness('PS2-01-011', `Bearer ${accessToken}`);
    expect(own.status, own.text).toBe(200);
    expect(own.body).toMatchObject({ serialNumber: 'PS2-01-011', labId: 'LAB01' });
    const other = await fitness(lab02Serial, accessToken);
    expect(other.status).toBe(404);
  });

  it('URS-110 an app with the Feed.Read role reads the OData feed of the labs its setting gives it', async () => {
    const accessToken = await token({ azp: undefined, appid: reports, roles: ['Feed.Read'] });
    const labs = await product.client().get<{ value: { LabId: string }[] }>('/api/odata/Labs', { headers: { 'X-Entra-Token': accessToken } });
    expect(labs.status, labs.text).toBe(200);
    expect(labs.body.value.map((lab) => lab.LabId)).toEqual(['LAB01', 'LAB02']);
    const limsToken = await token({});
    const refused = await product.client().get<{ error: { message: string } }>('/api/odata/Labs', { headers: { 'X-Entra-Token': limsToken } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe('The Microsoft Entra app "LIMS" does not hold the app role Feed.Read, which feed:read needs.');
  });

  it('URS-111 refuses a token for another API, from another issuer, expired, signed by other keys, of a person, of an app given no labs, or without the role, each with a sentence', async () => {
    const refusals = [
      {
        claims: { aud: 'api://someone-else' },
        status: 401,
        detail: `The Microsoft Entra access token is meant for "api://someone-else", not this API; request it for ${audience}/.default.`,
      },
      {
        claims: { iss: 'https://elsewhere.example/' },
        status: 401,
        detail: 'The Microsoft Entra access token was issued by https://elsewhere.example/, not by the tenant this installation trusts.',
      },
      {
        claims: { exp: Math.floor(Date.now() / 1000) - 3600 },
        status: 401,
        detail: /^The Microsoft Entra access token expired at \d{4}-\d{2}-\d{2}T[\d:.]+Z; request a new one\.$/,
      },
      { claims: { scp: 'user_impersonation' }, status: 403, detail: /given to a person/ },
      {
        claims: { azp: stranger },
        status: 403,
        detail: `The Microsoft Entra app ${stranger} is given no labs here; an administrator adds it to ENTRA_APP_CALLERS.`,
      },
      {
        claims: { roles: ['Feed.Read'] },
        status: 403,
        detail: 'The Microsoft Entra app "LIMS" does not hold the app role Fitness.Read, which fitness:read needs.',
      },
      {
        claims: { roles: undefined },
        status: 403,
        detail: 'The Microsoft Entra app "LIMS" does not hold the app role Fitness.Read, which fitness:read needs.',
      },
    ];
    for (const { claims, status, detail } of refusals) {
      const answer = await fitness('PS2-01-011', await token(claims));
      expect(answer.status, JSON.stringify(claims)).toBe(status);
      if (typeof detail === 'string') expect(answer.body.detail).toBe(detail);
      else expect(answer.body.detail).toMatch(detail);
      expect(answer.body).not.toHaveProperty('state');
    }

    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ aud: audience, azp: lims, roles: ['Fitness.Read'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'forged' })
      .setIssuer(provider.issuer.url!)
      .setExpirationTime('5m')
      .sign(privateKey);
    const forgedAnswer = await fitness('PS2-01-011', forged);
    expect(forgedAnswer.status).toBe(401);
    expect(forgedAnswer.body.detail).toBe(
      'The Microsoft Entra access token could not be verified: it is not a token signed by the tenant this installation trusts.',
    );
    expect((await fitness('PS2-01-011', 'not-a-token')).status).toBe(401);
  });

  it('URS-112 audits an app’s first use of the day and each refusal of its genuine tokens in its own chain, and counts every use', async () => {
    const accessToken = await token({ azp: dashboard, roles: ['Fitness.Read', 'Feed.Read'] });
    const answers = await Promise.all(Array.from({ length: 4 }, () => fitness('PS2-01-011', accessToken)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    expect((await fitness('PS2-01-011', await token({ azp: dashboard, roles: [] }))).status).toBe(403);
    const trail = await trailOf(dashboard);
    expect(trail.map((entry) => entry.action)).toEqual(['entra-app.refused', 'entra-app.used']);
    expect(trail.every((entry) => entry.entityType === 'entra-app')).toBe(true);
    expect(trail[0]!.actor?.username).toBe(`entra-app:${dashboard}`);
    expect(trail[0]!.reason).toContain('does not hold the app role Fitness.Read');
    expect(trail[1]!.reason).toMatch(/^First use on \d{4}-\d{2}-\d{2} \(UTC\): GET \/api\/machines\/PS2-01-011\/fitness$/);
    const today = new Date().toISOString().slice(0, 10);
    expect((await usesOf(entraAppPartition(dashboard), today)).map(({ day, uses }) => ({ day, uses }))).toEqual([{ day: today, uses: 4 }]);
  });
});
