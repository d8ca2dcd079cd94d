import { hash, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';
import { settings } from '../platform/config.js';
import { isScryptHash, verifyScryptHash } from './scrypt-hashes.js';

/**
 * Passwords are stored as Argon2id PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`), so
 * each hash names its own cost and the cost can be raised without breaking the hashes already stored.
 * The native library hashes on libuv's thread pool: a sign-in never blocks the event loop.
 */
/** The library's `Algorithm.Argon2id`, a const enum that isolated modules cannot read. */
const argon2id = 2;

export interface Argon2Parameters {
  memoryKib: number;
  iterations: number;
}

export function currentParameters(): Argon2Parameters {
  return { memoryKib: settings().PASSWORD_HASH_MEMORY_KIB, iterations: settings().PASSWORD_HASH_ITERATIONS };
}

export async function hashPassword(password: string): Promise<string> {
  const { memoryKib, iterations } = currentParameters();
  return hash(password.normalize('NFC'), { algorithm: argon2id, memoryCost: memoryKib, timeCost: iterations, parallelism: 1 });
}

const argon2Format = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (isScryptHash(stored)) return verifyScryptHash(password, stored);
  if (!argon2Format.test(stored)) return false;
  return verify(stored, password.normalize('NFC'));
}

/** True when the hash is scrypt, or Argon2id cheaper than today's setting: the next success stores a new one. */
export function needsRehash(stored: string): boolean {
  const match = argon2Format.exec(stored);
  if (!match) return true;
  const { memoryKib, iterations } = currentParameters();
  return Number(match[1]) < memoryKib || Number(match[2]) < iterations || Number(match[3]) !== 1;
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same effort as a real check, so that a name with no account takes as long to refuse as a
 * wrong password.
 */
export async function verifyAgainstNothing(password: string): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(24).toString('base64url'));
  await verifyPassword(password, await dummyHash);
  return false;
}
