import type { z } from 'zod';
import type { problemSchema } from '../../shared/schemas/common.js';

export type Problem = z.infer<typeof problemSchema>;

/** A refused request, with the server's explanation (problem+json) when it gave one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | null,
    readonly retryAfterSeconds: number | null,
    /** A read that failed: nothing was typed or signed, so the message must not speak of saving. */
    readonly whileReading = false,
  ) {
    super(problem?.detail ?? `The server answered ${status}.`);
  }

  /** Field-level messages keyed by field path, e.g. `responses.1.note`. */
  get fieldErrors(): Record<string, string> {
    return Object.fromEntries((this.problem?.errors ?? []).map((error) => [error.field, error.message]));
  }
}

export interface Answer<T> {
  body: T;
  etag: string | null;
}

let csrfToken: string | null = null;
let offlineCopy: (readAt: string | null) => void = () => undefined;

/** Told, for every read, whether it came from the copy kept on the device (and when that was read) or from the server. */
export function onOfflineCopy(handler: (readAt: string | null) => void): void {
  offlineCopy = handler;
}
let sessionExpired: () => void = () => undefined;

export function useCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when a request finds the session gone (idle timeout, sign-out elsewhere, disabled account). */
export function onSessionExpired(handler: () => void): void {
  sessionExpired = handler;
}

function isStateChanging(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD';
}

/**
 * The one way the app talks to the API: JSON in and out, the CSRF header on every change, refusals
 * turned into ApiError, and a lost session reported once so the app can return to sign-in.
 */
export async function request<T>(method: string, path: string, body?: unknown, options: { ifMatch?: string | null } = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (isStateChanging(method) && csrfToken) headers['x-csrf-token'] = csrfToken;
  if (options.ifMatch) headers['if-match'] = options.ifMatch;
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, null, null, !isStateChanging(method));
  }
  const text = await response.text();
  const parsed: unknown = text && (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : null;
  if (!response.ok) {
    const problem = parsed && typeof parsed === 'object' && 'detail' in parsed ? (parsed as Problem) : null;
    const retryAfter = Number(response.headers.get('retry-after'));
    const error = new ApiError(response.status, problem, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null);
    // "Not signed in" is a lost session; other 401s (a wrong signature password) are answers to the form.
    if (response.status === 401 && problem?.title === 'Not signed in' && !path.startsWith('/api/auth/')) sessionExpired();
    throw error;
  }
  if (!isStateChanging(method)) offlineCopy(response.headers.get('x-offline-copy'));
  return { body: parsed as T, etag: response.headers.get('etag') };
}

/**
 * A read answered "busy" (503, the database throttled or briefly unreachable) is asked once more
 * after the Retry-After it names: reads change nothing, and a page should not fail (or a session
 * look signed out) over a moment's throttling.
 */
async function read<T>(path: string): Promise<Answer<T>> {
  try {
    return await request<T>('GET', path);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 503) throw error;
    await new Promise((resolve) => setTimeout(resolve, Math.min(error.retryAfterSeconds ?? 1, 3) * 1000));
    return request<T>('GET', path);
  }
}

export const api = {
  get: <T>(path: string) => read<T>(path),
  post: <T>(path: string, body: unknown, options?: { ifMatch?: string | null }) => request<T>('POST', path, body, options),
  put: <T>(path: string, body: unknown, options?: { ifMatch?: string | null }) => request<T>('PUT', path, body, options),
  patch: <T>(path: string, body: unknown, options?: { ifMatch?: string | null }) => request<T>('PATCH', path, body, options),
  delete: <T>(path: string) => request<T>('DELETE', path),
};

/**
 * Sends a file as the raw request body, reporting progress as it goes (fetch cannot report upload
 * progress, XMLHttpRequest can); refusals become ApiError as with every other request.
 */
export function uploadFile<T>(path: string, file: Blob, onProgress: (fraction: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
    if (csrfToken) xhr.setRequestHeader('x-csrf-token', csrfToken);
    xhr.upload.onprogress = (progress) => progress.lengthComputable && onProgress(progress.loaded / progress.total);
    xhr.onerror = () => reject(new ApiError(0, null, null));
    xhr.onload = () => {
      const parsed: unknown = xhr.responseText && (xhr.getResponseHeader('content-type') ?? '').includes('json') ? JSON.parse(xhr.responseText) : null;
      if (xhr.status >= 200 && xhr.status < 300) return resolve(parsed as T);
      const problem = parsed && typeof parsed === 'object' && 'detail' in parsed ? (parsed as Problem) : null;
      if (xhr.status === 401 && problem?.title === 'Not signed in') sessionExpired();
      reject(new ApiError(xhr.status, problem, null));
    };
    xhr.send(file);
  });
}

/** Every page of a list endpoint, following continuation tokens. */
export async function allPages<T>(path: string): Promise<T[]> {
  const items: T[] = [];
  let token: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const url: string = token ? `${path}${separator}continuationToken=${encodeURIComponent(token)}` : path;
    const { body } = await api.get<{ items: T[]; continuationToken: string | null }>(url);
    items.push(...body.items);
    token = body.continuationToken;
  } while (token);
  return items;
}

/**
 * Every page of an answer that comes in pages (a verification, a report of many labs), handed to
 * `onPage` as it arrives, following continuation tokens until the last page.
 */
export async function eachPage<P extends { continuationToken: string | null }>(path: string, onPage: (page: P) => void): Promise<void> {
  let token: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const url: string = token ? `${path}${separator}continuationToken=${encodeURIComponent(token)}` : path;
    const { body } = await api.get<P>(url);
    onPage(body);
    token = body.continuationToken;
  } while (token);
}

/**
 * A CSV that comes in pages (a report of every lab): each page is a whole CSV with the next page's
 * token in the X-Continuation-Token header. The pages are joined into one file (the byte order mark
 * and header row once) and saved under the first page's file name.
 */
export async function downloadCsvPages(path: string): Promise<void> {
  const parts: string[] = [];
  let fileName = 'report.csv';
  let token: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const url: string = token ? `${path}${separator}continuationToken=${encodeURIComponent(token)}` : path;
    let response: Response;
    try {
      response = await fetch(url, { headers: { accept: 'text/csv' }, credentials: 'same-origin' });
    } catch {
      throw new ApiError(0, null, null, true);
    }
    if (!response.ok) {
      const parsed: unknown = (response.headers.get('content-type') ?? '').includes('json') ? await response.json() : null;
      throw new ApiError(response.status, parsed && typeof parsed === 'object' && 'detail' in parsed ? (parsed as Problem) : null, null);
    }
    const text = await response.text();
    if (parts.length === 0) fileName = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? fileName;
    // Later pages repeat the header row: keep their rows only. Reading the text drops the byte order
    // mark the server sends, which Excel needs to read the file as UTF-8: the first part puts it back.
    parts.push(parts.length === 0 ? `\uFEFF${text.replace(/^\uFEFF/, '')}` : text.slice(text.indexOf('\r\n') + 2));
    token = response.headers.get('x-continuation-token');
  } while (token);
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob(parts, { type: 'text/csv;charset=utf-8' }));
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

/** A message a person understands for any failure, including the network being away. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0 && error.whileReading)
      return 'The server cannot be reached and this device has kept no copy of this page. Open it again once you are back online.';
    if (error.status === 0)
      return 'The server cannot be reached, so nothing was sent: signing and saving need the connection. What you typed is kept on this device; try again once you are back online.';
    if (error.status === 429 && error.retryAfterSeconds) return `Too many attempts. Try again in ${error.retryAfterSeconds} seconds.`;
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export function query(parameters: Record<string, string | number | boolean | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}
