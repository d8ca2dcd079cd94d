import type { CosmosClient } from '@azure/cosmos';
import { readdir } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { stripSystemProperties } from '../shared/data/audited-write.js';
import { containerDefinitions } from '../shared/data/containers.js';
import type { CompactionOrder } from './compaction-worker.js';
import { takeDocumentChanges, trackDocumentChanges } from './embedded-store/corrections.js';
import { foldJournal, journalSegments, JournalWriter, readSegment, removeSegments, segmentPath, type JournalLine } from './journal.js';
import { readSnapshot, removeInterruptedWrites, snapshotPath, type Snapshot } from './snapshot.js';

/** A segment this large is closed and folded into the snapshot off the main thread. */
const defaultCompactAtBytes = 8 * 1024 * 1024;
/** How long after start the journal replayed at start is folded. */
const replayedFoldDelayMs = 10_000;

const declaredContainers = Object.values(containerDefinitions).map(({ id, partitionKey, ...rest }) => ({
  id,
  partitionKey,
  ...('defaultTtl' in rest ? { defaultTtl: rest.defaultTtl } : {}),
}));

export interface EmbeddedPersistence {
  /** Appends what the requests so far changed to the journal; the store calls it before every answer. */
  flush: () => void;
  /** Folds the journal into the snapshot now, and waits for it. */
  compact: () => Promise<void>;
  /** Waits for a compaction under way; the journal already holds every answered write. */
  close: () => Promise<void>;
  /** Documents put back from the data folder at start. */
  restored: number;
}

type StoreInsert = (databaseId: string, containerId: string, documents: readonly Record<string, unknown>[]) => number;

export interface PersistenceOptions {
  dataDir: string;
  database: string;
  client: CosmosClient;
  /** The embedded store's direct insert (EmbeddedCosmos.insert). */
  insert: StoreInsert;
  log: (line: string) => void;
  compactAtBytes?: number;
}

/**
 * Where the compaction worker's bundle is: beside the running bundle in dist/local, or, when the
 * sources run under the test runner, in the dist/local the test setup built.
 */
function compactionWorkerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../dist/local/compaction-worker.js', here) : new URL('./compaction-worker.js', here);
}

/**
 * Start-up: the snapshot, then every journal segment it does not hold, put back into the empty store;
 * when there were segments, one new snapshot holds everything and they are removed. From then on
 * every change is journaled before it is answered.
 */
export async function openEmbeddedPersistence(options: PersistenceOptions): Promise<EmbeddedPersistence> {
  const { dataDir, database, client, insert, log } = options;
  const path = snapshotPath(dataDir);
  await removeInterruptedWrites(path, await readdir(dataDir));
  const snapshot = await readSnapshot(path);
  const next = snapshot?.journalNext ?? 0;
  const segments = journalSegments(dataDir);
  removeSegments(
    dataDir,
    segments.filter((segment) => segment < next),
  );
  const pending = segments.filter((segment) => segment >= next);
  const last = pending.at(-1) ?? next - 1;
  const state = pending.length
    ? foldJournal(
        snapshot,
        pending.flatMap((segment) => readSegment(segmentPath(dataDir, segment))),
        { database, containers: declaredContainers, journalNext: last + 1 },
      )
    : snapshot;
  const restored = state ? await restoreSnapshot(client, insert, state) : 0;

  trackDocumentChanges();
  // What the restore itself wrote is in the data folder already.
  takeDocumentChanges();
  const writer = new JournalWriter(dataDir, last + 1);
  const compactAt = options.compactAtBytes ?? defaultCompactAtBytes;
  let unwritten: JournalLine[] = [];
  let compaction: Promise<void> | undefined;
  let closing = false;
  let foldReplayed: NodeJS.Timeout | undefined;

  /** Folds every closed segment up to `through`: by default the current one, which is closed first. */
  const compact = (through?: number): Promise<void> => {
    if (compaction) return compaction;
    // Any fold takes in the segments replayed at start.
    clearTimeout(foldReplayed);
    const order: CompactionOrder = { dataDir, database, containers: declaredContainers, through: through ?? writer.rotate() };
    compaction = runCompaction(order)
      .then((folded) => removeSegments(dataDir, folded))
      .catch((error: unknown) => log(`Could not fold the journal into ${path} (the journal keeps everything; the next start tries again): ${String(error)}`))
      .finally(() => {
        compaction = undefined;
        if (!closing && writer.bytes >= compactAt) void compact();
      });
    return compaction;
  };

  // The segments just replayed are folded into the snapshot on the worker once the product is up:
  // on a machine of two cores the fold would otherwise slow the start it is not needed for.
  if (pending.length) foldReplayed = setTimeout(() => void compact(last), replayedFoldDelayMs);

  return {
    restored,
    flush: () => {
      const lines = unwritten.concat(
        takeDocumentChanges().map(({ container, partition, id, document }) => ({
          c: container,
          k: partition ?? null,
          id,
          d: document && stripSystemProperties(document),
        })),
      );
      if (lines.length === 0) return;
      unwritten = lines;
      writer.append(lines);
      unwritten = [];
      if (!closing && writer.bytes >= compactAt) void compact();
    },
    compact: async () => {
      await compaction;
      if (writer.bytes === 0 && journalSegments(dataDir).length === 0) return;
      await compact();
    },
    close: async () => {
      clearTimeout(foldReplayed);
      closing = true;
      await compaction;
      writer.close();
    },
  };
}

function runCompaction(order: CompactionOrder): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(compactionWorkerUrl(), { workerData: order });
    worker.once('message', (message: { folded?: number[]; error?: string }) => (message.folded ? resolve(message.folded) : reject(new Error(message.error))));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the compaction worker stopped with code ${code}`)));
  });
}

/**
 * Containers as the snapshot declares them, then their documents straight into the store: a year of
 * data is about 140,000 documents, which over HTTP and the SDK took a quarter of a minute.
 */
async function restoreSnapshot(client: CosmosClient, insert: StoreInsert, snapshot: Snapshot): Promise<number> {
  const { database } = await client.databases.createIfNotExists({ id: snapshot.database });
  let restored = 0;
  for (const definition of snapshot.containers) {
    await database.containers.createIfNotExists({
      id: definition.id,
      partitionKey: { paths: [definition.partitionKey] },
      ...(definition.defaultTtl !== undefined ? { defaultTtl: definition.defaultTtl } : {}),
    });
    restored += insert(snapshot.database, definition.id, definition.items);
  }
  return restored;
}
