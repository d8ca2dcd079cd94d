import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotFileName } from '../local/snapshot.js';
import { cosmosClient, useCosmosConnection } from '../shared/data/cosmos.js';
import { startTestProduct, type TestProduct } from './helpers/test-product.js';

let product: TestProduct;

beforeAll(async () => {
  product = await startTestProduct();
});
afterAll(async () => product.cleanup());

describe('local host: the site', () => {
  it('serves the page with every header declared in staticwebapp.config.json', async () => {
    const config = JSON.parse(await readFile('static-web/staticwebapp.config.json', 'utf8')) as { globalHeaders: Record<string, string> };
    const response = await fetch(`${product.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain('<title>EquipManSys</title>');
    for (const [name, value] of Object.entries(config.globalHeaders)) expect(response.headers.get(name)).toBe(value);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get('permissions-policy')).toBeTruthy();
    expect(response.headers.get('referrer-policy')).toBeTruthy();
  });

  it('falls back to index.html for app routes but not for missing assets', async () => {
    const route = await fetch(`${product.url}/records/LAB01`);
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('<title>EquipManSys</title>');
    const asset = await fetch(`${product.url}/missing.js`);
    expect(asset.status).toBe(404);
  });

  it('URS-171 answers /robots.txt with a robots file that asks every crawler to stay out, and describes the app in its page', async () => {
    const robots = await fetch(`${product.url}/robots.txt`);
    expect(robots.status).toBe(200);
    expect(robots.headers.get('content-type')).toContain('text/plain');
    const directives = (await robots.text()).split('\n').filter((line) => line.trim() && !line.startsWith('#'));
    expect(directives).toEqual(['User-agent: *', 'Disallow: /']);
    const html = await (await fetch(`${product.url}/`)).text();
    // Search results show about 150 characters of a description.
    expect(/<meta\s+name="description"\s+content="([^"]+)"/.exec(html)?.[1]).toMatch(/^.{50,160}$/);
    // A missing text file is a 404, not the app: a crawler would read the app as a robots file.
    expect((await fetch(`${product.url}/missing.txt`)).status).toBe(404);
  });

  it("blocks the built-in /.auth routes of Static Web Apps and the app's sources, as the config says", async () => {
    for (const path of ['/.auth/login/aad', '/.auth/me', '/.auth', '/src/main.tsx']) expect((await fetch(`${product.url}${path}`)).status, path).toBe(404);
    const app = await fetch(`${product.url}/app.js`);
    expect(app.status).toBe(200);
    expect(app.headers.get('content-type')).toContain('javascript');
  });

  it('serves markup with no inline script or style, which the policy would refuse', async () => {
    const html = await (await fetch(`${product.url}/`)).text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
  });

  it('never serves files outside the site folder, nor its config', async () => {
    for (const path of ['/..%2fpackage.json', '/%2e%2e/package.json', '/staticwebapp.config.json']) {
      const response = await fetch(`${product.url}${path}`);
      expect(await response.text()).not.toContain('"devDependencies"');
      expect(await (await fetch(`${product.url}${path}`)).text()).not.toContain('globalHeaders');
    }
  });

  it('refuses request bodies over 1 MiB with 413', async () => {
    const response = await fetch(`${product.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: product.url },
      body: JSON.stringify({ username: 'x', password: 'y'.repeat(1_100_000) }),
    });
    expect(response.status).toBe(413);
  });
});

describe('health', () => {
  it('answers liveness and readiness while the store is up', async () => {
    expect((await product.client().get('/api/health')).body).toEqual({ status: 'ok' });
    const ready = await product.client().get('/api/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', cosmos: 'reachable' });
  });

  it('answers 503 on readiness, still 200 on liveness, when Cosmos cannot be reached', async () => {
    useCosmosConnection({ endpoint: 'http://127.0.0.1:9', key: 'none' });
    try {
      const ready = await product.client().get('/api/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.headers.get('content-type')).toBe('application/problem+json');
      expect(ready.headers.get('retry-after')).toBe('5');
      expect((await product.client().get('/api/health')).status).toBe(200);
    } finally {
      useCosmosConnection(product.connection);
    }
  });
});

describe('local host: persistence at rest', () => {
  it('journals a change before answering it, and then writes nothing while nothing changes', async () => {
    const files = async () => {
      const names = (await readdir(product.dataDir)).filter((name) => name.startsWith('cosmos-')).sort();
      return Promise.all(
        names.map(async (name) => `${name}:${(await stat(join(product.dataDir, name))).size}:${(await stat(join(product.dataDir, name))).mtimeMs}`),
      );
    };
    await product.snapshotNow();
    const folded = await files();
    expect(folded.filter((file) => file.startsWith(snapshotFileName))).toHaveLength(1);
    await product.signedIn('tech1');
    // The sign-in is in the journal the moment it is answered, not a second later.
    const afterSignIn = await files();
    expect(afterSignIn.some((file) => file.startsWith('cosmos-journal-'))).toBe(true);
    // Reads only, among them cross-partition reads sent as POST.
    await product.client().get('/api/health/ready');
    const database = (await cosmosClient()).database(process.env.COSMOS_DATABASE ?? 'equipmansys');
    await database.container('records').items.readAll().fetchAll();
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect(await files()).toEqual(afterSignIn);
  });

  it("leaves the queue store's files alone while no message waits: an idle local host writes nothing", async () => {
    // Azurite saves its database every 5 s once something marked it changed; asking for messages did.
    const database = join(product.dataDir, 'azurite', '__azurite_db_queue__.json');
    const pause = () => new Promise((resolve) => setTimeout(resolve, 6000));
    // The save of what earlier tests queued and consumed comes first.
    await pause();
    const before = (await stat(database)).mtimeMs;
    await pause();
    expect((await stat(database)).mtimeMs).toBe(before);
  });
});
