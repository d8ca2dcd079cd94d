import { createRequire } from 'node:module';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';

const require = createRequire(import.meta.url);

interface AzuriteQueueServer {
  start(): Promise<void>;
  close(): Promise<void>;
  getHttpServerAddress(): string;
}

export interface LocalQueueService {
  /** e.g. http://127.0.0.1:50123/devstoreaccount1 */
  accountUrl: string;
  accountName: string;
  accountKey: Buffer;
  close: () => Promise<void>;
}

/**
 * Azurite's queue service, in this process, on loopback, keeping its data under the local data folder
 * so queued work survives a restart. Only the server is started: Azurite's telemetry client is never
 * initialised, so nothing leaves the machine.
 */
export async function startLocalQueueService(dataDir: string): Promise<LocalQueueService> {
  const location = join(dataDir, 'azurite');
  await mkdir(location, { recursive: true });
  const constants = require('azurite/dist/src/queue/utils/constants.js') as {
    DEFAULT_QUEUE_LOKI_DB_PATH: string;
    DEFAULT_QUEUE_EXTENT_LOKI_DB_PATH: string;
    DEFAULT_QUEUE_PERSISTENCE_PATH: string;
  };
  const { EMULATOR_ACCOUNT_NAME, EMULATOR_ACCOUNT_KEY } = require('azurite/dist/src/common/utils/constants.js') as { EMULATOR_ACCOUNT_NAME: string; EMULATOR_ACCOUNT_KEY: Buffer };
  const QueueConfiguration = (require('azurite/dist/src/queue/QueueConfiguration.js') as { default: new (...args: unknown[]) => unknown }).default;
  const QueueServer = (require('azurite/dist/src/queue/QueueServer.js') as { default: new (config: unknown) => AzuriteQueueServer }).default;
  const persistence = [{ locationId: 'Default', locationPath: join(location, constants.DEFAULT_QUEUE_PERSISTENCE_PATH), maxConcurrency: 1 }];
  const config = new QueueConfiguration(
    '127.0.0.1',
    0,
    undefined,
    join(location, constants.DEFAULT_QUEUE_LOKI_DB_PATH),
    join(location, constants.DEFAULT_QUEUE_EXTENT_LOKI_DB_PATH),
    persistence,
    false, // access log
    undefined,
    false, // debug log
    undefined,
    false, // loose
    true, // skip the API version check: the SDK-free client below names a fixed version
  );
  const server = new QueueServer(config);
  await server.start();
  return {
    accountUrl: `${server.getHttpServerAddress()}/${EMULATOR_ACCOUNT_NAME}`,
    accountName: EMULATOR_ACCOUNT_NAME,
    accountKey: EMULATOR_ACCOUNT_KEY,
    close: () => server.close(),
  };
}
