import type { Cookie, HttpRequest } from '@azure/functions';
import { settings } from '../platform/config.js';
import { buildCookie, readCookie } from './cookies.js';
import { signToken, verifyToken } from './session-tokens.js';

/**
 * A browser where an account signed in with its password carries a signed cookie naming it, so that
 * wrong passwords typed elsewhere (a stranger's guesses) cannot pause or lock that account there.
 * The cookie proves only a past sign-in on this device: the password is still checked every time.
 */
const lifetimeDays = 180;
/** A shared lab PC signs in several people; beyond this the longest unseen falls off. */
const maxAccounts = 10;

/** Named after the session cookie, so a `__Host-` prefix chosen for one applies to both. */
function deviceCookieName(): string {
  return `${settings().SESSION_COOKIE_NAME}_device`;
}

async function accountsOn(request: HttpRequest): Promise<string[]> {
  const token = readCookie(request, deviceCookieName());
  if (!token) return [];
  const claims = await verifyToken('device', token);
  return typeof claims?.accounts === 'string' ? claims.accounts.split(' ').filter(Boolean) : [];
}

export async function isRecognisedDevice(request: HttpRequest, username: string): Promise<boolean> {
  return (await accountsOn(request)).includes(username);
}

/** The device cookie after a sign-in of this account: it first, the others it already named after. */
export async function deviceCookieAfterSignIn(request: HttpRequest, username: string, origin: string): Promise<Cookie> {
  const accounts = [username, ...(await accountsOn(request)).filter((name) => name !== username)].slice(0, maxAccounts);
  const lifetimeSeconds = lifetimeDays * 86_400;
  const token = await signToken('device', { accounts: accounts.join(' ') }, 'device', new Date(Date.now() + lifetimeSeconds * 1000));
  return buildCookie(deviceCookieName(), token, origin, { maxAgeSeconds: lifetimeSeconds, sameSite: 'Strict' });
}
