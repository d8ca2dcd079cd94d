import type { JSONObject } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditView } from '../shared/audit/audit-trail.js';
import { chainContainers, type ChainContainer } from '../shared/data/audit-repository.js';
import { writeWithAudit } from '../shared/data/audited-write.js';
import { listEquipmentClasses, listModels } from '../shared/data/catalog-repository.js';
import { container } from '../shared/data/cosmos.js';
import { settings } from '../shared/platform/config.js';
import type { Page } from '../shared/data/paging.js';
import { listProviders } from '../shared/data/providers-repository.js';
import { listUsers } from '../shared/data/users-repository.js';
import type { ApiClient } from './helpers/api-client.js';
import { startTestProduct, type TestProduct } from './helpers/test-product.js';

/**
 * Company-wide lists query across partitions with ORDER BY. The Cosmos DB gateway refuses such a query
 * and the SDK runs it from a query plan in its own pipeline, which gives no continuation token: the
 * embedded store answers the same way (local/embedded-store/gateway-plans.ts), so every list here
 * must page completely by its own keys, as it must in Azure.
 */
let product: TestProduct;
let admin: ApiClient;

const extra = 23;
const names = Array.from({ length: extra }, (_, n) => `paging-${String(n).padStart(2, '0')}`);

beforeAll(async () => {
  product = await startTestProduct();
  admin = await product.signedIn('admin');
  const put = async (name: 'users' | 'models' | 'equipmentClasses' | 'calibrationProviders', document: JSONObject) =>
    (await container(name)).items.create(document);
  for (const name of names) {
    await put('users', { id: name, username: name, type: 'user', labIds: ['LAB01'], companyRole: null, status: 'Active' });
    await put('models', { id: name, modelKey: name, modelId: name, type: 'model', active: true, equipmentClass: 'Paging' });
    await put('equipmentClasses', { id: name, key: name, name, type: 'equipment-class' });
    await put('calibrationProviders', { id: name, providerId: name, name, type: 'calibration-provider' });
  }
});
afterAll(async () => product?.cleanup());

/** Every page of a list, following its tokens to the end; fails on a loop rather than spinning. */
async function allPages<T>(read: (token: string | undefined) => Promise<Page<T>>): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await read(token);
    items.push(...page.items);
    token = page.continuationToken ?? undefined;
    pages += 1;
    expect(pages).toBeLessThan(500);
  } while (token);
  return { items, pages };
}

/** What a container holds of a type, read with a plain query the gateway serves itself (no ORDER BY). */
async function everyKey(name: 'users' | 'models' | 'equipmentClasses' | 'calibrationProviders', type: string, key: string): Promise<string[]> {
  const { resources } = await (
    await container(name)
  ).items
    .query<string>({ query: `SELECT VALUE c.${key} FROM c WHERE c.type = @type`, parameters: [{ name: '@type', value: type }] })
    .fetchAll();
  return resources;
}

function expectCompleteAndOrdered(listed: string[], expected: string[], pages: number) {
  expect(pages).toBeGreaterThanOrEqual(3);
  expect(new Set(listed).size).toBe(listed.length);
  expect(listed).toEqual([...expected].sort());
}

describe('company-wide lists on the gateway’s terms', () => {
  it('the SDK’s own paging of a cross-partition ORDER BY stops after one page, as it does in Azure', async () => {
    // What every list did before: one page of the query with the SDK's continuation token.
    const users = await container('users');
    const query = "SELECT * FROM c WHERE c.type = 'user' ORDER BY c.username";
    const first = await users.items.query(query, { maxItemCount: 5 }).fetchNext();
    expect(first.resources).toHaveLength(5);
    expect(first.continuationToken).toBeUndefined();
    expect((await everyKey('users', 'user', 'username')).length).toBeGreaterThan(5);
    // Nor does the pipeline take back a token of the gateway's kind.
    const gatewayToken = JSON.stringify({ token: '+RID:~abc#RT:1#TRC:5', range: { min: '', max: 'FF' } });
    await expect(users.items.query(query, { maxItemCount: 5, continuationToken: gatewayToken }).fetchNext()).rejects.toThrow(/enableQueryControl/);
  });

  it('the store refuses the cross-partition ORDER BY as the gateway does, with the plan in the answer', async () => {
    // The SDK hides the refusal by running its pipeline; the query sent as the SDK first sends it shows it.
    const response = await fetch(`${product.connection!.endpoint.replace(/\/$/, '')}/dbs/${settings().COSMOS_DATABASE}/colls/users/docs`, {
      method: 'POST',
      headers: { 'content-type': 'application/query+json', 'x-ms-documentdb-isquery': 'true', 'x-ms-documentdb-query-enablecrosspartition': 'true' },
      body: JSON.stringify({ query: "SELECT * FROM c WHERE c.type = 'user' ORDER BY c.username", parameters: [] }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { additionalErrorInfo?: string };
    const plan = JSON.parse(body.additionalErrorInfo!) as { queryInfo: { orderBy: string[]; rewrittenQuery: string } };
    expect(plan.queryInfo.orderBy).toEqual(['Ascending']);
    expect(plan.queryInfo.rewrittenQuery).toContain('{documentdb-formattableorderbyquery-filter}');
  });

  it('users page completely by username', async () => {
    const { items, pages } = await allPages((token) =>
      listUsers({ labIds: 'all', includeCompanyUsers: true, includeDisabled: true, pageSize: 7, continuationToken: token }).then(
        ({ users, continuationToken }) => ({ items: users, continuationToken }),
      ),
    );
    expectCompleteAndOrdered(
      items.map((user) => user.username),
      await everyKey('users', 'user', 'username'),
      pages,
    );
  });

  it('models, equipment classes and calibration providers page completely', async () => {
    const models = await allPages((token) => listModels({ includeInactive: true, pageSize: 6, continuationToken: token }));
    expectCompleteAndOrdered(
      models.items.map((model) => model.modelKey),
      await everyKey('models', 'model', 'modelKey'),
      models.pages,
    );
    const classes = await allPages((token) => listEquipmentClasses(6, token));
    expectCompleteAndOrdered(
      classes.items.map((item) => item.key),
      await everyKey('equipmentClasses', 'equipment-class', 'key'),
      classes.pages,
    );
    const providers = await allPages((token) => listProviders(6, token));
    expectCompleteAndOrdered(
      providers.items.map((provider) => provider.providerId),
      await everyKey('calibrationProviders', 'calibration-provider', 'providerId'),
      providers.pages,
    );
  });

  it('the users list through the API pages to the end', async () => {
    const listed: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await admin.get<{ items: { username: string }[]; continuationToken: string | null }>(
        `/api/users?includeDisabled=true${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`,
      );
      expect(page.status).toBe(200);
      listed.push(...page.body.items.map((user) => user.username));
      token = page.body.continuationToken ?? undefined;
      pages += 1;
    } while (token && pages < 50);
    expect(listed).toEqual(expect.arrayContaining(names));
    expect(new Set(listed).size).toBe(listed.length);
  });
});

describe('the audit trail on the gateway’s terms', () => {
  const window = { from: '2031-01-01T00:00:00.000Z', to: '2031-01-02T00:00:00.000Z' };
  // Three instants shared by every chain: ties on time must still page without loss or repeats.
  const instants = ['2031-01-01T08:00:00.000Z', '2031-01-01T09:00:00.000Z', '2031-01-01T10:00:00.000Z'];
  // Labs of this test alone, so each partition's chain is the test's own from its first entry.
  const labs = ['LAB98', 'LAB99'];
  let written: { source: ChainContainer; partition: string; seq: number; labIds: string[] }[] = [];

  beforeAll(async () => {
    written = [];
    for (const source of Object.keys(chainContainers) as ChainContainer[]) {
      const field = chainContainers[source];
      const byLab = source === 'labs' || source === 'equipment' || source === 'records';
      for (const [index, partition] of (byLab ? labs : ['paging-chain-a', 'paging-chain-b']).entries()) {
        const labIds = byLab ? [partition] : source === 'users' ? [labs[index]!] : [];
        // A chain of its own in the partition: an owner document that only this test writes.
        const owner = { id: `paging-owner-${source}`, [field]: partition, type: 'paging-owner' };
        const events = instants.flatMap((at) =>
          [0, 1].map((n) => ({ action: `paging.${n}`, entityType: 'paging', entityId: `${source}-${partition}`, labIds, actor: null, at })),
        );
        await writeWithAudit({ container: source, partition: [field, partition], owner, ownerEtag: undefined, events });
        events.forEach((_, index) => written.push({ source, partition, seq: index + 1, labIds }));
      }
    }
  });

  async function readTrail(query: string, pageSize: number): Promise<{ entries: AuditView[]; pages: number }> {
    const entries: AuditView[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await admin.get<{ items: AuditView[]; continuationToken: string | null }>(
        `/api/audit?from=${window.from}&to=${window.to}&pageSize=${pageSize}${query}${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`,
      );
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      entries.push(...page.body.items);
      token = page.body.continuationToken ?? undefined;
      pages += 1;
    } while (token && pages < 100);
    return { entries, pages };
  }

  const identity = (entry: { source: string; partition: string; seq: number }) => `${entry.source}/${entry.partition}/${entry.seq}`;

  it('pages the whole company’s trail across every container, newest first, nothing lost or doubled', async () => {
    const { entries, pages } = await readTrail('', 12);
    expect(pages).toBeGreaterThanOrEqual(3);
    const seen = entries.map(identity);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(written.map(identity).sort());
    expect(new Set(entries.map((entry) => entry.source))).toEqual(new Set(Object.keys(chainContainers)));
    const times = entries.map((entry) => entry.at);
    expect(times).toEqual([...times].sort().reverse());
  });

  it('pages one lab’s trail completely, reading only what concerns the lab', async () => {
    const { entries, pages } = await readTrail('&labId=LAB99', 5);
    expect(pages).toBeGreaterThanOrEqual(3);
    const expected = written.filter((entry) => entry.labIds.includes('LAB99')).map(identity);
    expect(entries.map(identity).sort()).toEqual(expected.sort());
    const times = entries.map((entry) => entry.at);
    expect(times).toEqual([...times].sort().reverse());
  });

  it('reads one lab’s entries of lab-partitioned containers inside that lab’s partition', async () => {
    const { counts } = await product.countCosmosRequests(() => readTrail('&labId=LAB98', 5));
    // Only the containers whose chains are per person and per integration caller (users; API keys and
    // Entra apps, whose uses on a lab its auditors see) are read across partitions; catalogue and
    // provider chains concern no lab and are not read at all.
    expect(counts.crossPartitionContainers).toEqual(['users', 'api-keys']);
  });
});
