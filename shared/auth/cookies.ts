import type { Cookie, HttpRequest } from '@azure/functions';

/** Browsers accept cookies without Secure only on plain-http localhost, where there is no TLS to ask for. */
export function needsSecureCookies(origin: string): boolean {
  const url = new URL(origin);
  const localHost = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  return !(url.protocol === 'http:' && localHost);
}

/**
 * Never a Domain attribute: the cookie stays with the exact host that set it. SameSite is Strict for
 * the session and Lax for the short-lived sign-in flow cookie, which must survive the redirect back
 * from Microsoft.
 */
export function buildCookie(name: string, value: string, origin: string, options: { maxAgeSeconds: number; sameSite: 'Strict' | 'Lax' }): Cookie {
  return {
    name,
    value,
    path: '/',
    httpOnly: true,
    secure: needsSecureCookies(origin),
    sameSite: options.sameSite,
    maxAge: options.maxAgeSeconds,
  };
}

export function expiredCookie(name: string, origin: string, sameSite: 'Strict' | 'Lax' = 'Strict'): Cookie {
  return { ...buildCookie(name, '', origin, { maxAgeSeconds: 0, sameSite }), expires: new Date(0) };
}

export function readCookie(request: HttpRequest, name: string): string | undefined {
  const header = request.headers.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    if (part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}

/** How a Cookie is written in a Set-Cookie header (used by the local host and tests). */
export function serializeCookie(cookie: Cookie): string {
  const parts = [`${cookie.name}=${cookie.value}`];
  if (cookie.path) parts.push(`Path=${cookie.path}`);
  if (cookie.domain) parts.push(`Domain=${cookie.domain}`);
  if (cookie.maxAge !== undefined) parts.push(`Max-Age=${cookie.maxAge}`);
  if (cookie.expires) parts.push(`Expires=${new Date(cookie.expires).toUTCString()}`);
  if (cookie.secure) parts.push('Secure');
  if (cookie.httpOnly) parts.push('HttpOnly');
  if (cookie.sameSite) parts.push(`SameSite=${cookie.sameSite}`);
  return parts.join('; ');
}
