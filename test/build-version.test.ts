import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { buildInfoSchema } from '../shared/schemas/build-info.js';
import { demoPassword } from './helpers/demo-password.js';
import { spawnProduct, type SpawnedProduct } from './helpers/spawned-product.js';

let product: SpawnedProduct;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ems-version-'));
  await cp(inject('seededDataDir'), dataDir, { recursive: true });
  product = await spawnProduct({ LOCAL_DATA_DIR: dataDir, DEMO_PASSWORD: demoPassword, NOTIFICATION_SCHEDULE: '0 0 0 1 1 *' });
});
afterAll(async () => {
  product.process.kill('SIGINT');
  await product.exited;
  await rm(dataDir, { recursive: true, force: true });
});

describe('the version an installation reports', () => {
  it('URS-088 names the commit the running bundle was built from, and when it was built', async () => {
    const response = await fetch(`${product.url}/api/health/version`);
    expect(response.status).toBe(200);
    const reported = buildInfoSchema.parse(await response.json());
    // The bundle was built from this checkout by the test run's global setup.
    expect(reported.commit).toBe(execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim());
    expect(reported.version).toBe(JSON.parse(await readFile('package.json', 'utf8')).version);
    expect(Date.parse(reported.builtAt!)).toBeLessThanOrEqual(Date.now());
    expect(response.headers.get('cache-control')).toMatch(/no-store/);
  });
});
