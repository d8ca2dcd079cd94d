import { CosmosClient, type Container, type JSONObject, type OperationInput } from '@azure/cosmos';
import { applyEmbeddedStoreCorrections } from '../embedded-store/corrections.js';
import { startEmbeddedCosmos } from '../embedded-store/server.js';
import { median, timed } from './timing.js';

/**
 * What a lab's dashboard query costs in the embedded store as the data grows, with and without the
 * corrections, in one run. Documents look like PM records: ten labs, one partition each.
 */
export interface StoreFigures {
  /** Partition-scoped 20-row ORDER BY query, median ms. */
  query20: { at10k: number; at60k: number; uncorrectedAt60k: number | null };
  /** Reading one lab's whole partition in 500-row pages, median ms. */
  paged500: { at10k: number; at60k: number; uncorrectedAt10k: number | null };
  /** The same query on a lab held at 1,000 documents while the container grows. */
  labHeldAt1k: { at10k: number; at60k: number };
  speedupAt60k: number | null;
  growthWithPartition: number;
  growthWithContainer: number;
}

const labCount = 10;
const dashboardQuery = "SELECT * FROM c WHERE c.labId = @labId AND c.status = 'Open' ORDER BY c.dueEnd DESC";
const fullListQuery = 'SELECT * FROM c WHERE c.labId = @labId ORDER BY c.recordNumber';

function labId(index: number): string {
  return `LAB${String(index + 1).padStart(2, '0')}`;
}

function recordLike(lab: string, n: number): JSONObject {
  const day = new Date(Date.UTC(2026, 0, 1) + (n % 365) * 86_400_000).toISOString();
  return {
    id: `${lab}-${String(n).padStart(7, '0')}`,
    labId: lab,
    type: 'record',
    recordNumber: `${lab}${String(n).padStart(6, '0')}`,
    serialNumber: `SN-${n % 200}`,
    frequency: ['Daily', 'Weekly', 'Monthly'][n % 3]!,
    status: n % 10 === 0 ? 'Open' : 'Completed',
    periodStart: day.slice(0, 10),
    dueEnd: day,
    tasks: [{ taskId: 't1', text: 'Clean the build plate', kind: 'check' }],
  };
}

async function fill(container: Container, perLab: (lab: string) => number, from: (lab: string) => number): Promise<void> {
  for (let index = 0; index < labCount; index++) {
    const lab = labId(index);
    for (let n = from(lab); n < perLab(lab); n += 100) {
      const operations: OperationInput[] = [];
      for (let k = n; k < Math.min(n + 100, perLab(lab)); k++)
        operations.push({ operationType: 'Create', partitionKey: lab, resourceBody: recordLike(lab, k) });
      await container.items.batch(operations, lab);
    }
  }
}

async function query20(container: Container, lab: string): Promise<void> {
  const page = await container.items
    .query({ query: dashboardQuery, parameters: [{ name: '@labId', value: lab }] }, { partitionKey: lab, maxItemCount: 20 })
    .fetchNext();
  if (page.resources.length !== 20) throw new Error(`Expected 20 rows from ${lab}, got ${page.resources.length}`);
}

async function readPaged(container: Container, lab: string): Promise<void> {
  const iterator = container.items.query({ query: fullListQuery, parameters: [{ name: '@labId', value: lab }] }, { partitionKey: lab, maxItemCount: 500 });
  while (iterator.hasMoreResults()) await iterator.fetchNext();
}

async function withStore<T>(corrected: boolean, work: (container: Container) => Promise<T>): Promise<T> {
  const store = await startEmbeddedCosmos({ corrected });
  // The uncorrected store takes longer than the SDK's default minute for one query at 60,000 documents.
  const connectionPolicy = { enableEndpointDiscovery: false, requestTimeout: 10 * 60_000 };
  const client = new CosmosClient({ endpoint: store.connection.endpoint, key: store.connection.key, connectionPolicy });
  try {
    const { database } = await client.databases.createIfNotExists({ id: 'bench' });
    const { container } = await database.containers.createIfNotExists({ id: 'records', partitionKey: { paths: ['/labId'] } });
    return await work(container);
  } finally {
    client.dispose();
    await store.close();
  }
}

/** `uncorrected` adds the uncorrected store for comparison: about a minute and a half more. */
export async function measureStore(log: (line: string) => void, { uncorrected }: { uncorrected: boolean }): Promise<StoreFigures> {
  const evenly = (total: number) => () => total / labCount;
  // Corrections apply to the whole process once installed; take them back for the uncorrected runs.
  applyEmbeddedStoreCorrections()();

  let uncorrectedPaged: number | null = null;
  let uncorrectedQuery: number | null = null;
  if (uncorrected) {
    log('store: uncorrected, 10,000 documents (paged read of one lab)...');
    uncorrectedPaged = await withStore(false, async (container) => {
      await fill(container, evenly(10_000), () => 0);
      return median(await timed(() => readPaged(container, 'LAB01'), 1));
    });
    log('store: uncorrected, 60,000 documents (one 20-row query; this takes a while)...');
    uncorrectedQuery = await withStore(false, async (container) => {
      await fill(container, evenly(60_000), () => 0);
      return median(await timed(() => query20(container, 'LAB01'), 1));
    });
  }

  log('store: corrected, 10,000 and 60,000 documents...');
  const corrected = await withStore(true, async (container) => {
    await fill(container, evenly(10_000), () => 0);
    await query20(container, 'LAB01');
    const at10k = { query: median(await timed(() => query20(container, 'LAB01'), 30)), paged: median(await timed(() => readPaged(container, 'LAB01'), 5)) };
    await fill(container, evenly(60_000), evenly(10_000));
    await query20(container, 'LAB01');
    const at60k = { query: median(await timed(() => query20(container, 'LAB01'), 30)), paged: median(await timed(() => readPaged(container, 'LAB01'), 5)) };
    return { at10k, at60k };
  });

  log('store: corrected, LAB01 held at 1,000 documents while the container grows...');
  const held = await withStore(true, async (container) => {
    const others = (total: number) => (lab: string) => (lab === 'LAB01' ? 1_000 : (total - 1_000) / (labCount - 1));
    await fill(container, others(10_000), () => 0);
    await query20(container, 'LAB01');
    const at10k = median(await timed(() => query20(container, 'LAB01'), 30));
    await fill(container, others(60_000), others(10_000));
    await query20(container, 'LAB01');
    const at60k = median(await timed(() => query20(container, 'LAB01'), 30));
    return { at10k, at60k };
  });

  return {
    query20: { at10k: corrected.at10k.query, at60k: corrected.at60k.query, uncorrectedAt60k: uncorrectedQuery },
    paged500: { at10k: corrected.at10k.paged, at60k: corrected.at60k.paged, uncorrectedAt10k: uncorrectedPaged },
    labHeldAt1k: held,
    speedupAt60k: uncorrectedQuery === null ? null : uncorrectedQuery / corrected.at60k.query,
    growthWithPartition: corrected.at60k.query / corrected.at10k.query,
    growthWithContainer: held.at60k / held.at10k,
  };
}
