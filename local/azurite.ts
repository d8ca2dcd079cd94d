import { createRequire, Module } from 'node:module';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { BlobConnection } from '../shared/storage/blob-store.js';

const require = createRequire(import.meta.url);

/**
 * Azurite's telemetry client as it behaves here, never initialised: tracing a request does nothing
 * until `init` turns it on, which only Azurite's own command line does. The real module loads
 * Application Insights and OpenTelemetry at require time, about 600 modules and half a second of every
 * start, for nothing; it is put in the module cache before the servers require it.
 */
function withoutAzuriteTelemetry(): void {
  const path = require.resolve('azurite/dist/src/common/Telemetry.js');
  if (require.cache[path]) return;
  const stub = new Module(path);
  stub.filename = path;
  stub.loaded = true;
  stub.exports = {
    AzuriteTelemetryClient: class {
      static TraceRequest(): void {}
    },
  };
  require.cache[path] = stub;
}

interface AzuriteServer {
  start(): Promise<void>;
  close(): Promise<void>;
  getHttpServerAddress(): string;
}

/** The LokiJS database behind one of Azurite's metadata stores, as far as saving it goes. */
interface LokiDatabase {
  saveDatabase(callback: (error?: unknown) => void): void;
}
type MetadataStore = { db: LokiDatabase } & Record<string, unknown>;

/**
 * The blob metadata store's operations after which a blob, its properties or its container read
 * differently: each is answered only once the index is on disk.
 */
const indexChanges = [
  'createContainer',
  'deleteContainer',
  'setContainerMetadata',
  'setContainerACL',
  'createBlob',
  'commitBlockList',
  'deleteBlob',
  'setBlobHTTPHeaders',
  'setBlobMetadata',
  'setBlobTag',
  'createSnapshot',
  'startCopyFromURL',
  'copyFromURL',
  'setTier',
  'uploadPages',
  'clearRange',
  'resizePageBlob',
  'appendBlock',
  'sealBlob',
] as const;

const saved = (db: LokiDatabase) =>
  new Promise<void>((resolve, reject) => db.saveDatabase((error) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve())));

/**
 * Azurite keeps its blob index (which blobs exist, their blocks and properties) and its extent index
 * (which file holds those blocks) in LokiJS databases it saves every five seconds, so a blob answered
 * 201 just before the process is killed was gone after a restart while the calibration event that
 * vouches for it survived in the journal. Here every change to the index waits for both databases to
 * be written (LokiJS writes a whole copy beside the file and renames it over, so a kill mid-save
 * leaves the previous one; concurrent saves are coalesced by LokiJS's throttled saves, each waiter
 * answered by a save that started after its change). The blocks themselves are written to the extent
 * files before the block is acknowledged, so after this the file and its index outlive a SIGKILL as
 * the journalled Cosmos writes do (both are in the operating system's hands, not fsync'd).
 */
function savingEveryIndexChange(server: unknown): void {
  const { metadataStore, extentMetadataStore } = server as { metadataStore: MetadataStore; extentMetadataStore: MetadataStore };
  for (const name of indexChanges) {
    const original = metadataStore[name];
    if (typeof original !== 'function')
      throw new Error(`Azurite's blob metadata store has no ${name}: its durable saving needs a look at this Azurite version`);
    metadataStore[name] = async (...args: unknown[]) => {
      const result: unknown = await (original as (...a: unknown[]) => Promise<unknown>).apply(metadataStore, args);
      // Where the blocks are first, then the blob that names them: a kill between the two leaves
      // only blocks no blob uses yet, which Azurite's collector removes.
      await saved(extentMetadataStore.db);
      await saved(metadataStore.db);
      return result;
    };
  }
}

/** An Azurite service in this process: its account, the well-known development key, and how to stop it. */
export interface LocalStorageService extends BlobConnection {
  close: () => Promise<void>;
}
export type LocalQueueService = LocalStorageService;
export type LocalBlobService = LocalStorageService;

/**
 * One of Azurite's services, in this process, on loopback, keeping its data under the local data
 * folder so queued work and certificates survive a restart. Only the server is started: Azurite's
 * telemetry client is never initialised, so nothing leaves the machine. Both services take the same
 * configuration, in the same order.
 */
async function startAzurite(service: 'queue' | 'blob', dataDir: string): Promise<LocalStorageService> {
  const location = join(dataDir, 'azurite');
  await mkdir(location, { recursive: true });
  const prefix = service === 'queue' ? 'Queue' : 'Blob';
  withoutAzuriteTelemetry();
  const constants = require(`azurite/dist/src/${service}/utils/constants.js`) as Record<string, string>;
  const { EMULATOR_ACCOUNT_NAME, EMULATOR_ACCOUNT_KEY } = require('azurite/dist/src/common/utils/constants.js') as {
    EMULATOR_ACCOUNT_NAME: string;
    EMULATOR_ACCOUNT_KEY: Buffer;
  };
  const Configuration = (require(`azurite/dist/src/${service}/${prefix}Configuration.js`) as { default: new (...args: unknown[]) => unknown }).default;
  const Server = (require(`azurite/dist/src/${service}/${prefix}Server.js`) as { default: new (config: unknown) => AzuriteServer }).default;
  const upper = prefix.toUpperCase();
  const persistence = [{ locationId: 'Default', locationPath: join(location, constants[`DEFAULT_${upper}_PERSISTENCE_PATH`]!), maxConcurrency: 1 }];
  const config = new Configuration(
    '127.0.0.1',
    0,
    constants[`DEFAULT_${upper}_KEEP_ALIVE_TIMEOUT`],
    join(location, constants[`DEFAULT_${upper}_LOKI_DB_PATH`]!),
    join(location, constants[`DEFAULT_${upper}_EXTENT_LOKI_DB_PATH`]!),
    persistence,
    false, // access log
    undefined,
    false, // debug log
    undefined,
    false, // loose
    true, // skip the API version check: the SDKs may be newer than this Azurite
  );
  const server = new Server(config);
  if (service === 'blob') savingEveryIndexChange(server);
  await server.start();
  return {
    accountUrl: `${server.getHttpServerAddress()}/${EMULATOR_ACCOUNT_NAME}`,
    accountName: EMULATOR_ACCOUNT_NAME,
    accountKey: EMULATOR_ACCOUNT_KEY,
    close: () => server.close(),
  };
}

/** The queue service: the generator's fan-out, as the Functions host's queue binding uses it. */
export const startLocalQueueService = (dataDir: string) => startAzurite('queue', dataDir);

/** The blob service: calibration certificates (shared/storage/blob-store.ts). */
export const startLocalBlobService = (dataDir: string) => startAzurite('blob', dataDir);
