import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { container } from '../shared/data/cosmos.js';
import type { RecordDocument } from '../shared/data/records-repository.js';
import type { AuditEntry } from '../shared/domain/audit-chain.js';
import type { AuditView } from '../shared/audit/audit-trail.js';
import type { VerificationPage as Verification } from '../shared/schemas/audit-verification.js';
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

/** Every page of a verification of at most `pageSize` documents each, and the Cosmos requests of each page. */
async function verifyInPages(labId: string, pageSize: number): Promise<{ pages: Verification[]; requests: number[] }> {
  const pages: Verification[] = [];
  const requests: number[] = [];
  let token: string | null = null;
  do {
    const path: string = `/api/audit/verify?labId=${labId}&pageSize=${pageSize}${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`;
    const { result, counts } = await product.countCosmosRequests(() => admin.get<Verification>(path));
    expect(result.status).toBe(200);
    pages.push(result.body);
    requests.push(counts.total);
    token = result.body.continuationToken;
  } while (token);
  return { pages, requests };
}

/** The pages added up as the web app adds them: entries per chain, records checked, the last page's verdict. */
function addedUp(pages: readonly Verification[]) {
  const entries = new Map<string, number>();
  for (const chain of pages.flatMap((page) => page.chains))
    entries.set(`${chain.source}/${chain.partition}`, (entries.get(`${chain.source}/${chain.partition}`) ?? 0) + chain.entries);
  const last = pages.at(-1)!;
  return {
    intact: last.intact,
    firstBroken: last.firstBroken,
    recordsChecked: pages.reduce((sum, page) => sum + page.recordsChecked, 0),
    entries: Object.fromEntries([...entries].sort()),
  };
}

/** Changes a stored document behind the product's back, runs `check`, and puts the original back. */
async function tampered<T extends { id: string }>(
  containerName: 'records' | 'equipment' | 'users',
  partition: string,
  document: T,
  change: (copy: T) => void,
  check: () => Promise<void>,
) {
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
    await tampered(
      'records',
      'LAB01',
      entry,
      (copy) => (copy.reason = 'rewritten afterwards'),
      async () => {
        expect((await verify()).firstBroken).toEqual({ source: 'records', partition: 'LAB01', seq: entry.seq, reason: 'content does not match its hash' });
      },
    );

    const { resources: completed } = await records.items
      .query<RecordDocument>({ query: "SELECT * FROM c WHERE c.type = 'record' AND c.status = 'Completed'" }, { partitionKey: 'LAB01' })
      .fetchAll();
    const record = completed[0]!;
    await tampered(
      'records',
      'LAB01',
      record,
      (copy) => (copy.responses[0]!.note = 'added later'),
      async () => {
        expect((await verify()).firstBroken).toMatchObject({
          source: 'records',
          recordNumber: record.recordNumber,
          reason: expect.stringContaining('changed outside the product'),
        });
      },
    );
    await tampered(
      'records',
      'LAB01',
      record,
      (copy) => (copy.signature!.displayName = 'Someone Else'),
      async () => {
        expect((await verify()).firstBroken).toMatchObject({ recordNumber: record.recordNumber });
      },
    );

    const last = entries.at(-1)!;
    await records.item(last.id, 'LAB01').delete();
    try {
      expect((await verify()).firstBroken).toMatchObject({
        source: 'records',
        partition: 'LAB01',
        seq: last.seq,
        reason: expect.stringContaining('entries are missing'),
      });
    } finally {
      await records.items.create(last);
    }
  });

  it('verifies a lab in pages of bounded work that add up to the one-page answer', async () => {
    const whole = await verify();
    expect(whole.continuationToken).toBeNull();
    const { pages, requests } = await verifyInPages('LAB01', 7);
    expect(pages.length).toBeGreaterThan(3);
    // Until the last page the answer is not known: no page before it says intact.
    expect(pages.slice(0, -1).every((page) => page.intact === null && page.firstBroken === null && page.continuationToken !== null)).toBe(true);
    expect(addedUp(pages)).toEqual(addedUp([whole]));
    expect(new Set(pages.map((page) => page.verifiedAt)).size).toBe(1);
    for (const page of pages) {
      // A page reads at most 7 entries or records, plus each chain's head and the lab's accounts.
      expect(page.chains.reduce((sum, chain) => sum + chain.entries, 0) + page.recordsChecked).toBeLessThanOrEqual(7);
    }
    // The signed-in request itself, then per step a head and a slice, the accounts once, the batch lists once.
    expect(Math.max(...requests)).toBeLessThanOrEqual(2 + 2 * 7 + 3);
  });

  it('names a broken entry and a changed record that only a later page reaches', async () => {
    const records = await container('records');
    const { resources: entries } = await records.items
      .query<AuditEntry & { labId: string }>({ query: "SELECT * FROM c WHERE c.type = 'audit' ORDER BY c.seq" }, { partitionKey: 'LAB01' })
      .fetchAll();
    const late = entries.at(-2)!;
    await tampered(
      'records',
      'LAB01',
      late,
      (copy) => (copy.at = '2020-01-01T00:00:00.000Z'),
      async () => {
        const { pages } = await verifyInPages('LAB01', 3);
        expect(pages.length).toBeGreaterThan(2);
        expect(pages.at(-1)).toMatchObject({
          intact: false,
          continuationToken: null,
          firstBroken: { source: 'records', partition: 'LAB01', seq: late.seq, reason: 'content does not match its hash' },
        });
      },
    );

    const { resources: all } = await records.items
      .query<RecordDocument>({ query: "SELECT * FROM c WHERE c.type = 'record' ORDER BY c.recordNumber" }, { partitionKey: 'LAB01' })
      .fetchAll();
    const record = all.at(-1)!;
    await tampered(
      'records',
      'LAB01',
      record,
      (copy) => (copy.dueEnd = '2099-01-01T00:00:00.000Z'),
      async () => {
        const { pages } = await verifyInPages('LAB01', 50);
        expect(pages.length).toBeGreaterThan(2);
        expect(addedUp(pages)).toMatchObject({
          intact: false,
          recordsChecked: all.length,
          firstBroken: { source: 'records', recordNumber: record.recordNumber, reason: expect.stringContaining('changed outside the product') },
        });
      },
    );
  });

  it('refuses a garbled, forged or borrowed continuation token with a sentence, and writes nothing', async () => {
    const first = await admin.get<Verification>('/api/audit/verify?labId=LAB01&pageSize=3');
    const token = first.body.continuationToken!;
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { state: string };
    // A client that claims the walk is over, keeping the signature of the real token.
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, state: JSON.stringify({ verifiedAt: '2026-01-01T00:00:00.000Z', place: { step: 'done' } }) })).toString('base64url')}.${signature}`;
    for (const [labId, bad] of [
      ['LAB01', 'nonsense'],
      ['LAB01', forged],
      ['LAB01', `${token.slice(0, -4)}AAAA`],
      ['LAB02', token],
    ] as const) {
      const { result, counts } = await product.countCosmosRequests(() =>
        admin.get<{ detail: string }>(`/api/audit/verify?labId=${labId}&continuationToken=${encodeURIComponent(bad)}`),
      );
      expect(result.status).toBe(400);
      expect(result.body.detail).toBe(
        'The continuation token is not one this verification gave out, or it has lapsed; start the verification again from the first page.',
      );
      expect(counts.writes + counts.batches).toBeLessThanOrEqual(1);
    }
    expect((await admin.get('/api/audit/verify?labId=LAB01&pageSize=0')).status).toBe(400);
  });
});
