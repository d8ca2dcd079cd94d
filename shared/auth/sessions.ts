import type { Cookie, HttpRequest } from '@azure/functions';
import { randomBytes } from 'node:crypto';
import { createSession, deleteSession, newSessionId, readSessionAndUser, saveSession, type SessionDocument } from '../data/sessions-repository.js';
import type { UserDocument } from '../data/users-repository.js';
import { settings } from '../platform/config.js';
import { buildCookie, expiredCookie, readCookie } from './cookies.js';
import { signToken, verifyToken } from './session-tokens.js';

/** Activity is written back at most this often, so a busy session does not cost a write per request. */
const lastSeenResolutionMs = 60_000;

export interface StartedSession {
  session: SessionDocument;
  cookie: Cookie;
}

export async function startSession(user: UserDocument, origin: string, logoutHint?: string): Promise<StartedSession> {
  const now = new Date();
  const { SESSION_ABSOLUTE_HOURS, SESSION_COOKIE_NAME } = settings();
  const lifetimeSeconds = SESSION_ABSOLUTE_HOURS * 3600;
  const expiresAt = new Date(now.getTime() + lifetimeSeconds * 1000);
  const session: SessionDocument = {
    id: newSessionId(),
    type: 'session',
    username: user.username,
    authMethod: user.authMethod,
    csrfToken: randomBytes(32).toString('base64url'),
    createdAt: now.toISOString(),
    lastSeenAt: now.toISOString(),
    expiresAt: expiresAt.toISOString(),
    ttl: lifetimeSeconds,
    ...(logoutHint ? { logoutHint } : {}),
  };
  await createSession(session);
  const token = await signToken('session', { sid: session.id }, user.username, expiresAt);
  return { session, cookie: buildCookie(SESSION_COOKIE_NAME, token, origin, { maxAgeSeconds: lifetimeSeconds, sameSite: 'Strict' }) };
}

export function endedSessionCookie(origin: string): Cookie {
  return expiredCookie(settings().SESSION_COOKIE_NAME, origin);
}

function isPastIdle(session: SessionDocument, now: Date): boolean {
  return now.getTime() - Date.parse(session.lastSeenAt) > settings().SESSION_IDLE_MINUTES * 60_000;
}

/**
 * The session and its user when the cookie's token is valid and the server-side record says the
 * session is still alive; null otherwise. Expired records are deleted on the way.
 */
export async function resolveSession(request: HttpRequest): Promise<{ session: SessionDocument; user: UserDocument } | null> {
  const token = readCookie(request, settings().SESSION_COOKIE_NAME);
  if (!token) return null;
  const claims = await verifyToken('session', token);
  if (!claims || typeof claims.sid !== 'string') return null;
  // The signed token names the user, whose partition holds the session: one request reads both.
  const found = await readSessionAndUser(claims.sub, claims.sid);
  if (!found) return null;
  const { session, user } = found;
  const now = new Date();
  if (now.toISOString() >= session.expiresAt || isPastIdle(session, now)) {
    await deleteSession(session.username, session.id);
    return null;
  }
  // Wrong passwords typed elsewhere may lock the account against new sign-ins, but do not end the
  // session its owner holds: a manager who locks or disables an account ends its sessions there.
  if (!user || user.document.status === 'Disabled') return null;
  if (now.getTime() - Date.parse(session.lastSeenAt) > lastSeenResolutionMs) {
    session.lastSeenAt = now.toISOString();
    await saveSession(session);
  }
  return { session, user: user.document };
}
