import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalProduct, type LocalProduct, type LocalProductOptions } from '../../local/product.js';
import { inject } from 'vitest';
import { ApiClient } from './api-client.js';
import { demoPassword } from './demo-password.js';

export { demoPassword };

export interface TestProduct extends LocalProduct {
  client: () => ApiClient;
  signedIn: (username: string, password?: string) => Promise<ApiClient>;
  logs: string[];
  cleanup: () => Promise<void>;
}

/**
 * Settings that change nothing the demo seed writes: a product with only these starts from a copy of
 * the demo company seeded once for the whole run (test/global-setup.ts). Any other setting, or a data
 * folder of the test's own, seeds afresh.
 */
const seedNeutralSettings = new Set([
  'SESSION_COOKIE_NAME',
  'LOGIN_RATE_LIMIT_PER_MINUTE',
  'LOCKOUT_THRESHOLD',
  'LOCKOUT_MODE',
  'DIGEST_LOCAL_HOUR',
  'NOTIFICATION_RETRY_BASE_MS',
  'NOTIFICATION_LEASE_SECONDS',
  'WEBHOOKS_ALLOW_LOOPBACK',
  'ENTRA_AUTHORITY',
  'ENTRA_API_AUDIENCE',
  'ENTRA_APP_CALLERS',
]);

/**
 * The product as `npm start` runs it, in this test process, on a free port with its own data folder.
 * Each test file runs in its own process, so the environment set here stays with the file.
 */
export async function startTestProduct(environment: Record<string, string> = {}, options: Pick<LocalProductOptions, 'queues'> = {}): Promise<TestProduct> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ems-test-'));
  if (Object.keys(environment).every((name) => seedNeutralSettings.has(name))) await cp(inject('seededDataDir'), dataDir, { recursive: true });
  Object.assign(process.env, {
    PORT: '0',
    LOCAL_DATA_DIR: dataDir,
    DEMO_PASSWORD: demoPassword,
    LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
    ...environment,
  });
  const logs: string[] = [];
  const product = await startLocalProduct({ log: (level, line) => logs.push(`${level}: ${line}`), timers: false, ...options });
  const client = () => new ApiClient(product.url);
  return {
    ...product,
    logs,
    client,
    signedIn: async (username, password = demoPassword) => {
      const signed = client();
      await signed.login(username, password);
      return signed;
    },
    cleanup: async () => {
      await product.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
