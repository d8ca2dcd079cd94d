import { parse } from '@sap-ux/edmx-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from './helpers/api-client.js';
import { startTestProduct, type TestProduct } from './helpers/test-product.js';

/**
 * The OData feed read as Power BI reads it (SPEC §14): $metadata parsed by SAP's CSDL parser, every
 * entity set followed through @odata.nextLink to its end, every value checked against its declared
 * type, counts held against the product's own reports, and no caller seeing another lab's row.
 */
let product: TestProduct;
let admin: ApiClient;
const keys: Record<string, string> = {};
const inAYear = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);

interface Feed {
  '@odata.context': string;
  '@odata.count'?: number;
  '@odata.nextLink'?: string;
  value: Record<string, unknown>[];
}

interface DeclaredSet {
  name: string;
  key: string;
  properties: { name: string; type: string; nullable: boolean }[];
}

/** The part of the parser's answer the test reads (its types come from a package it does not install). */
interface ParsedCsdl {
  schema: {
    entitySets: { name: string; entityTypeName: string }[];
    entityTypes: {
      name: string;
      fullyQualifiedName: string;
      keys: { name: string }[];
      entityProperties: { name: string; type: string; nullable?: boolean }[];
      navigationProperties: { name: string }[];
    }[];
  };
}

type Credentials = { key: string } | { session: ApiClient };

function fetchFeed(url: string, credentials: Credentials, pageSize?: number) {
  const headers: Record<string, string> = pageSize ? { Prefer: `odata.maxpagesize=${pageSize}` } : {};
  if ('key' in credentials) headers['X-Api-Key'] = credentials.key;
  const client = 'session' in credentials ? credentials.session : product.client();
  return client.get<Feed & { error?: { code: string; message: string } }>(url.startsWith('http') ? new URL(url).pathname + new URL(url).search : url, {
    headers,
  });
}

/** Every row of a set, following @odata.nextLink to the end as Power BI does. */
async function readAll(
  set: string,
  credentials: Credentials,
  query = '',
  pageSize = 150,
): Promise<{ rows: Record<string, unknown>[]; pages: number; count: number | undefined }> {
  const rows: Record<string, unknown>[] = [];
  let url: string | undefined = `/api/odata/${set}?$count=true${query}`;
  let pages = 0;
  let count: number | undefined;
  while (url && pages < 500) {
    const page = await fetchFeed(url, credentials, pageSize);
    expect(page.status, page.text).toBe(200);
    expect(page.headers.get('odata-version')).toBe('4.0');
    expect(page.body.value.length).toBeLessThanOrEqual(pageSize);
    count ??= page.body['@odata.count'];
    rows.push(...page.body.value);
    url = page.body['@odata.nextLink'];
    pages += 1;
  }
  return { rows, pages, count };
}

const typeChecks: Record<string, (value: unknown) => boolean> = {
  'Edm.String': (value) => typeof value === 'string',
  'Edm.Boolean': (value) => typeof value === 'boolean',
  'Edm.Int32': (value) => Number.isInteger(value),
  'Edm.Date': (value) => typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value),
  'Edm.DateTimeOffset': (value) => typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value),
};

let declared: DeclaredSet[] = [];

beforeAll(async () => {
  product = await startTestProduct();
  admin = await product.signedIn('admin');
  for (const [name, labIds, scopes] of [
    ['lab01', ['LAB01'], ['feed:read']],
    ['lab02', ['LAB02'], ['feed:read']],
    ['fitnessOnly', ['LAB01'], ['fitness:read']],
  ] as const) {
    const created = await admin.post<{ key: string }>('/api/api-keys', { name, labIds, scopes, expiresOn: inAYear });
    expect(created.status, created.text).toBe(201);
    keys[name] = created.body.key;
  }
}, 60_000);
afterAll(async () => product.cleanup());

describe('the OData feed', () => {
  it('serves a service document and $metadata that a CSDL parser reads, with keys, typed properties and navigation', async () => {
    const service = await fetchFeed('/api/odata/', { key: keys.lab01! });
    expect(service.status, service.text).toBe(200);
    expect(service.body.value.map((entry) => entry.name)).toEqual(['Labs', 'Equipment', 'PmRecords', 'Calibrations', 'Nonconformities']);

    const metadata = await product.client().get('/api/odata/$metadata', { headers: { 'X-Api-Key': keys.lab01! } });
    expect(metadata.status).toBe(200);
    expect(metadata.headers.get('content-type')).toContain('application/xml');
    const raw = parse(metadata.text) as unknown as ParsedCsdl;
    const types = new Map(raw.schema.entityTypes.map((type) => [type.fullyQualifiedName, type]));
    declared = raw.schema.entitySets.map((set) => {
      const type = types.get(set.entityTypeName)!;
      return {
        name: set.name,
        key: type.keys[0]!.name,
        properties: type.entityProperties.map((property) => ({ name: property.name, type: property.type, nullable: property.nullable !== false })),
      };
    });
    expect(declared.map((set) => set.name)).toEqual(['Labs', 'Equipment', 'PmRecords', 'Calibrations', 'Nonconformities']);
    const records = raw.schema.entityTypes.find((type) => type.name === 'PmRecord')!;
    expect(records.navigationProperties.map((navigation) => navigation.name)).toEqual(['Lab', 'Machine']);
    expect(declared.find((set) => set.name === 'PmRecords')!.properties).toEqual(
      expect.arrayContaining([
        { name: 'PeriodStart', type: 'Edm.Date', nullable: false },
        { name: 'CompletedAt', type: 'Edm.DateTimeOffset', nullable: true },
        { name: 'CompletedOn', type: 'Edm.Date', nullable: true },
      ]),
    );
  });

  it('pages every set to the end, each row of its declared types, keys unique, counts equal to the rows, and only the key’s lab', async () => {
    for (const set of declared) {
      const { rows, count, pages } = await readAll(set.name, { key: keys.lab01! }, '', 25);
      expect(pages, set.name).toBeGreaterThanOrEqual(Math.ceil(rows.length / 25));
      expect(count, set.name).toBe(rows.length);
      expect(rows.length, set.name).toBeGreaterThan(0);
      const keysSeen = rows.map((row) => row[set.key]);
      expect(new Set(keysSeen).size, set.name).toBe(rows.length);
      for (const row of rows) {
        expect(Object.keys(row).sort()).toEqual(set.properties.map((property) => property.name).sort());
        for (const property of set.properties) {
          const value = row[property.name];
          if (value === null) expect(property.nullable, `${set.name}.${property.name} is null in ${JSON.stringify(row[set.key])}`).toBe(true);
          else expect(typeChecks[property.type]!(value), `${set.name}.${property.name} = ${JSON.stringify(value)} is not ${property.type}`).toBe(true);
        }
        expect(row.LabId).toBe('LAB01');
      }
    }
    const records = await readAll('PmRecords', { key: keys.lab01! }, '', 25);
    expect(records.pages).toBeGreaterThan(1);
  });

  it('counts what the compliance, calibration and nonconformity reports count for the same lab and period', async () => {
    const to = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - 180 * 86_400_000).toISOString().slice(0, 10);
    const period = `&from=${from}&to=${to}&labId=LAB01`;

    const compliance = await admin.get<{ summary: { total: number }[] }>(`/api/reports/compliance?${period}`);
    expect(compliance.status, compliance.text).toBe(200);
    const records = await readAll('PmRecords', { key: keys.lab01! }, `&$filter=${encodeURIComponent(`PeriodStart ge ${from} and PeriodStart le ${to}`)}`, 1000);
    expect(records.count).toBe(compliance.body.summary.reduce((sum, row) => sum + row.total, 0));
    expect(records.rows.length).toBe(records.count);

    const calibration = await admin.get<{ certificates: unknown[] }>(`/api/reports/calibration?${period}`);
    expect(calibration.status, calibration.text).toBe(200);
    const calibrations = await readAll(
      'Calibrations',
      { key: keys.lab01! },
      `&$filter=${encodeURIComponent(`PerformedOn ge ${from} and PerformedOn le ${to}`)}`,
    );
    expect(calibrations.count).toBe(calibration.body.certificates.length);

    const nonconformity = await admin.get<{ labs: { labId: string; opened: number; open: number }[] }>(`/api/reports/nonconformities?${period}`);
    expect(nonconformity.status, nonconformity.text).toBe(200);
    const opened = (await readAll('Nonconformities', { key: keys.lab01! })).rows.filter(
      (row) => (row.OpenedOn as string) >= from && (row.OpenedOn as string) <= to,
    );
    expect(opened.length).toBe(nonconformity.body.labs.find((lab) => lab.labId === 'LAB01')!.opened);
  });

  it('filters with eq, ne, gt, ge, lt, le, and, or; selects; tops; and refuses what it cannot do with a sentence in OData’s error format', async () => {
    const key = { key: keys.lab01! };
    const all = (await readAll('PmRecords', key, '', 1000)).rows;
    const filtered = await readAll(
      'PmRecords',
      key,
      `&$filter=${encodeURIComponent("(Status eq 'Completed' or Status eq 'Missed') and Late ne true and Frequency ne 'Daily'")}`,
      1000,
    );
    expect(filtered.rows.length).toBe(
      all.filter((row) => (row.Status === 'Completed' || row.Status === 'Missed') && row.Late !== true && row.Frequency !== 'Daily').length,
    );
    const someTime = all[Math.floor(all.length / 2)]!.DueEnd as string;
    const before = await readAll('PmRecords', key, `&$filter=${encodeURIComponent(`DueEnd lt ${someTime}`)}`, 1000);
    const after = await readAll('PmRecords', key, `&$filter=${encodeURIComponent(`DueEnd gt ${someTime}`)}`, 1000);
    const at = await readAll('PmRecords', key, `&$filter=${encodeURIComponent(`DueEnd ge ${someTime} and DueEnd le ${someTime}`)}`, 1000);
    expect(before.rows.length + after.rows.length + at.rows.length).toBe(all.length);
    expect((await readAll('PmRecords', key, `&$filter=${encodeURIComponent('CompletedAt eq null')}`, 1000)).rows.every((row) => row.CompletedAt === null)).toBe(
      true,
    );

    const selected = await fetchFeed('/api/odata/PmRecords?$select=RecordNumber,Status&$top=5', key);
    expect(selected.body.value).toHaveLength(5);
    expect(Object.keys(selected.body.value[0]!)).toEqual(['RecordNumber', 'Status']);
    expect(selected.body['@odata.context']).toMatch(/\$metadata#PmRecords\(RecordNumber,Status\)$/);
    expect(selected.body['@odata.nextLink']).toBeUndefined();
    const topped = await readAll('Equipment', key, '&$top=7', 3);
    expect(topped.rows).toHaveLength(7);
    expect(topped.pages).toBe(3);

    const refusals: [string, number, RegExp][] = [
      ["PmRecords?$filter=Colour eq 'red'", 400, /^PmRecords has no property Colour/],
      ['PmRecords?$filter=CompletedOn eq 2026-01-01', 400, /^CompletedOn is worked out for each row and cannot be filtered on/],
      ['PmRecords?$filter=PeriodStart eq 5', 400, /^PeriodStart is compared with 5, but it takes a date such as 2026-01-31\.$/],
      ["PmRecords?$filter=contains(Status,'x')", 400, /\$filter cannot use/],
      ['PmRecords?$filter=Status eq', 400, /^\$filter could not be read/],
      ['PmRecords?$orderby=Status', 400, /^This feed does not support \$orderby/],
      ['PmRecords?$skiptoken=garbage', 400, /^The \$skiptoken is not one this feed gave out/],
      ['Widgets', 404, /^There is no entity set Widgets/],
    ];
    for (const [path, status, message] of refusals) {
      const answer = await fetchFeed(`/api/odata/${path}`, key);
      expect(answer.status, path).toBe(status);
      expect(answer.body.error?.message, path).toMatch(message);
    }
  });

  it('reads a page of up to 1,000 rows from one lab’s partition: one query, no query across partitions, and the key in one point read and one counter write', async () => {
    await fetchFeed('/api/odata/PmRecords', { key: keys.lab01! });
    const { result, counts } = await product.countCosmosRequests(() => fetchFeed('/api/odata/PmRecords', { key: keys.lab01! }));
    expect(result.status).toBe(200);
    expect(result.body.value.length).toBeGreaterThan(0);
    expect(counts.crossPartitionQueries).toBe(0);
    expect(counts.queries).toBe(1);
    expect(counts.total).toBeLessThanOrEqual(3);
  });

  it('refuses no key, a key without feed:read and a technician, and shows each key and role only its labs', async () => {
    const none = await product.client().get<{ error: { code: string; message: string } }>('/api/odata/PmRecords');
    expect(none.status).toBe(401);
    expect(none.body.error.message).toBe(
      'Send an API key allowing feed:read in the X-Api-Key header, a Microsoft Entra access token in X-Entra-Token, or sign in.',
    );
    const fitnessOnly = await fetchFeed('/api/odata/PmRecords', { key: keys.fitnessOnly! });
    expect(fitnessOnly.status).toBe(403);
    expect(fitnessOnly.body.error?.message).toBe('The API key "fitnessOnly" does not allow feed:read; it allows fitness:read.');
    const technician = await fetchFeed('/api/odata/PmRecords', { session: await product.signedIn('tech1') });
    expect(technician.status).toBe(403);

    const labsOf = async (credentials: Credentials) => {
      const seen = new Set<unknown>();
      for (const set of ['Labs', 'Equipment', 'PmRecords', 'Calibrations', 'Nonconformities'])
        for (const row of (await readAll(set, credentials, '&$select=LabId', 1000)).rows) seen.add(row.LabId);
      return [...seen].sort();
    };
    expect(await labsOf({ key: keys.lab02! })).toEqual(['LAB02']);
    // The demo's manager1 manages LAB01 and LAB02; a local auditor reads LAB01 only.
    expect(await labsOf({ session: await product.signedIn('manager1') })).toEqual(['LAB01', 'LAB02']);
    expect(await labsOf({ session: await product.signedIn('localaudit1') })).toEqual(['LAB01']);
    const everyLab = await labsOf({ session: admin });
    expect(everyLab.length).toBeGreaterThan(1);
    // A filter naming another lab finds nothing there, rather than reading it.
    const asked = await readAll('PmRecords', { key: keys.lab02! }, `&$filter=${encodeURIComponent("LabId eq 'LAB01'")}`);
    expect(asked.rows).toEqual([]);
  });
});
