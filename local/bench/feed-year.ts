import { container } from '../../shared/data/cosmos.js';
import type { ContainerName } from '../../shared/data/containers.js';
import { generateLab } from '../../shared/jobs/lab-run.js';
import type { CosmosRequestCounts, LocalProduct } from '../product.js';
import { median } from './timing.js';
import { addDailyLab, addDailyModel } from './volume.js';

/**
 * What Power BI costs reading a year of one 200-machine lab's PmRecords through the OData feed, page
 * by page as it follows @odata.nextLink with an API key of that lab; and what Fabric mirroring would
 * take of the same lab: the documents per container and type, their sizes, and the nested values
 * that land as JSON strings.
 */

const dayMs = 86_400_000;

export interface FeedPageFigures {
  rows: number;
  pages: number;
  totalMs: number;
  maxMs: number;
  medianMs: number;
  cosmosRequests: number;
  mostCosmosRequestsInAPage: number;
  /** The page's own reading: queries and query plans, without the key's check and use counter. */
  mostQueriesInAPage: number;
  crossPartitionQueries: number;
}

export interface MirroredDocuments {
  container: string;
  type: string;
  documents: number;
  totalKb: number;
  largestBytes: number;
  /** Nested values (objects and arrays) the mirror turns into JSON strings, and the longest of them. */
  nestedValues: number;
  longestNestedBytes: number;
  /** Nested values above 8,000 bytes: what a varchar(8000) column would cut short. */
  nestedOver8000Bytes: number;
}

export interface FeedYearFigures {
  labId: string;
  machines: number;
  records: number;
  feed: FeedPageFigures;
  mirror: MirroredDocuments[];
}

type Session = { cookie: string; csrf: string };

async function createFeedKey(product: LocalProduct, session: Session, labId: string): Promise<string> {
  const expiresOn = new Date(Date.now() + 30 * dayMs).toISOString().slice(0, 10);
  const response = await fetch(`${product.url}/api/api-keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: product.url, cookie: session.cookie, 'x-csrf-token': session.csrf },
    body: JSON.stringify({ name: 'Bench Power BI', labIds: [labId], scopes: ['feed:read'], expiresOn }),
  });
  if (response.status !== 201) throw new Error(`Creating the bench key answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { key: string }).key;
}

/** Follows @odata.nextLink from the first page to the last, as Power BI does, timing and counting each page. */
async function readWholeSet(product: LocalProduct, key: string, set: string): Promise<FeedPageFigures> {
  const times: number[] = [];
  const counts: CosmosRequestCounts[] = [];
  let rows = 0;
  let next: string | undefined = `${product.url}/api/odata/${set}`;
  while (next) {
    const url: string = next;
    const started = performance.now();
    const { result, counts: pageCounts } = await product.countCosmosRequests(async () => {
      const response = await fetch(url, { headers: { 'X-Api-Key': key, Accept: 'application/json' } });
      if (!response.ok) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
      return (await response.json()) as { value: unknown[]; '@odata.nextLink'?: string };
    });
    times.push(performance.now() - started);
    counts.push(pageCounts);
    rows += result.value.length;
    next = result['@odata.nextLink'];
  }
  return {
    rows,
    pages: times.length,
    totalMs: times.reduce((sum, ms) => sum + ms, 0),
    maxMs: Math.max(...times),
    medianMs: median(times),
    cosmosRequests: counts.reduce((sum, count) => sum + count.total, 0),
    mostCosmosRequestsInAPage: Math.max(...counts.map((count) => count.total)),
    mostQueriesInAPage: Math.max(...counts.map((count) => count.queries + count.queryPlans)),
    crossPartitionQueries: counts.reduce((sum, count) => sum + count.crossPartitionQueries, 0),
  };
}

const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/** Every document of the lab's partition in the containers the mirroring runbook mirrors, grouped by type. */
async function mirroredDocuments(labId: string): Promise<MirroredDocuments[]> {
  const groups = new Map<string, MirroredDocuments>();
  for (const name of ['labs', 'equipment', 'records'] as const satisfies readonly ContainerName[]) {
    const iterator = (await container(name)).items.query<Record<string, unknown>>('SELECT * FROM c', { partitionKey: labId, maxItemCount: 1000 });
    while (iterator.hasMoreResults()) {
      const { resources } = await iterator.fetchNext();
      for (const document of resources) {
        const type = String(document.type ?? 'untyped');
        const group = groups.get(`${name}/${type}`) ?? {
          container: name,
          type,
          documents: 0,
          totalKb: 0,
          largestBytes: 0,
          nestedValues: 0,
          longestNestedBytes: 0,
          nestedOver8000Bytes: 0,
        };
        const { _rid, _self, _etag, _ts, _attachments, ...stored } = document;
        const size = bytesOf(stored);
        group.documents += 1;
        group.totalKb += size / 1024;
        group.largestBytes = Math.max(group.largestBytes, size);
        for (const value of Object.values(stored)) {
          if (value === null || typeof value !== 'object') continue;
          const nested = bytesOf(value);
          group.nestedValues += 1;
          group.longestNestedBytes = Math.max(group.longestNestedBytes, nested);
          if (nested > 8000) group.nestedOver8000Bytes += 1;
        }
        groups.set(`${name}/${type}`, group);
      }
    }
  }
  return [...groups.values()].map((group) => ({ ...group, totalKb: Math.round(group.totalKb) }));
}

/** A lab of `machines` daily machines registered a year ago, its year of records generated, then read and sized. */
export async function measureFeedYear(product: LocalProduct, session: Session, machines: number, log: (line: string) => void): Promise<FeedYearFigures> {
  const labId = 'FEED200';
  const since = new Date(Date.now() - 365 * dayMs);
  await addDailyModel(since);
  await addDailyLab(labId, machines, since);
  log(`bench: ${machines} daily machines registered a year ago; generating the year's records...`);
  const generated = await generateLab(labId, new Date(), 'bench-feed');
  const records = generated.created + generated.backfilled;
  log(`bench: ${records} records; reading PmRecords through the feed page by page...`);
  const feed = await readWholeSet(product, await createFeedKey(product, session, labId), 'PmRecords');
  log('bench: sizing the documents a Fabric mirror would take...');
  return { labId, machines, records, feed, mirror: await mirroredDocuments(labId) };
}
