import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeApiKey, readApiKey } from '../shared/data/api-keys-repository.js';
import { container } from '../shared/data/cosmos.js';
import type { ApiKey } from '../shared/schemas/api-keys.js';
import type { MachineFitness } from '../shared/schemas/machine-fitness.js';
import type { ApiClient } from './helpers/api-client.js';
import { startTestProduct, type TestProduct } from './helpers/test-product.js';

/** API keys for integrations (SPEC §14): made by administrators, shown once, hashed, counted, audited. */
let product: TestProduct;
let admin: ApiClient;
let lab02Serial: string;

type Created = ApiKey & { key: string };
const inAYear = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);

async function createKey(body: Partial<{ name: string; labIds: string[]; scopes: string[]; expiresOn: string }> = {}): Promise<Created> {
  const created = await admin.post<Created>('/api/api-keys', { name: 'LIMS', labIds: ['LAB01'], scopes: ['fitness:read'], expiresOn: inAYear, ...body });
  expect(created.status, created.text).toBe(201);
  return created.body;
}

const fitness = (serial: string, key?: string) =>
  product.client().get<MachineFitness & { detail?: string }>(`/api/machines/${serial}/fitness`, key === undefined ? {} : { headers: { 'X-Api-Key': key } });

async function auditOf(keyId: string): Promise<{ action: string; reason?: string; actor: { username: string } | null }[]> {
  const trail = await admin.get<{ items: { action: string; reason?: string; actor: { username: string } | null }[] }>(
    `/api/audit?entityId=${keyId}&pageSize=100`,
  );
  expect(trail.status, trail.text).toBe(200);
  return trail.body.items;
}

beforeAll(async () => {
  product = await startTestProduct();
  admin = await product.signedIn('admin');
  const machines = await admin.get<{ items: { serialNumber: string }[] }>('/api/labs/LAB02/equipment');
  lab02Serial = machines.body.items[0]!.serialNumber;
}, 60_000);
afterAll(async () => product.cleanup());

describe('API keys', () => {
  it('shows the secret once, stores only its hash, and lists the key without it', async () => {
    const created = await createKey({ name: 'Power BI', scopes: ['feed:read', 'fitness:read'] });
    expect(created.key).toMatch(/^ems_[a-f0-9]{16}_[A-Za-z0-9_-]{43}$/);
    const stored = (await readApiKey(created.keyId))!.document;
    const secret = created.key.split('_').slice(2).join('_');
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(stored.secretHash).toMatch(/^[a-f0-9]{64}$/);
    const listed = await admin.get<{ items: Record<string, unknown>[] }>('/api/api-keys');
    const row = listed.body.items.find((item) => item.keyId === created.keyId)!;
    expect(row).toMatchObject({ name: 'Power BI', labIds: ['LAB01'], scopes: ['feed:read', 'fitness:read'], revokedAt: null });
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect(row).not.toHaveProperty('key');
    expect((await auditOf(created.keyId)).map((entry) => entry.action)).toEqual(['api-key.created']);
  });

  it('is made by administrators only, for labs that exist and an expiry within two years', async () => {
    const manager = await product.signedIn('manager1');
    const refused = await manager.post('/api/api-keys', { name: 'Mine', labIds: ['LAB01'], scopes: ['feed:read'], expiresOn: inAYear });
    expect(refused.status).toBe(403);
    const noLab = await admin.post<{ detail: string }>('/api/api-keys', { name: 'X', labIds: ['LAB77'], scopes: ['feed:read'], expiresOn: inAYear });
    expect(noLab.status).toBe(400);
    expect(noLab.body.detail).toContain('there is no LAB77');
    const badScope = await admin.post<{ detail: string }>('/api/api-keys', { name: 'X', labIds: ['LAB01'], scopes: ['feed:write'], expiresOn: inAYear });
    expect(badScope.body.detail).toMatch(/Scopes? .*must be feed:read, fitness:read or meters:write/);
    const past = await admin.post<{ detail: string }>('/api/api-keys', { name: 'X', labIds: ['LAB01'], scopes: ['feed:read'], expiresOn: '2020-01-01' });
    expect(past.body.detail).toContain('Expires on must be today or later');
  });

  it('answers a machine of its lab, and a machine of another lab exactly as one that does not exist', async () => {
    const { key } = await createKey();
    const own = await fitness('PS2-01-011', key);
    expect(own.status, own.text).toBe(200);
    expect(own.body).toMatchObject({ serialNumber: 'PS2-01-011', labId: 'LAB01' });
    expect(['fit', 'due soon', 'not fit']).toContain(own.body.state);
    expect(own.body.calibrationDue).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(own.body.since).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(own.body.since! <= own.body.asOfLabDay).toBe(true);
    const other = await fitness(lab02Serial, key);
    const none = await fitness('NO-SUCH-MACHINE', key);
    expect(other.status).toBe(404);
    expect(none.status).toBe(404);
    const { requestId: _a, ...otherBody } = other.body as unknown as Record<string, unknown>;
    const { requestId: _b, ...noneBody } = none.body as unknown as Record<string, unknown>;
    expect(JSON.stringify(otherBody).replace(lab02Serial, 'X')).toBe(JSON.stringify(noneBody).replace('NO-SUCH-MACHINE', 'X'));
  });

  it('refuses no key, an unknown one, an expired one, a revoked one and one without the scope, each with a sentence', async () => {
    const noKey = await fitness('PS2-01-011');
    expect(noKey.status).toBe(401);
    expect(noKey.body.detail).toBe(
      'Send an API key allowing fitness:read in the X-Api-Key header, or a Microsoft Entra access token with the Fitness.Read role in X-Entra-Token.',
    );

    const unknown = await fitness('PS2-01-011', `ems_0123456789abcdef_${'A'.repeat(43)}`);
    expect(unknown.status).toBe(401);
    expect(unknown.body.detail).toContain('not one this installation issued');
    const mangled = await fitness('PS2-01-011', 'Bearer something');
    expect(mangled.status).toBe(401);

    const feedOnly = await createKey({ name: 'Feed only', scopes: ['feed:read'] });
    const noScope = await fitness('PS2-01-011', feedOnly.key);
    expect(noScope.status).toBe(403);
    expect(noScope.body.detail).toBe('The API key "Feed only" does not allow fitness:read; it allows feed:read.');

    const expiring = await createKey({ name: 'Old LIMS' });
    await changeApiKey(expiring.keyId, (key) => ({ key: { ...key, expiresOn: '2026-01-01' }, events: [] }));
    const expired = await fitness('PS2-01-011', expiring.key);
    expect(expired.status).toBe(401);
    expect(expired.body.detail).toBe('The API key "Old LIMS" expired on 2026-01-01; ask an administrator for a new one.');

    const revoking = await createKey({ name: 'Retired LIMS' });
    expect((await fitness('PS2-01-011', revoking.key)).status).toBe(200);
    const revoked = await admin.post<ApiKey>(`/api/api-keys/${revoking.keyId}/revoke`, { reason: 'The LIMS was replaced' });
    expect(revoked.status, revoked.text).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    const afterRevoke = await fitness('PS2-01-011', revoking.key);
    expect(afterRevoke.status).toBe(401);
    expect(afterRevoke.body.detail).toMatch(/^The API key "Retired LIMS" was revoked on \d{4}-\d{2}-\d{2}; ask an administrator for a new one\.$/);

    expect((await auditOf(feedOnly.keyId)).map((entry) => entry.action)).toEqual(['api-key.refused', 'api-key.created']);
    expect((await auditOf(revoking.keyId)).map((entry) => entry.action)).toEqual(['api-key.refused', 'api-key.revoked', 'api-key.used', 'api-key.created']);
  });

  it('counts every use per day and audits the first use of each day', async () => {
    const { key, keyId } = await createKey({ name: 'Counted' });
    const answers = await Promise.all(Array.from({ length: 6 }, () => fitness('PS2-01-011', key)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect((await fitness('PS2-01-011', key)).status).toBe(200);
    const listed = await admin.get<{ items: ApiKey[] }>('/api/api-keys');
    const row = listed.body.items.find((item) => item.keyId === keyId)!;
    const today = new Date().toISOString().slice(0, 10);
    expect(row.usesByDay).toEqual([{ day: today, uses: 7 }]);
    expect(row.lastUsedOn).toBe(today);
    const trail = await auditOf(keyId);
    expect(trail.map((entry) => entry.action)).toEqual(['api-key.used', 'api-key.created']);
    expect(trail[0]!.actor?.username).toBe(`api-key:${keyId}`);
  });

  it('URS-114 a lab’s auditor sees each use and refusal of a key that may read the lab, not the making or revoking of keys, nor another lab’s key', async () => {
    const ownLab = await createKey({ name: 'Lab 1 LIMS', labIds: ['LAB01', 'LAB02'] });
    const otherLab = await createKey({ name: 'Lab 2 LIMS', labIds: ['LAB02'] });
    expect((await fitness('PS2-01-011', ownLab.key)).status).toBe(200);
    expect((await fitness(lab02Serial, otherLab.key)).status).toBe(200);
    const feedOnly = await createKey({ name: 'Lab 1 report', scopes: ['feed:read'] });
    expect((await fitness('PS2-01-011', feedOnly.key)).status).toBe(403);
    await admin.post(`/api/api-keys/${feedOnly.keyId}/revoke`, { reason: 'Made for the wrong purpose' });

    const auditor = await product.signedIn('localaudit1');
    const trail = await auditor.get<{ items: { action: string; entityId: string }[] }>('/api/audit?entityType=api-key&pageSize=500');
    expect(trail.status, trail.text).toBe(200);
    const seen = (keyId: string) => trail.body.items.filter((entry) => entry.entityId === keyId).map((entry) => entry.action);
    expect(seen(ownLab.keyId)).toEqual(['api-key.used']);
    expect(seen(feedOnly.keyId)).toEqual(['api-key.refused']);
    expect(seen(otherLab.keyId)).toEqual([]);
    expect(trail.body.items.map((entry) => entry.action)).not.toContain('api-key.created');
    expect(trail.body.items.map((entry) => entry.action)).not.toContain('api-key.revoked');
    const company = await auditOf(feedOnly.keyId);
    expect(company.map((entry) => entry.action)).toEqual(['api-key.revoked', 'api-key.refused', 'api-key.created']);
  });

  it('keeps the uses and the chain in the key’s own partition', async () => {
    const { key, keyId } = await createKey({ name: 'Partitioned' });
    expect((await fitness('PS2-01-011', key)).status).toBe(200);
    const { resources } = await (
      await container('apiKeys')
    ).items
      .query<{ id: string; type: string }>('SELECT c.id, c.type FROM c', { partitionKey: keyId })
      .fetchAll();
    expect(resources.map((document) => document.type).sort()).toEqual(['api-key', 'api-key-uses', 'audit', 'audit']);
  });
});
