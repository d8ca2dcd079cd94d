import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

/** The parts of staticwebapp.config.json the local host applies, as Static Web Apps does in Azure. */
export interface StaticWebAppConfig {
  /** Only routes that answer with a status of their own (blocked paths) are applied locally. */
  routes?: { route: string; statusCode?: number; rewrite?: string; redirect?: string }[];
  globalHeaders?: Record<string, string>;
  navigationFallback?: { rewrite: string; exclude?: string[] };
  mimeTypes?: Record<string, string>;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

export async function loadStaticWebAppConfig(root: string): Promise<StaticWebAppConfig> {
  try {
    return JSON.parse(await readFile(join(root, 'staticwebapp.config.json'), 'utf8')) as StaticWebAppConfig;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

/** Turns a glob of the form SWA uses in `exclude` ("/images/*.{png,jpg}", "/*.css") into a test. */
function globMatches(glob: string, path: string): boolean {
  const pattern = glob
    .replace(/[.+^$()|[\]\\]/g, '\\$&')
    .replace(/\{([^}]*)\}/g, (_all, options: string) => `(${options.split(',').join('|')})`)
    .replace(/\*/g, '[^/]*');
  return new RegExp(`^${pattern}$`).test(path);
}

/** A route pattern of SWA: a trailing "/*" covers everything below it. */
function routeMatches(route: string, path: string): boolean {
  if (route.endsWith('/*')) return path === route.slice(0, -2) || path.startsWith(route.slice(0, -1));
  return globMatches(route, path);
}

async function fileAt(root: string, urlPath: string): Promise<string | null> {
  const decoded = decodeURIComponent(urlPath);
  if (decoded.includes('\0')) return null;
  const candidate = resolve(root, `.${normalize(decoded)}`);
  if (candidate !== root && !candidate.startsWith(root + sep)) return null;
  const target = decoded.endsWith('/') ? join(candidate, 'index.html') : candidate;
  try {
    const info = await stat(target);
    if (info.isDirectory()) return fileAt(root, `${urlPath.replace(/\/$/, '')}/`);
    return info.isFile() ? target : null;
  } catch {
    return null;
  }
}

export async function serveStatic(root: string, config: StaticWebAppConfig, method: string, urlPath: string, response: ServerResponse): Promise<void> {
  const absoluteRoot = resolve(root);
  for (const [name, value] of Object.entries(config.globalHeaders ?? {})) response.setHeader(name, value);
  if (method !== 'GET' && method !== 'HEAD') {
    response.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('Method not allowed');
    return;
  }
  const blocked = (config.routes ?? []).find((route) => route.statusCode && !route.rewrite && !route.redirect && routeMatches(route.route, urlPath));
  if (blocked) {
    response.writeHead(blocked.statusCode!, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found');
    return;
  }
  let file = await fileAt(absoluteRoot, urlPath).catch(() => null);
  const fallback = config.navigationFallback;
  if (!file && fallback && !(fallback.exclude ?? []).some((glob) => globMatches(glob, urlPath))) {
    file = await fileAt(absoluteRoot, fallback.rewrite);
  }
  if (!file || file.endsWith(`${sep}staticwebapp.config.json`)) {
    response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found');
    return;
  }
  const extension = extname(file).toLowerCase();
  const type = config.mimeTypes?.[extension] ?? contentTypes[extension] ?? 'application/octet-stream';
  const body = await readFile(file);
  response.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, 'Cache-Control': 'no-cache' });
  response.end(method === 'HEAD' ? undefined : body);
}
