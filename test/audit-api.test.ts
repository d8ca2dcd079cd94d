import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { container } from '../shared/data/cosmos.js';
import type { RecordDocument } from '../shared/data/records-repository.js';
import type { AuditEntry } from '../shared/domain/audit-chain.js';
import type { AuditView, Verification } from '../shared/audit/audit-trail.js';
import type { ApiClient } from './helpers/api-client.js';
import { startTestProduct, type TestProduct } from './helpers/test-product.js';

let product: TestProduct;
let admin: ApiClient;

beforeAll(async () => {
  product = await startTestProduct();
  admin = await product.signedIn('admin');
});
afterAll(async () => product.cleanup());

async function verify(labId = 'LAB01'): Promise<Verification> {
  const response = await admin.get<Verification>(`/api/audit/verify?labId=${labId}`);
  expect(response.status).toBe(200);
  return response.body;
}

/** Changes a stored document behind the product's back, runs `check`, and puts the original back. */
async function tampered<T extends { id: string }>(containerName: 'records' | 'equipment' | 'users', partition: string, document: T, change: (copy: T) => void, check: () => Promise<void>) {
  const items = (await container(containerName)).items;
  const copy = structuredClone(document);
  change(copy);
  await items.upsert(copy);
  try {
    await check();
  } finally {
    await items.upsert(document);
  }
  expect((await verify(partition)).intact).toBe(true);
}

describe('audit trail', () => {
  it('pages through a lab’s trail newest first, without gaps or repeats, across every container', async () => {
    const all: AuditView[] = [];
    let token: string | null = null;
    do {
      const page: { status: number; body: { items: AuditView[]; continuationToken: string | null } } = await admin.get(
        `/api/audit?labId=LAB01&pageSize=7${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(7);
      all.push(...page.body.items);
      token = page.body.continuationToken;
    } while (token);
    const keys = all.map((entry) => `${entry.source}|${entry.partition}|${entry.seq}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(all.map((entry) => entry.at)).toEqual([...all.map((entry) => entry.at)].sort().reverse());
    expect(new Set(all.map((entry) => entry.source))).toEqual(new Set(['labs', 'equipment', 'records', 'users']));
    expect(all.every((entry) => entry.labIds.includes('LAB01'))).toBe(true);
    const big = await admin.get<{ items: AuditView[] }>('/api/audit?labId=LAB01&pageSize=500');
    expect(big.body.items).toHaveLength(all.length);
  });

  it('filters by entity and time, and scopes managers and local auditors to their labs', async () => {
    const registered = await admin.get<{ items: AuditView[] }>('/api/audit?labId=LAB01&entityType=equipment&entityId=F3B-01-001');
    expect(registered.body.items.map((entry) => entry.action)).toEqual(['equipment.registered']);
    const none = await admin.get<{ items: AuditView[] }>('/api/audit?labId=LAB01&to=2000-01-01');
    expect(none.body.items).toEqual([]);
    const manager = await product.signedIn('manager1');
    expect((await manager.get('/api/audit?labId=LAB03')).status).toBe(403);
    const managerAll = await manager.get<{ items: AuditView[] }>('/api/audit?pageSize=500');
    expect(managerAll.body.items.every((entry) => entry.labIds.some((labId) => labId === 'LAB01' || labId === 'LAB02'))).toBe(true);
    expect(managerAll.body.items.some((entry) => entry.source === 'models')).toBe(false);
    const local = await product.signedIn('localaudit1');
    expect((await local.get('/api/audit?labId=LAB01')).status).toBe(200);
    expect((await local.get('/api/audit/verify?labId=LAB02')).status).toBe(403);
    const tech = await product.signedIn('tech1');
    expect((await tech.get('/api/audit?labId=LAB01')).status).toBe(403);
    expect((await admin.get('/api/audit?continuationToken=nonsense')).status).toBe(400);
    expect((await admin.get('/api/audit?from=yesterday')).status).toBe(400);
  });

  it('verifies an untouched lab as intact', async () => {
    const result = await verify();
    expect(result.intact).toBe(true);
    expect(result.firstBroken).toBeNull();
    expect(result.recordsChecked).toBeGreaterThan(0);
    expect(result.chains.map((chain) => chain.source)).toEqual(expect.arrayContaining(['labs', 'equipment', 'records', 'users']));
  });

  it('names a changed audit entry, a changed record, a changed signature and a removed entry', async () => {
    const records = await container('records');
    const { resources: entries } = await records.items
      .query<AuditEntry & { labId: string }>({ query: "SELECT * FROM c WHERE c.type = 'audit' ORDER BY c.seq" }, { partitionKey: 'LAB01' })
      .fetchAll();
    const entry = entries[0]!;
    await tampered('records', 'LAB01', entry, (copy) => (copy.reason = 'rewritten afterwards'), async () => {
      expect((await verify()).firstBroken).toEqual({ source: 'records', partition: 'LAB01', seq: entry.seq, reason: 'content does not match its hash' });
    });

    const { resources: completed } = await records.items
      .query<RecordDocument>({ query: "SELECT * FROM c WHERE c.type = 'record' AND c.status = 'Completed'" }, { partitionKey: 'LAB01' })
      .fetchAll();
    const record = completed[0]!;
    await tampered('records', 'LAB01', record, (copy) => (copy.responses[0]!.note = 'added later'), async () => {
      expect((await verify()).firstBroken).toMatchObject({ source: 'records', recordNumber: record.recordNumber, reason: expect.stringContaining('changed outside the product') });
    });
    await tampered('records', 'LAB01', record, (copy) => (copy.signature!.displayName = 'Someone Else'), async () => {
      expect((await verify()).firstBroken).toMatchObject({ recordNumber: record.recordNumber });
    });

    const last = entries.at(-1)!;
    await records.item(last.id, 'LAB01').delete();
    try {
      expect((await verify()).firstBroken).toMatchObject({ source: 'records', partition: 'LAB01', seq: last.seq, reason: expect.stringContaining('entries are missing') });
    } finally {
      await records.items.create(last);
    }
  });
});
