import type { CosmosClient, JSONObject } from '@azure/cosmos';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { assertBatchSucceeded, stripSystemProperties } from '../shared/data/audited-write.js';

export interface ContainerSnapshot {
  id: string;
  partitionKey: string;
  defaultTtl?: number;
  items: Record<string, unknown>[];
}

export interface Snapshot {
  format: 'equipmansys-local-snapshot';
  version: 1;
  takenAt: string;
  database: string;
  containers: ContainerSnapshot[];
}

export const snapshotFileName = 'cosmos-snapshot.json';

export function snapshotPath(dataDir: string): string {
  return join(dataDir, snapshotFileName);
}

/**
 * Writes to a temporary file, flushes it to disk, then renames it over the old snapshot: a crash at
 * any moment leaves either the old snapshot or the new one, never a torn file.
 */
export async function writeFileAtomically(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
}

export async function readSnapshot(path: string): Promise<Snapshot | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<Snapshot>;
  if (parsed.format !== 'equipmansys-local-snapshot' || !Array.isArray(parsed.containers)) {
    throw new Error(`${path} is not a snapshot this version can read`);
  }
  return parsed as Snapshot;
}

/** Leftovers of writes that were interrupted; the snapshot they were meant to replace is intact. */
export async function removeInterruptedWrites(path: string, names: readonly string[]): Promise<void> {
  const base = path.split('/').pop()!;
  await Promise.all(
    names.filter((name) => name.startsWith(`${base}.`) && name.endsWith('.tmp')).map((name) => rm(join(dirname(path), name), { force: true })),
  );
}

export async function takeSnapshot(client: CosmosClient, databaseId: string): Promise<Snapshot> {
  const database = client.database(databaseId);
  const { resources: definitions } = await database.containers.readAll().fetchAll();
  const containers: ContainerSnapshot[] = [];
  for (const definition of definitions) {
    const { resources } = await database.container(definition.id).items.readAll<Record<string, unknown>>().fetchAll();
    containers.push({
      id: definition.id,
      partitionKey: definition.partitionKey?.paths?.[0] ?? '/id',
      ...(definition.defaultTtl !== undefined ? { defaultTtl: definition.defaultTtl } : {}),
      items: resources.map((item) => stripSystemProperties(item)),
    });
  }
  return { format: 'equipmansys-local-snapshot', version: 1, takenAt: new Date().toISOString(), database: databaseId, containers };
}

export async function restoreSnapshot(client: CosmosClient, snapshot: Snapshot): Promise<number> {
  const { database } = await client.databases.createIfNotExists({ id: snapshot.database });
  let restored = 0;
  for (const definition of snapshot.containers) {
    const { container } = await database.containers.createIfNotExists({
      id: definition.id,
      partitionKey: { paths: [definition.partitionKey] },
      ...(definition.defaultTtl !== undefined ? { defaultTtl: definition.defaultTtl } : {}),
    });
    // Upserts go in batches of one partition each: a year of records is a few hundred requests, not
    // tens of thousands.
    const batches = restoreBatches(definition);
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const { partitionKey, items } = batches[next++]!;
        const response = await container.items.batch(
          items.map((item) => ({ operationType: 'Upsert' as const, resourceBody: item as JSONObject, partitionKey })),
          partitionKey,
        );
        assertBatchSucceeded(response.result ?? [], `the restore of ${definition.id}`, response.code);
        restored += items.length;
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
  }
  return restored;
}

/** Cosmos DB takes at most 100 operations in one transactional batch. */
const restoreBatchSize = 100;

function restoreBatches(definition: ContainerSnapshot): { partitionKey: string; items: Record<string, unknown>[] }[] {
  const path = definition.partitionKey.slice(1).split('/');
  const byPartition = new Map<string, Record<string, unknown>[]>();
  for (const item of definition.items) {
    const value = path.reduce<unknown>((inner, name) => (inner as Record<string, unknown> | undefined)?.[name], item);
    if (typeof value !== 'string') throw new Error(`A document of ${definition.id} in the snapshot has no ${definition.partitionKey}: the snapshot is damaged`);
    const items = byPartition.get(value);
    if (items) items.push(item);
    else byPartition.set(value, [item]);
  }
  return [...byPartition].flatMap(([partitionKey, items]) =>
    Array.from({ length: Math.ceil(items.length / restoreBatchSize) }, (_, index) => ({ partitionKey, items: items.slice(index * restoreBatchSize, (index + 1) * restoreBatchSize) })),
  );
}
