import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Hashes of earlier releases: `scrypt$ln=17,r=8,p=1$<salt>$<hash>`, salt and hash in unpadded base64.
 * They go on verifying until their owner's next sign-in or signature replaces them with Argon2id.
 */
export interface ScryptParameters {
  logN: number;
  r: number;
  p: number;
}

const keyLength = 32;

function derive(password: string, salt: Buffer, parameters: ScryptParameters): Promise<Buffer> {
  const options: ScryptOptions = {
    N: 2 ** parameters.logN,
    r: parameters.r,
    p: parameters.p,
    // Node's default ceiling (32 MiB) is below what the parameters of earlier releases need.
    maxmem: 2 * 128 * 2 ** parameters.logN * parameters.r,
  };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

const hashFormat = /^scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

export function isScryptHash(stored: string): boolean {
  return hashFormat.test(stored);
}

/** Makes a hash as earlier releases stored it: what accounts created before Argon2id still carry. */
export async function scryptHash(password: string, parameters: ScryptParameters): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, parameters);
  return `scrypt$ln=${parameters.logN},r=${parameters.r},p=${parameters.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyScryptHash(password: string, stored: string): Promise<boolean> {
  const match = hashFormat.exec(stored);
  if (!match) return false;
  const [, logN, r, p, salt, key] = match;
  const expected = Buffer.from(key!, 'base64url');
  const candidate = await derive(password, Buffer.from(salt!, 'base64url'), { logN: Number(logN), r: Number(r), p: Number(p) });
  return candidate.length === expected.length && timingSafeEqual(candidate, expected);
}
