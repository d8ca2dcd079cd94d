import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

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
  /** The journal segments numbered below this one are in the snapshot; absent in snapshots of earlier releases. */
  journalNext?: number;
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
  await Promise.all(names.filter((name) => name.startsWith(`${base}.`) && name.endsWith('.tmp')).map((name) => rm(join(dirname(path), name), { force: true })));
}
