export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
  /** The body as received, for downloads of files. */
  bytes: Buffer;
  setCookies: string[];
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is, instead of JSON of `body`. */
  rawBody?: string | Uint8Array;
  contentType?: string | null;
  /** null sends no Origin header. */
  origin?: string | null;
  /** false leaves the CSRF header out; a string sends that value. */
  csrf?: boolean | string;
  headers?: Record<string, string>;
}

/** A browser-like client: keeps cookies, sends Origin and the CSRF token on state-changing requests. */
export class ApiClient {
  readonly cookies = new Map<string, string>();
  csrfToken: string | undefined;

  constructor(readonly baseUrl: string) {}

  cookieHeader(): string {
    return [...this.cookies.entries()].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async request<T = Record<string, unknown>>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const changesState = method !== 'GET' && method !== 'HEAD';
    if (this.cookies.size > 0) headers.cookie = this.cookieHeader();
    const origin = options.origin === undefined ? this.baseUrl : options.origin;
    if (changesState && origin !== null) headers.origin = origin;
    if (changesState && options.csrf !== false) {
      const token = typeof options.csrf === 'string' ? options.csrf : this.csrfToken;
      if (token) headers['x-csrf-token'] = token;
    }
    let payload: string | Uint8Array | undefined;
    if (options.rawBody !== undefined) payload = options.rawBody;
    else if (options.body !== undefined) payload = JSON.stringify(options.body);
    if (payload !== undefined && options.contentType !== null) headers['content-type'] = options.contentType ?? 'application/json';
    const response = await fetch(new URL(path, this.baseUrl), { method, headers, body: payload as BodyInit | undefined, redirect: 'manual' });
    const setCookies = response.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(';');
      const separator = pair!.indexOf('=');
      const name = pair!.slice(0, separator).trim();
      const value = pair!.slice(separator + 1).trim();
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    const text = bytes.toString('utf8');
    let body: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json') && text) body = JSON.parse(text);
    const result = { status: response.status, headers: response.headers, body: body as T, text, bytes, setCookies };
    const token = (body as { csrfToken?: unknown } | null)?.csrfToken;
    if (typeof token === 'string') this.csrfToken = token;
    return result;
  }

  get<T = Record<string, unknown>>(path: string, options?: RequestOptions) {
    return this.request<T>('GET', path, options);
  }
  post<T = Record<string, unknown>>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('POST', path, { ...options, ...(body !== undefined ? { body } : {}) });
  }
  patch<T = Record<string, unknown>>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('PATCH', path, { ...options, ...(body !== undefined ? { body } : {}) });
  }
  put<T = Record<string, unknown>>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('PUT', path, { ...options, ...(body !== undefined ? { body } : {}) });
  }
  delete<T = Record<string, unknown>>(path: string, options?: RequestOptions) {
    return this.request<T>('DELETE', path, options);
  }

  async login(username: string, password: string): Promise<ApiResponse> {
    const response = await this.post('/api/auth/login', { username, password });
    if (response.status !== 200) throw new Error(`Sign-in of ${username} answered ${response.status}: ${response.text}`);
    return response;
  }
}
