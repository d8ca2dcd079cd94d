import { createHash } from 'node:crypto';
import { canonicalJson } from './audit-chain.js';

/**
 * SHA-256 of a stored document's content, without the database's own properties (`_etag`, `_ts`, ...):
 * audit entries keep it, so a record changed behind the product's back no longer matches its trail.
 */
export function contentHash(document: object): string {
  const content = Object.fromEntries(Object.entries(document).filter(([key]) => !key.startsWith('_')));
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}
