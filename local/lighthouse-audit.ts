import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import lighthouse, { type Config, type Flags } from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';

/** Debian's Chromium, as the browser tests use it. */
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export type LighthouseCategory = 'performance' | 'accessibility' | 'best-practices' | 'seo';
export const allCategories: LighthouseCategory[] = ['performance', 'accessibility', 'best-practices', 'seo'];

/** A page as its reader meets it: who is signed in (nobody on the sign-in page) and on what screen. */
export interface AuditedPage {
  name: string;
  path: string;
  username: string | null;
  formFactor: 'mobile' | 'desktop';
}

export const auditedPages: AuditedPage[] = [
  { name: 'Sign-in page', path: '/', username: null, formFactor: 'mobile' },
  { name: 'Today on a phone', path: '/', username: 'tech1', formFactor: 'mobile' },
  { name: 'Equipment list at a desk', path: '/equipment', username: 'manager1', formFactor: 'desktop' },
];

export interface PageAudit {
  page: AuditedPage;
  /** Each category's score out of 100. */
  scores: Partial<Record<LighthouseCategory, number>>;
  /** The audits of the categories run that did not pass in full, with what they found. */
  failed: { category: LighthouseCategory; id: string; title: string; items: string[] }[];
  /** The API requests the page made and their answers: a signed-in page that was read shows its 200s. */
  apiRequests: { path: string; status: number }[];
  /** How long Lighthouse took on the page, in milliseconds. */
  durationMs: number;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Chromium headless with its DevTools port open for Lighthouse, in a profile of its own. */
async function startChromium(): Promise<{ port: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const profile = await mkdtemp(join(tmpdir(), 'ems-lighthouse-'));
  // The sandbox needs user namespaces that CI containers running as root do not have.
  const chromium = spawn(
    chromiumPath,
    ['--headless=new', '--no-sandbox', '--no-first-run', '--disable-gpu', `--remote-debugging-port=${port}`, `--user-data-dir=${profile}`, 'about:blank'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => chromium.once('exit', () => resolve()));
  const stop = async () => {
    chromium.kill();
    await exited;
    await rm(profile, { recursive: true, force: true });
  };
  for (let attempt = 0; ; attempt += 1) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/json/version`)).ok) return { port, stop };
    } catch {
      // Not listening yet.
    }
    if (attempt >= 100 || chromium.exitCode !== null) {
      await stop();
      throw new Error(`Chromium (${chromiumPath}) did not open its DevTools port ${port}.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The session cookie of a user signed in through the API, as the browser would hold it. */
async function sessionCookie(baseUrl: string, username: string, password: string): Promise<string> {
  const response = await fetch(new URL('/api/auth/login', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: new URL(baseUrl).origin },
    body: JSON.stringify({ username, password }),
  });
  if (response.status !== 200) throw new Error(`Sign-in of ${username} answered ${response.status}: ${await response.text()}`);
  return response.headers
    .getSetCookie()
    .map((line) => line.split(';')[0]!.trim())
    .join('; ');
}

function itemText(item: Record<string, unknown>): string {
  const node = item.node as { snippet?: string; nodeLabel?: string } | undefined;
  return String(node?.snippet ?? node?.nodeLabel ?? item.url ?? item.description ?? JSON.stringify(item));
}

/**
 * Lighthouse on each page with Debian's Chromium: the phone pages with Lighthouse's mobile emulation,
 * the desk page with its desktop preset, signed-in pages with the session cookie on every request.
 * Network and CPU are not throttled: the figures judge the pages, not this machine's load.
 */
export async function auditWithLighthouse(
  baseUrl: string,
  password: string,
  categories: LighthouseCategory[] = allCategories,
  pages: AuditedPage[] = auditedPages,
): Promise<PageAudit[]> {
  const chromium = await startChromium();
  try {
    const audits: PageAudit[] = [];
    for (const page of pages) {
      const flags: Flags = {
        port: chromium.port,
        logLevel: 'error',
        output: 'json',
        onlyCategories: categories,
        // The requests the page made, to tell a signed-in page from the sign-in form it would fall back to.
        onlyAudits: ['network-requests'],
        throttlingMethod: 'provided',
        // The page counts as loaded after half a second with no request and no long task, rather than Lighthouse's
        // default full second of each; the app asks for its data as soon as it starts, so it is shown by then.
        pauseAfterFcpMs: 500,
        pauseAfterLoadMs: 500,
        networkQuietThresholdMs: 500,
        cpuQuietThresholdMs: 500,
        disableFullPageScreenshot: true,
        ...(page.username ? { extraHeaders: { cookie: await sessionCookie(baseUrl, page.username, password) } } : {}),
      };
      const config: Config | undefined = page.formFactor === 'desktop' ? desktopConfig : undefined;
      const result = await lighthouse(new URL(page.path, baseUrl).href, flags, config);
      if (!result) throw new Error(`Lighthouse gave no result for ${page.name}.`);
      const { lhr } = result;
      if (lhr.runtimeError) throw new Error(`Lighthouse could not audit ${page.name}: ${lhr.runtimeError.message}`);
      const scores: PageAudit['scores'] = {};
      const failed: PageAudit['failed'] = [];
      for (const category of categories) {
        const found = lhr.categories[category];
        scores[category] = Math.round((found?.score ?? 0) * 100);
        for (const reference of found?.auditRefs ?? []) {
          const audit = lhr.audits[reference.id];
          if (!audit || reference.weight === 0 || audit.score === null || audit.score >= 1) continue;
          const details = audit.details as { items?: Record<string, unknown>[] } | undefined;
          failed.push({ category, id: audit.id, title: audit.title, items: (details?.items ?? []).slice(0, 5).map(itemText) });
        }
      }
      const requests = (lhr.audits['network-requests']?.details as { items?: { url: string; statusCode: number }[] } | undefined)?.items ?? [];
      const apiRequests = requests
        .map((request) => ({ path: new URL(request.url).pathname, status: request.statusCode }))
        .filter((request) => request.path.startsWith('/api/'));
      audits.push({ page, scores, failed, apiRequests, durationMs: Math.round(lhr.timing.total) });
    }
    return audits;
  } finally {
    await chromium.stop();
  }
}
