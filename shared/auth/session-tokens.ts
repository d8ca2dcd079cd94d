import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { requiredSecret } from '../platform/secrets.js';

const issuer = 'equipmansys';
const algorithm = 'HS256';

export type TokenPurpose = 'session' | 'signin-flow';

const audiences: Record<TokenPurpose, string> = {
  session: 'equipmansys-api',
  'signin-flow': 'equipmansys-signin-flow',
};

async function signingKey(): Promise<Uint8Array> {
  const secret = await requiredSecret('sessionSigningKey');
  if (secret.length < 32) throw new Error('The session signing key must be at least 32 characters');
  return new TextEncoder().encode(secret);
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
  try {
    const { payload } = await jwtVerify(token, await signingKey(), {
      algorithms: [algorithm],
      issuer,
      audience: audiences[purpose],
      requiredClaims: ['sub', 'exp', 'iat'],
      clockTolerance: 0,
    });
    return payload as Record<string, unknown> & { sub: string };
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) return null;
    throw error;
  }
}
