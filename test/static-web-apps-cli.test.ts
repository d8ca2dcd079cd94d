import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { demoPassword, startTestProduct, type TestProduct } from './helpers/test-product.js';

/**
 * The built web app served by Microsoft's own Static Web Apps emulator (`swa start`), which applies
 * static-web/staticwebapp.config.json (routes, navigation fallback, global headers) and proxies /api to
 * the product, as the Static Web App does in front of the linked Function App. The CLI is installed
 * once per machine in its own folder, never in the product's dependencies; its `keytar` dependency
 * builds natively with a download, so install scripts are skipped (swa start does not need it).
 */
const swaVersion = '2.0.10';
const cliDir = join(tmpdir(), `ems-swa-cli-${swaVersion}`);
const cliBin = join(cliDir, 'node_modules', '@azure', 'static-web-apps-cli', 'dist', 'cli', 'bin.js');
const webDir = resolve('static-web');

let unreachable: string | undefined;
let product: TestProduct;
let swa: ChildProcess | undefined;
let swaOutput = '';
let site: string;

/** Installs the CLI into a folder of its own, then moves it into place, so two runs never share a half-made install. */
async function installCli(): Promise<void> {
  if (existsSync(cliBin)) return;
  const staging = await mkdtemp(join(tmpdir(), 'ems-swa-install-'));
  await writeFile(join(staging, 'package.json'), '{ "private": true }\n');
  const install = spawnSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', `@azure/static-web-apps-cli@${swaVersion}`], {
    cwd: staging,
    encoding: 'utf8',
    // Not the npm_* variables of an enclosing `npx -c` (CI runs the suite inside one).
    env: Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_'))),
  });
  if (install.status !== 0) {
    await rm(staging, { recursive: true, force: true });
    const reason = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH/.exec(install.stderr)?.[0];
    if (reason) {
      unreachable = `the npm registry is unreachable (${reason}), so @azure/static-web-apps-cli@${swaVersion} cannot be installed`;
      return;
    }
    throw new Error(`npm install @azure/static-web-apps-cli@${swaVersion} failed:\n${install.stderr}`);
  }
  // Another run may have finished first; its copy is as good as this one.
  await rename(staging, cliDir).catch(() => rm(staging, { recursive: true, force: true }));
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('No port'))));
    });
  });
}

async function waitUntilServing(url: string): Promise<void> {
  for (let attempt = 0; attempt < 240; attempt += 1) {
    if (swa?.exitCode !== null) throw new Error(`swa start exited:\n${swaOutput}`);
    const answered = await fetch(url).then(
      () => true,
      () => false,
    );
    if (answered) return;
    await new Promise((resolveWait) => setTimeout(resolveWait, 250));
  }
  throw new Error(`swa start did not serve ${url}:\n${swaOutput}`);
}

beforeAll(async () => {
  await installCli();
  if (unreachable) return;
  product = await startTestProduct();
  const port = await freePort();
  site = `http://127.0.0.1:${port}`;
  // Its own process group: the emulator starts its server as a grandchild, which must stop with it.
  swa = spawn(
    process.execPath,
    [
      cliBin,
      'start',
      webDir,
      '--swa-config-location',
      webDir,
      '--api-devserver-url',
      `http://127.0.0.1:${new URL(product.url).port}`,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
    ],
    { cwd: cliDir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  swa.stdout?.on('data', (chunk: Buffer) => (swaOutput += chunk.toString()));
  swa.stderr?.on('data', (chunk: Buffer) => (swaOutput += chunk.toString()));
  await waitUntilServing(`${site}/index.html`);
}, 300_000);

afterAll(async () => {
  if (swa?.pid && swa.exitCode === null) {
    try {
      process.kill(-swa.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
  await product?.cleanup();
});

function skipIfUnreachable(context: TestContext): void {
  if (unreachable) context.skip(`Static Web Apps CLI not tested: ${unreachable}`);
}

/** One Set-Cookie line as its name, value and attributes (lower-cased names). */
function parseSetCookie(line: string): { name: string; value: string; attributes: Map<string, string> } {
  const [pair, ...rest] = line.split(';').map((part) => part.trim());
  const separator = pair!.indexOf('=');
  const attributes = new Map(
    rest.map((part) => {
      const equals = part.indexOf('=');
      return equals < 0 ? [part.toLowerCase(), ''] : [part.slice(0, equals).toLowerCase(), part.slice(equals + 1)];
    }),
  );
  return { name: pair!.slice(0, separator), value: pair!.slice(separator + 1), attributes };
}

async function signInThroughSite(username: string): Promise<{ cookie: string; csrfToken: string; setCookie: string; labId: string }> {
  const response = await fetch(`${site}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: site },
    body: JSON.stringify({ username, password: demoPassword }),
  });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  const body = JSON.parse(text) as { csrfToken: string; labs: { labId: string }[] };
  const setCookie = response.headers.getSetCookie().find((line) => line.startsWith('ems_session='));
  expect(setCookie, response.headers.getSetCookie().join('\n')).toBeDefined();
  const { name, value } = parseSetCookie(setCookie!);
  return { cookie: `${name}=${value}`, csrfToken: body.csrfToken, setCookie: setCookie!, labId: body.labs[0]!.labId };
}

describe('the web app behind the Static Web Apps emulator (swa start)', () => {
  it('signs in through the proxied /api and keeps the session cookie HttpOnly, SameSite=Strict, Path=/ and without Domain', async (context) => {
    skipIfUnreachable(context);
    const { setCookie, cookie } = await signInThroughSite('tech1');
    const { attributes } = parseSetCookie(setCookie);
    expect(attributes.has('httponly')).toBe(true);
    expect(attributes.get('samesite')).toBe('Strict');
    expect(attributes.get('path')).toBe('/');
    // No Domain attribute: the cookie stays with the site's own host, as a __Host- name would require.
    expect(attributes.has('domain')).toBe(false);
    // Secure is left off only for plain-http localhost (shared/auth/cookies.ts); the deployed site is https.
    expect(attributes.has('secure')).toBe(false);

    const session = await fetch(`${site}/api/auth/session`, { headers: { cookie } });
    expect(session.status).toBe(200);
    expect(((await session.json()) as { session: { user: { username: string } } | null }).session?.user.username).toBe('tech1');
  });

  it('refuses a change without the CSRF token and accepts it with the token, as the web app sends it', async (context) => {
    skipIfUnreachable(context);
    const { cookie, csrfToken, labId } = await signInThroughSite('tech2');
    const preferences = { email: 'theo@demo.example', digestLabs: [labId], immediateNotices: true, channels: { email: true, teams: false } };
    const put = (headers: Record<string, string>) =>
      fetch(`${site}/api/me/notifications`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', origin: site, cookie, ...headers },
        body: JSON.stringify(preferences),
      });

    const withoutToken = await put({});
    expect(withoutToken.status).toBe(403);
    expect(await withoutToken.text()).toContain('X-CSRF-Token');
    // static-web/src/api.ts sends the token from sign-in in this header on every change.
    const withToken = await put({ 'x-csrf-token': csrfToken });
    const text = await withToken.text();
    expect(withToken.status, text).toBe(200);
    expect(JSON.parse(text)).toMatchObject({ email: 'theo@demo.example', saved: true });
  });

  it('answers a deep link with the app (navigation fallback) and keeps the source and /.auth out', async (context) => {
    skipIfUnreachable(context);
    const deepLink = await fetch(`${site}/equipment/XYZ`);
    expect(deepLink.status).toBe(200);
    expect(deepLink.headers.get('content-type')).toContain('text/html');
    expect(await deepLink.text()).toBe(await readFile(join(webDir, 'index.html'), 'utf8'));
    expect((await fetch(`${site}/src/main.tsx`)).status).toBe(404);
    expect((await fetch(`${site}/.auth/login/aad`)).status).toBe(404);
  });

  it('URS-171 answers /robots.txt with the robots file, not the app, and a missing text file with 404', async (context) => {
    skipIfUnreachable(context);
    const robots = await fetch(`${site}/robots.txt`);
    expect(robots.status).toBe(200);
    expect(robots.headers.get('content-type')).toContain('text/plain');
    expect(await robots.text()).toBe(await readFile(join(webDir, 'robots.txt'), 'utf8'));
    expect((await fetch(`${site}/missing.txt`)).status).toBe(404);
  });

  it('sends the security headers of staticwebapp.config.json with the app', async (context) => {
    skipIfUnreachable(context);
    const config = JSON.parse(await readFile(join(webDir, 'staticwebapp.config.json'), 'utf8')) as { globalHeaders: Record<string, string> };
    for (const path of ['/', '/equipment/XYZ', '/app.js']) {
      const response = await fetch(`${site}${path}`);
      expect(response.status, path).toBe(200);
      for (const [name, value] of Object.entries(config.globalHeaders)) expect(response.headers.get(name), `${name} on ${path}`).toBe(value);
    }
  });
});
