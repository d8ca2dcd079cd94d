import { CosmosClient } from '@azure/cosmos';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmbeddedCosmos } from '../local/embedded-store/server.js';
import { openEmbeddedPersistence, type EmbeddedPersistence } from '../local/persistence.js';
import type { Snapshot } from '../local/snapshot.js';

/**
 * The embedded store with its journal and compaction, as the local host runs it, on a data folder of
 * the test's own; two starts in a row stand for a restart.
 */
let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ems-journal-store-'));
});
afterEach(async () => rm(dataDir, { recursive: true, force: true }));

async function openStore(compactAtBytes?: number) {
  const journal: { persistence?: EmbeddedPersistence } = {};
  const store = await startEmbeddedCosmos({ beforeAnswer: () => journal.persistence?.flush() });
  const client = new CosmosClient({ endpoint: store.connection.endpoint, key: store.connection.key, connectionPolicy: { enableEndpointDiscovery: false } });
  const { database } = await client.databases.createIfNotExists({ id: 'equipmansys' });
  const { container } = await database.containers.createIfNotExists({ id: 'records', partitionKey: { paths: ['/labId'] } });
  const logged: string[] = [];
  const persistence = await openEmbeddedPersistence({
    dataDir,
    database: 'equipmansys',
    client,
    insert: store.insert,
    log: (line) => logged.push(line),
    ...(compactAtBytes ? { compactAtBytes } : {}),
  });
  journal.persistence = persistence;
  return {
    records: container,
    persistence,
    logged,
    close: async () => {
      await store.close();
      await persistence.close();
    },
  };
}

const journalFiles = async () => (await readdir(dataDir)).filter((name) => name.startsWith('cosmos-journal-')).sort();

describe('the embedded store on its journal', () => {
  it('folds the journal into the snapshot on a worker thread as it grows, and a restart finds every answered write', async () => {
    const first = await openStore(4096);
    const bodies = Array.from({ length: 120 }, (_, index) => ({ id: `R-${index}`, labId: index % 2 ? 'LAB01' : 'LAB02', note: 'x'.repeat(200), index }));
    for (const body of bodies) await first.records.items.create(body);
    await first.records.item('R-7', 'LAB01').delete();
    await first.records.item('R-8', 'LAB02').replace({ ...bodies[8]!, note: 'changed' });
    await first.close();
    expect(first.logged).toEqual([]);
    const snapshot = JSON.parse(await readFile(join(dataDir, 'cosmos-snapshot.json'), 'utf8')) as Snapshot;
    // Compactions ran while the writes went on: the first began once 4 KiB were journaled and close waits
    // for the one under way, so the snapshot holds those writes. How many more it holds depends on how
    // fast the worker ran beside the writes, which a loaded machine decides.
    expect(snapshot.containers.find((container) => container.id === 'records')!.items.length).toBeGreaterThan(0);
    expect((await journalFiles()).length).toBeLessThanOrEqual(2);

    const second = await openStore();
    try {
      expect(second.persistence.restored).toBe(119);
      const { resources } = await second.records.items.readAll<{ id: string; note: string }>().fetchAll();
      expect(resources.map((item) => item.id).sort()).toEqual(
        bodies
          .map((body) => body.id)
          .filter((id) => id !== 'R-7')
          .sort(),
      );
      expect(resources.find((item) => item.id === 'R-8')!.note).toBe('changed');
      // The replayed segments are folded on the worker while the store already answers.
      await second.persistence.compact();
      expect(await journalFiles()).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it('journals a failed batch as what the store holds after it: nothing of it, even for operations without a partition key of their own', async () => {
    const store = await openStore();
    try {
      await store.records.items.create({ id: 'taken', labId: 'LAB01' });
      const refused = await store.records.items.batch(
        [
          { operationType: 'Create', resourceBody: { id: 'fresh', labId: 'LAB01' } },
          { operationType: 'Create', resourceBody: { id: 'taken', labId: 'LAB01' } },
        ],
        'LAB01',
      );
      expect(refused.result?.[1]?.statusCode).toBe(409);
      const [segment] = await journalFiles();
      const lines = (await readFile(join(dataDir, segment!), 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { id: string; d: unknown });
      // The batch's create was undone in the store: its line says the document is absent, never present.
      expect((await store.records.item('fresh', 'LAB01').read()).statusCode).toBe(404);
      expect(lines.filter((line) => line.id === 'fresh' && line.d !== null)).toEqual([]);
      expect(lines.filter((line) => line.id === 'taken')).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});
