import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One request and its answer as kept in the pack. */
export interface Exchange {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
  setCookies: string[];
  /** The evidence file, relative to the pack's folder. */
  evidence: string;
}

/** Values that would let a reader of the pack sign in or act as someone: kept out of the evidence. */
const secretFields = new Set(['password', 'currentPassword', 'newPassword', 'csrfToken', 'token']);
const secretHeaders = new Set(['cookie', 'set-cookie', 'x-csrf-token', 'authorization']);

function redacted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redacted);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, secretFields.has(key) ? '(withheld)' : redacted(inner)]));
  }
  return value;
}

/** A Set-Cookie line with its value withheld and its attributes kept: the attributes are what the IQ checks. */
export function cookieAttributesOnly(line: string): string {
  const [pair, ...attributes] = line.split(';');
  const name = pair!.slice(0, pair!.indexOf('=')).trim();
  return [`${name}=(withheld)`, ...attributes.map((attribute) => attribute.trim())].join('; ');
}

function headersForEvidence(headers: Headers | Record<string, string>): Record<string, string> {
  const entries: [string, string][] = [];
  if (headers instanceof Headers) headers.forEach((value, name) => entries.push([name, value]));
  else entries.push(...Object.entries(headers));
  return Object.fromEntries(entries.map(([name, value]) => [name, secretHeaders.has(name.toLowerCase()) ? '(withheld)' : value]));
}

/**
 * A browser-like client (cookies, Origin, the CSRF token on state-changing requests) that writes every
 * request and answer into the pack as a numbered JSON file, passwords, tokens and cookie values withheld.
 */
/** Files written so far per evidence folder: clients of several people share a folder, numbered in order. */
const filesInFolder = new Map<string, number>();

export class EvidenceClient {
  constructor(
    readonly baseUrl: string,
    private readonly packDir: string,
    /** The folder within the pack for this client's exchanges, e.g. evidence/oq/02-complete-record. */
    private readonly folder: string,
    /** Who this client signs in as, named in each file. */
    readonly actor: string,
    private readonly session: { cookies: Map<string, string>; csrfToken?: string } = { cookies: new Map() },
  ) {
    mkdirSync(join(packDir, folder), { recursive: true });
  }

  /** The same signed-in person, keeping what follows in another folder of the pack. */
  in(folder: string): EvidenceClient {
    return new EvidenceClient(this.baseUrl, this.packDir, folder, this.actor, this.session);
  }

  async request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Exchange> {
    const url = new URL(path, this.baseUrl);
    const headers: Record<string, string> = {};
    if (this.session.cookies.size > 0) headers.cookie = [...this.session.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    if (method !== 'GET') {
      headers.origin = new URL(this.baseUrl).origin;
      if (this.session.csrfToken) headers['x-csrf-token'] = this.session.csrfToken;
    }
    if (body !== undefined) headers['content-type'] = contentType;
    const sentAt = new Date().toISOString();
    const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), redirect: 'manual' });
    const setCookies = response.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(';');
      const name = pair!.slice(0, pair!.indexOf('=')).trim();
      const value = pair!.slice(pair!.indexOf('=') + 1).trim();
      if (value === '' || attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute))) this.session.cookies.delete(name);
      else this.session.cookies.set(name, value);
    }
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    const token = (parsed as { csrfToken?: unknown } | null)?.csrfToken;
    if (typeof token === 'string') this.session.csrfToken = token;

    const place = join(this.packDir, this.folder);
    const number = (filesInFolder.get(place) ?? 0) + 1;
    filesInFolder.set(place, number);
    const slug = url.pathname
      .replace(/^\/api\//, '')
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60);
    const evidence = join(this.folder, `${String(number).padStart(2, '0')}-${method}-${slug || 'root'}.json`);
    const kept = {
      actor: this.actor,
      request: { method, url: url.toString(), sentAt, headers: headersForEvidence(headers), body: redacted(body) ?? null },
      response: {
        status: response.status,
        headers: { ...headersForEvidence(response.headers), ...(setCookies.length ? { 'set-cookie': setCookies.map(cookieAttributesOnly) } : {}) },
        body: redacted(parsed),
      },
    };
    writeFileSync(join(this.packDir, evidence), `${JSON.stringify(kept, null, 2)}\n`);
    return { status: response.status, headers: response.headers, body: parsed, text, setCookies, evidence };
  }

  get(path: string) {
    return this.request('GET', path);
  }

  post(path: string, body?: unknown) {
    return this.request('POST', path, body);
  }

  put(path: string, body?: unknown) {
    return this.request('PUT', path, body);
  }

  patch(path: string, body?: unknown) {
    return this.request('PATCH', path, body);
  }
}
