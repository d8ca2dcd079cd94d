import { parentPort, workerData } from 'node:worker_threads';
import { foldJournal, readSegment, segmentPath, type ContainerDefinition } from './journal.js';
import { readSnapshot, snapshotPath, writeFileAtomically } from './snapshot.js';

export interface CompactionOrder {
  dataDir: string;
  database: string;
  containers: ContainerDefinition[];
  /** Fold every segment from the snapshot's `journalNext` up to and including this one. */
  through: number;
}

/**
 * Folds closed journal segments into the snapshot, on a thread of its own: at a year of records
 * parsing and writing the snapshot takes seconds that the local host's event loop must not spend.
 */
async function compact({ dataDir, database, containers, through }: CompactionOrder): Promise<number[]> {
  const path = snapshotPath(dataDir);
  const snapshot = await readSnapshot(path);
  const from = snapshot?.journalNext ?? 0;
  if (through < from) return [];
  const segments = Array.from({ length: Math.max(0, through - from + 1) }, (_, index) => from + index);
  const lines = segments.flatMap((segment) => {
    try {
      return readSegment(segmentPath(dataDir, segment));
    } catch (error) {
      // A segment that was never opened (no request changed anything while it was current) is empty.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  });
  await writeFileAtomically(path, JSON.stringify(foldJournal(snapshot, lines, { database, containers, journalNext: through + 1 })));
  return segments;
}

compact(workerData as CompactionOrder).then(
  (folded) => parentPort!.postMessage({ folded }),
  (error: unknown) => parentPort!.postMessage({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
);
