import { createHash, randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { localBreakGlassFile } from '../shared/setup/break-glass.js';
import { writeFileAtomically } from './snapshot.js';

/**
 * A new local break-glass token: only its SHA-256 is kept in the data folder (replacing any earlier
 * one), and the token itself is returned to be shown once. The product spends it at its first use.
 */
export async function newLocalBreakGlassToken(dataDir: string): Promise<string> {
  const token = randomBytes(24).toString('base64url');
  await mkdir(dataDir, { recursive: true });
  await writeFileAtomically(join(dataDir, localBreakGlassFile), createHash('sha256').update(token, 'utf8').digest('hex'));
  return token;
}
