import { CosmosClient, type Container, type OperationInput, type PartitionKey } from '@azure/cosmos';
import fc from 'fast-check';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCorrectedVersions, correctedVersions, parenthesisDepth } from '../local/embedded-store/corrections.js';
import { startEmbeddedCosmos, type EmbeddedCosmos } from '../local/embedded-store/server.js';

/**
 * The embedded store, over HTTP through the real SDK, behaves as Cosmos DB does where the product
 * depends on it: partition-scoped queries, paging, conditional writes and atomic batches.
 */
let store: EmbeddedCosmos;
let client: CosmosClient;
let labs: Container;

interface Doc {
  id: string;
  labId: string;
  n: number;
  kind: string;
  tags?: string[];
}

const labIds = ['LAB01', 'LAB02', 'LAB03'];

beforeAll(async () => {
  store = await startEmbeddedCosmos();
  client = new CosmosClient({ endpoint: store.connection.endpoint, key: store.connection.key, connectionPolicy: { enableEndpointDiscovery: false } });
  const { database } = await client.databases.createIfNotExists({ id: 'behaviour' });
  ({ container: labs } = await database.containers.createIfNotExists({ id: 'labs', partitionKey: { paths: ['/labId'] } }));
  for (const labId of labIds) {
    const operations: OperationInput[] = Array.from({ length: 50 }, (_, n) => ({
      operationType: 'Create',
      partitionKey: labId,
      resourceBody: { id: `${labId}-${n}`, labId, n, kind: n % 2 === 0 ? 'even' : 'odd', tags: [`t${n % 3}`] },
    }));
    const response = await labs.items.batch(operations, labId);
    expect(response.result?.every((result) => result.statusCode === 201)).toBe(true);
  }
});

afterAll(async () => {
  client?.dispose();
  await store?.close();
});

describe('partition-scoped reads', () => {
  it('a query with a partition key and no filter on it returns only that partition', async () => {
    const { resources } = await labs.items.query<Doc>('SELECT * FROM c', { partitionKey: 'LAB01' }).fetchAll();
    expect(resources).toHaveLength(50);
    expect(new Set(resources.map((doc) => doc.labId))).toEqual(new Set(['LAB01']));
  });

  it('readAll and COUNT are scoped by the partition key', async () => {
    const { resources } = await labs.items.readAll<Doc>({ partitionKey: 'LAB02' }).fetchAll();
    expect(resources.map((doc) => doc.labId).every((labId) => labId === 'LAB02')).toBe(true);
    expect(resources).toHaveLength(50);
    const { resources: count } = await labs.items.query<number>('SELECT VALUE COUNT(1) FROM c', { partitionKey: 'LAB03' }).fetchAll();
    expect(count).toEqual([50]);
    const { resources: all } = await labs.items.query<number>('SELECT VALUE COUNT(1) FROM c').fetchAll();
    expect(all).toEqual([150]);
  });

  it('60 concurrent queries on different partitions each get only their own documents', async () => {
    const answers = await Promise.all(
      Array.from({ length: 60 }, async (_, index) => {
        const labId = labIds[index % labIds.length]!;
        const { resources } = await labs.items
          .query<Doc>({ query: 'SELECT * FROM c WHERE c.kind = @kind ORDER BY c.n', parameters: [{ name: '@kind', value: 'even' }] }, { partitionKey: labId })
          .fetchAll();
        return { labId, resources };
      }),
    );
    for (const { labId, resources } of answers) {
      expect(resources.map((doc) => doc.id)).toEqual(Array.from({ length: 25 }, (_, i) => `${labId}-${i * 2}`));
    }
  });

  it('queries with JOIN, projections and aggregates give the same rows as before the corrections', async () => {
    const { resources: joined } = await labs.items
      .query<{ id: string; tag: string }>("SELECT c.id, t AS tag FROM c JOIN t IN c.tags WHERE t = 't1' AND c.n < 5", { partitionKey: 'LAB01' })
      .fetchAll();
    expect(joined.map((row) => row.id).sort()).toEqual(['LAB01-1', 'LAB01-4']);
    const { resources: projected } = await labs.items.query<{ n: number }>('SELECT c.n, c.missing FROM c WHERE c.n < 2', { partitionKey: 'LAB02' }).fetchAll();
    expect(projected.sort((a, b) => a.n - b.n)).toEqual([{ n: 0 }, { n: 1 }]);
    const { resources: total } = await labs.items.query<number>('SELECT VALUE SUM(c.n) FROM c', { partitionKey: 'LAB03' }).fetchAll();
    expect(total).toEqual([(49 * 50) / 2]);
  });
});

describe('ordering and paging', () => {
  it('ORDER BY sorts within a partition and across partitions', async () => {
    const { resources: one } = await labs.items.query<Doc>('SELECT * FROM c ORDER BY c.n DESC', { partitionKey: 'LAB02' }).fetchAll();
    expect(one.map((doc) => doc.n)).toEqual(Array.from({ length: 50 }, (_, i) => 49 - i));
    const { resources: every } = await labs.items.query<Doc>('SELECT * FROM c ORDER BY c.n').fetchAll();
    expect(every).toHaveLength(150);
    expect(every.map((doc) => doc.n)).toEqual([...every.map((doc) => doc.n)].sort((a, b) => a - b));
  });

  it('pages resume from a saved continuation token, in a new iterator, without gaps or repeats', async () => {
    const query = 'SELECT * FROM c ORDER BY c.n';
    const first = await labs.items.query<Doc>(query, { partitionKey: 'LAB03', maxItemCount: 20 }).fetchNext();
    expect(first.resources.map((doc) => doc.n)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const saved = first.continuationToken!;
    expect(saved).toBeTruthy();
    const seen = [...first.resources];
    let token: string | undefined = saved;
    while (token) {
      const page = await labs.items.query<Doc>(query, { partitionKey: 'LAB03', maxItemCount: 20, continuationToken: token }).fetchNext();
      seen.push(...page.resources);
      token = page.continuationToken;
    }
    expect(seen.map((doc) => doc.n)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const again = await labs.items.query<Doc>(query, { partitionKey: 'LAB03', maxItemCount: 20, continuationToken: saved }).fetchNext();
    expect(again.resources.map((doc) => doc.n)).toEqual(Array.from({ length: 20 }, (_, i) => i + 20));
  });

  it('a damaged continuation token is refused with 400', async () => {
    const attempt = labs.items.query<Doc>('SELECT * FROM c', { partitionKey: 'LAB01', maxItemCount: 5, continuationToken: 'not-a-token' }).fetchNext();
    await expect(attempt).rejects.toMatchObject({ code: 400 });
  });

  it('a query nested deeper than its parser reads in reasonable time is refused with 400, naming the depth', async () => {
    const deep = "SELECT * FROM c WHERE c.n > 1 AND (c.kind = 'odd' OR (c.n < 10 AND (c.kind = 'even' OR (c.n = 4))))";
    expect(parenthesisDepth(deep)).toBe(4);
    expect(parenthesisDepth("SELECT * FROM c WHERE c.kind = '((((' AND (c.n = 1)")).toBe(1);
    await expect(labs.items.query(deep, { partitionKey: 'LAB01' }).fetchAll()).rejects.toMatchObject({
      code: 400,
      message: expect.stringContaining('nests parentheses 4 deep'),
    });
    const flat = "SELECT * FROM c WHERE (c.kind = 'odd' AND c.n > 1) OR (c.n < 10 AND c.kind = 'even') OR c.n = 4";
    expect((await labs.items.query<Doc>(flat, { partitionKey: 'LAB01' }).fetchAll()).resources.map((doc) => doc.n).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, n) => n).filter((n) => (n % 2 === 1 && n > 1) || (n < 10 && n % 2 === 0) || n === 4),
    );
  });

  it('a query the engine cannot parse is a 400, not a server error', async () => {
    await expect(labs.items.query('SELECT FROM WHERE', { partitionKey: 'LAB01' }).fetchAll()).rejects.toMatchObject({ code: 400 });
  });
});

describe('conditional writes', () => {
  it('a stale If-Match is refused with 412 for replace, delete and patch', async () => {
    const { resource, etag } = await labs.items.create<Doc>({ id: 'conditional', labId: 'LAB01', n: 1, kind: 'odd' });
    await labs.item('conditional', 'LAB01').replace({ ...resource!, n: 2 });
    const stale = { accessCondition: { type: 'IfMatch', condition: etag! } };
    await expect(labs.item('conditional', 'LAB01').replace({ ...resource!, n: 3 }, stale)).rejects.toMatchObject({ code: 412 });
    await expect(labs.item('conditional', 'LAB01').patch([{ op: 'incr', path: '/n', value: 1 }], stale)).rejects.toMatchObject({ code: 412 });
    await expect(labs.item('conditional', 'LAB01').delete(stale)).rejects.toMatchObject({ code: 412 });
    const { resource: current } = await labs.item('conditional', 'LAB01').read<Doc>();
    expect(current?.n).toBe(2);
  });

  it('a duplicate id is a 409 in the same partition and a 201 in another', async () => {
    await expect(labs.items.create({ id: 'LAB01-0', labId: 'LAB01', n: 0, kind: 'even' })).rejects.toMatchObject({ code: 409 });
    const { statusCode } = await labs.items.create({ id: 'LAB01-0', labId: 'LAB02', n: 0, kind: 'even' });
    expect(statusCode).toBe(201);
  });

  it('string, number, boolean and null partition keys each scope reads and queries', async () => {
    const { database } = await client.databases.createIfNotExists({ id: 'behaviour' });
    const { container } = await database.containers.createIfNotExists({ id: 'keys', partitionKey: { paths: ['/key'] } });
    const keys: PartitionKey[] = ['text', 7, true, null];
    for (const key of keys) {
      await container.items.create({ id: 'same-id', key });
      await container.items.create({ id: `other-${String(key)}`, key });
    }
    for (const key of keys) {
      const { resource } = await container.item('same-id', key).read<{ key: unknown }>();
      expect(resource?.key).toEqual(key);
      const { resources } = await container.items.query<{ key: unknown }>('SELECT * FROM c', { partitionKey: key }).fetchAll();
      expect(resources).toHaveLength(2);
      expect(resources.every((doc) => doc.key === key)).toBe(true);
    }
  });
});

describe('range indexes', () => {
  it('answers a query with range and equality conjuncts exactly as a walk of the whole partition would, across writes', async () => {
    const { container: ranged } = await client.database('behaviour').containers.createIfNotExists({ id: 'ranged', partitionKey: { paths: ['/labId'] } });
    const value = fc.oneof(fc.constantFrom('a', 'b', 'b2', 'c', ''), fc.integer({ min: 0, max: 3 }), fc.constant(undefined));
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ v: value, w: value }), { minLength: 1, maxLength: 25 }),
        fc.constantFrom('a', 'b', 'c', 1),
        fc.constantFrom('b', 'c', 'd', 2),
        fc.constantFrom('>=', '>', '=', '<', '<='),
        async (documents, low, high, operator) => {
          const lab = `R${++round}`;
          for (const [index, document] of documents.entries()) await ranged.items.create({ id: `d${index}`, labId: lab, ...document });
          // A write after the first query must reach the index too.
          const query = `SELECT c.id FROM c WHERE c.v ${operator} @low AND (c.w = @high OR c.w = 'a') AND c.v <= @high ORDER BY c.id`;
          const run = async () =>
            (
              await ranged.items
                .query<{ id: string }>(
                  {
                    query,
                    parameters: [
                      { name: '@low', value: low },
                      { name: '@high', value: high },
                    ],
                  },
                  { partitionKey: lab },
                )
                .fetchAll()
            ).resources.map((row) => row.id);
          await run();
          await ranged.items.upsert({ id: 'd0', labId: lab, v: 'b', w: 'a' });
          const stored = [{ id: 'd0', v: 'b', w: 'a' }, ...documents.slice(1).map((document, index) => ({ id: `d${index + 1}`, ...document }))];
          const compare = (a: unknown, b: unknown, how: string) =>
            typeof a === typeof b && (typeof a === 'string' || typeof a === 'number')
              ? how === '>='
                ? a >= (b as typeof a)
                : how === '>'
                  ? a > (b as typeof a)
                  : how === '='
                    ? a === b
                    : how === '<'
                      ? a < (b as typeof a)
                      : a <= (b as typeof a)
              : false;
          const expected = stored
            .filter(
              (document) => compare(document.v, low, operator) && (compare(document.w, high, '=') || document.w === 'a') && compare(document.v, high, '<='),
            )
            .map((document) => document.id)
            .sort();
          expect(await run()).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('transactional batches', () => {
  it('answers each operation of a successful batch with its status and ETag', async () => {
    const response = await labs.items.batch(
      [
        { operationType: 'Create', partitionKey: 'LAB02', resourceBody: { id: 'batch-a', labId: 'LAB02', n: 1, kind: 'odd' } },
        { operationType: 'Upsert', partitionKey: 'LAB02', resourceBody: { id: 'batch-b', labId: 'LAB02', n: 2, kind: 'even' } },
        { operationType: 'Read', partitionKey: 'LAB02', id: 'LAB02-3' },
      ],
      'LAB02',
    );
    expect(response.result?.map((result) => result.statusCode)).toEqual([201, 201, 200]);
    expect(response.result?.every((result) => typeof result.eTag === 'string')).toBe(true);
  });

  it('is all or nothing: a failing operation keeps its status, the others answer 424 and nothing remains', async () => {
    const { resource: before, etag } = await labs.item('LAB02-4', 'LAB02').read<Doc>();
    const response = await labs.items.batch(
      [
        { operationType: 'Replace', partitionKey: 'LAB02', id: 'LAB02-4', ifMatch: etag!, resourceBody: { ...before!, n: 400 } },
        { operationType: 'Create', partitionKey: 'LAB02', resourceBody: { id: 'batch-new', labId: 'LAB02', n: 9, kind: 'odd' } },
        { operationType: 'Delete', partitionKey: 'LAB02', id: 'LAB02-5' },
        { operationType: 'Create', partitionKey: 'LAB02', resourceBody: { id: 'LAB02-6', labId: 'LAB02', n: 6, kind: 'even' } },
        { operationType: 'Create', partitionKey: 'LAB02', resourceBody: { id: 'batch-after', labId: 'LAB02', n: 10, kind: 'even' } },
      ],
      'LAB02',
    );
    expect(response.result?.map((result) => result.statusCode)).toEqual([424, 424, 424, 409, 424]);
    const { resource: after, etag: etagAfter } = await labs.item('LAB02-4', 'LAB02').read<Doc>();
    expect(after?.n).toBe(4);
    expect(etagAfter).toBe(etag);
    expect((await labs.item('batch-new', 'LAB02').read()).statusCode).toBe(404);
    expect((await labs.item('LAB02-5', 'LAB02').read()).statusCode).toBe(200);
    const { resources } = await labs.items.query<number>('SELECT VALUE COUNT(1) FROM c WHERE c.n = 400', { partitionKey: 'LAB02' }).fetchAll();
    expect(resources).toEqual([0]);
  });

  it("puts an operation without a partition key of its own in the batch's, so a failed batch leaves nothing of it", async () => {
    const response = await labs.items.batch(
      [
        { operationType: 'Create', resourceBody: { id: 'inherits-partition', labId: 'LAB02', n: 11, kind: 'odd' } },
        { operationType: 'Delete', id: 'LAB02-7' },
        { operationType: 'Create', resourceBody: { id: 'LAB02-6', labId: 'LAB02', n: 6, kind: 'even' } },
      ],
      'LAB02',
    );
    expect(response.result?.map((result) => result.statusCode)).toEqual([424, 424, 409]);
    expect((await labs.item('inherits-partition', 'LAB02').read()).statusCode).toBe(404);
    expect((await labs.item('LAB02-7', 'LAB02').read()).statusCode).toBe(200);
  });

  it('accepts Patch inside a batch, with If-Match', async () => {
    const { etag } = await labs.item('LAB03-1', 'LAB03').read<Doc>();
    const response = await labs.items.batch(
      [
        {
          operationType: 'Patch',
          partitionKey: 'LAB03',
          id: 'LAB03-1',
          ifMatch: etag!,
          resourceBody: { operations: [{ op: 'incr', path: '/n', value: 100 }] },
        },
        { operationType: 'Create', partitionKey: 'LAB03', resourceBody: { id: 'patched-with', labId: 'LAB03', n: 0, kind: 'even' } },
      ],
      'LAB03',
    );
    expect(response.result?.map((result) => result.statusCode)).toEqual([200, 201]);
    expect((await labs.item('LAB03-1', 'LAB03').read<Doc>()).resource?.n).toBe(101);
    const stale = await labs.items.batch(
      [
        {
          operationType: 'Patch',
          partitionKey: 'LAB03',
          id: 'LAB03-1',
          ifMatch: etag!,
          resourceBody: { operations: [{ op: 'incr', path: '/n', value: 100 }] },
        },
      ],
      'LAB03',
    );
    expect(stale.result?.[0]?.statusCode).toBe(412);
    expect((await labs.item('LAB03-1', 'LAB03').read<Doc>()).resource?.n).toBe(101);
  });
});

describe('version pin', () => {
  it('names the package and both versions when an installed version differs', () => {
    expect(() => assertCorrectedVersions(() => '9.9.9')).toThrow(
      `fit @vercel/cosmosdb-server ${correctedVersions['@vercel/cosmosdb-server']}, but 9.9.9 is installed`,
    );
    expect(() => assertCorrectedVersions()).not.toThrow();
  });

  it('no longer generates code that copies the accumulator for every row', () => {
    const require = createRequire(import.meta.url);
    const query = (require('@zeit/cosmosdb-query') as { default: (sql: string) => { code: string } }).default;
    const code = query('SELECT c.id, t FROM c JOIN t IN c.tags WHERE c.labId = @lab').code;
    expect(code).toContain('$.push(');
    expect(code).not.toContain('[...$');
  });
});

describe('telling writes from reads', () => {
  it('reports a write after requests that changed data and never after ones that only read, POST or not', async () => {
    let reported = 0;
    store.onWrite(() => (reported += 1));
    const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
    // What a snapshot sends: a cross-partition read feed, which the SDK prefixes with a query-plan POST.
    await client.database('behaviour').containers.readAll().fetchAll();
    await labs.items.readAll().fetchAll();
    await labs.items.query('SELECT * FROM c WHERE c.n > 10 ORDER BY c.n').fetchAll();
    await labs.items.query('SELECT * FROM c', { partitionKey: 'LAB01' }).fetchAll();
    await labs.item('LAB01-1', 'LAB01').read();
    await labs.items.batch([{ operationType: 'Read', id: 'LAB01-2', partitionKey: 'LAB01' }], 'LAB01');
    await labs.item('no-such-document', 'LAB01').read();
    const refused = await labs.items.batch(
      [{ operationType: 'Create', partitionKey: 'LAB01', resourceBody: { id: 'LAB01-3', labId: 'LAB01', n: 3, kind: 'odd' } }],
      'LAB01',
    );
    expect(refused.result?.[0]?.statusCode).toBe(409);
    await settle();
    expect(reported).toBe(0);

    await labs.items.create({ id: 'written-once', labId: 'LAB03', n: 999, kind: 'odd' });
    await settle();
    expect(reported).toBe(1);
    await labs.item('written-once', 'LAB03').delete();
    await settle();
    expect(reported).toBe(2);
  });
});
