import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalProduct, type LocalProduct, type LocalProductOptions } from '../../local/product.js';
import { ApiClient } from './api-client.js';

export const demoPassword = 'Demo-Password-4-Tests!';

export interface TestProduct extends LocalProduct {
  client: () => ApiClient;
  signedIn: (username: string, password?: string) => Promise<ApiClient>;
  logs: string[];
  cleanup: () => Promise<void>;
}

/**
 * The product as `npm start` runs it, in this test process, on a free port with its own data folder.
 * Each test file runs in its own process, so the environment set here stays with the file.
 */
export async function startTestProduct(environment: Record<string, string> = {}, options: Pick<LocalProductOptions, 'queues'> = {}): Promise<TestProduct> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ems-test-'));
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
