import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { optionalSecret, requiredSecret } from '../platform/secrets.js';

const issuer = 'equipmansys';
const algorithm = 'HS256';

export type TokenPurpose = 'session' | 'signin-flow' | 'unsubscribe' | 'audit-verification' | 'device';

const audiences: Record<TokenPurpose, string> = {
  session: 'equipmansys-api',
  'signin-flow': 'equipmansys-signin-flow',
  unsubscribe: 'equipmansys-unsubscribe',
  'audit-verification': 'equipmansys-audit-verification',
  device: 'equipmansys-recognised-device',
};

const importedKeys = new Map<string, Promise<CryptoKey>>();

/**
 * The secret as a key for HS256, imported once per secret (a rotation adds one): every signed-in
 * request verifies a token, and importing raw bytes each time cost more than the verification.
 */
function hmacKey(secret: string): Promise<CryptoKey> {
  if (secret.length < 32) throw new Error('The session signing key must be at least 32 characters');
  let key = importedKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    importedKeys.set(secret, key);
  }
  return key;
}

async function signingKey(): Promise<CryptoKey> {
  return hmacKey(await requiredSecret('sessionSigningKey'));
}

/**
 * The current key, then the one it replaced while that is still configured, so rotating the key does
 * not sign everyone out: tokens signed before the rotation verify until they expire.
 */
async function verificationKeys(): Promise<CryptoKey[]> {
  const [current, previous] = await Promise.all([requiredSecret('sessionSigningKey'), optionalSecret('previousSessionSigningKey')]);
  return Promise.all(previous && previous !== current ? [hmacKey(current), hmacKey(previous)] : [hmacKey(current)]);
}

export async function signToken(purpose: TokenPurpose, claims: Record<string, string>, subject: string, expiresAt: Date): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: algorithm, typ: 'JWT' })
    .setIssuer(issuer)
    .setAudience(audiences[purpose])
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(await signingKey());
}

/**
 * The token's claims when its signature, algorithm, issuer, audience and expiry all hold; null for
 * any token that does not, whatever the reason.
 */
export async function verifyToken(purpose: TokenPurpose, token: string): Promise<(Record<string, unknown> & { sub: string }) | null> {
  for (const key of await verificationKeys()) {
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: [algorithm],
        issuer,
        audience: audiences[purpose],
        requiredClaims: ['sub', 'exp', 'iat'],
        clockTolerance: 0,
      });
      return payload as Record<string, unknown> & { sub: string };
    } catch (error) {
      // Only a signature made with another key sends the token on to the next key.
      if (error instanceof joseErrors.JWSSignatureVerificationFailed) continue;
      if (error instanceof joseErrors.JOSEError) return null;
      throw error;
    }
  }
  return null;
}
