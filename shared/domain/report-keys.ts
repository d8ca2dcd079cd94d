import { randomBytes, timingSafeEqual } from 'node:crypto';

/** 128 random bits, URL-safe: a label's report key cannot be guessed from the serial number or another label. */
export function newReportKey(): string {
  return randomBytes(16).toString('base64url');
}

/** Whether the key sent is the machine's, compared in constant time; a machine without a key matches nothing. */
export function reportKeyMatches(stored: string | undefined, sent: string | undefined): boolean {
  if (!stored || !sent) return false;
  const a = Buffer.from(stored);
  const b = Buffer.from(sent);
  return a.length === b.length && timingSafeEqual(a, b);
}
