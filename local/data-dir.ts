import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from './snapshot.js';

/** Fails with a one-line reason when the folder cannot be created or written. */
export async function ensureWritableDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    const probe = join(dir, `.write-probe-${process.pid}`);
    await writeFile(probe, 'ok');
    await rm(probe);
  } catch (error) {
    throw new Error(
      `The data folder ${dir} is not writable (${(error as NodeJS.ErrnoException).code ?? 'error'}); set LOCAL_DATA_DIR to a folder you can write`,
    );
  }
}

/** A random value kept in the data folder, so it survives restarts without ever being committed. */
export async function persistentRandomValue(dir: string, name: string, bytes: number): Promise<string> {
  const path = join(dir, name);
  try {
    const existing = (await readFile(path, 'utf8')).trim();
    if (existing) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const value = randomBytes(bytes).toString('base64url');
  await writeFileAtomically(path, value);
  return value;
}
