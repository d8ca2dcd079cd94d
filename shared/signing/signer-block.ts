import type { Principal } from '../platform/http-pipeline.js';
import type { Signature } from '../schemas/records.js';

/** Who signed, what their signature means, when, and how they proved who they are: the block every signed thing carries before its content hash. */
export type SignerBlock = Omit<Signature, 'contentHash'>;

export function signerBlock(
  principal: Pick<Principal, 'username' | 'displayName'>,
  meaning: string,
  method: Signature['method'],
  signedAt = new Date().toISOString(),
): SignerBlock {
  return { username: principal.username, displayName: principal.displayName, meaning, signedAt, method };
}
