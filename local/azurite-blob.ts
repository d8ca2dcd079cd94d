import { createRequire } from 'node:module';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { BlobConnection } from '../shared/storage/blob-store.js';

const require = createRequire(import.meta.url);

interface AzuriteBlobServer {
  start(): Promise<void>;
  close(): Promise<void>;
  getHttpServerAddress(): string;
}

export interface LocalBlobService extends BlobConnection {
  close: () => Promise<void>;
}

/**
 * Azurite's blob service, in this process, on loopback, keeping certificates under the local data
 * folder so they survive a restart. As with the queues, only the server starts: no telemetry.
 */
export async function startLocalBlobService(dataDir: string): Promise<LocalBlobService> {
  const location = join(dataDir, 'azurite');
  await mkdir(location, { recursive: true });
  const constants = require('azurite/dist/src/blob/utils/constants.js') as {
    DEFAULT_BLOB_LOKI_DB_PATH: string;
    DEFAULT_BLOB_EXTENT_LOKI_DB_PATH: string;
    DEFAULT_BLOB_PERSISTENCE_PATH: string;
    DEFAULT_BLOB_KEEP_ALIVE_TIMEOUT: number;
  };
  const { EMULATOR_ACCOUNT_NAME, EMULATOR_ACCOUNT_KEY } = require('azurite/dist/src/common/utils/constants.js') as { EMULATOR_ACCOUNT_NAME: string; EMULATOR_ACCOUNT_KEY: Buffer };
  const BlobConfiguration = (require('azurite/dist/src/blob/BlobConfiguration.js') as { default: new (...args: unknown[]) => unknown }).default;
  const BlobServer = (require('azurite/dist/src/blob/BlobServer.js') as { default: new (config: unknown) => AzuriteBlobServer }).default;
  const persistence = [{ locationId: 'Default', locationPath: join(location, constants.DEFAULT_BLOB_PERSISTENCE_PATH), maxConcurrency: 1 }];
  const config = new BlobConfiguration(
    '127.0.0.1',
    0,
    constants.DEFAULT_BLOB_KEEP_ALIVE_TIMEOUT,
    join(location, constants.DEFAULT_BLOB_LOKI_DB_PATH),
    join(location, constants.DEFAULT_BLOB_EXTENT_LOKI_DB_PATH),
    persistence,
    false, // access log
    undefined,
    false, // debug log
    undefined,
    false, // loose
    true, // skip the API version check: @azure/storage-blob may be newer than this Azurite
  );
  const server = new BlobServer(config);
  await server.start();
  return {
    accountUrl: `${server.getHttpServerAddress()}/${EMULATOR_ACCOUNT_NAME}`,
    accountName: EMULATOR_ACCOUNT_NAME,
    accountKey: EMULATOR_ACCOUNT_KEY,
    close: () => server.close(),
  };
}
