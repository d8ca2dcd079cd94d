import type { LogHandler, LogLevel } from '@azure/functions';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import '../functions/index.js';
import { cosmosClient, ensureSchema, useCosmosConnection, type CosmosConnection } from '../shared/data/cosmos.js';
import { reloadSettings } from '../shared/platform/config.js';
import { forgetSecrets } from '../shared/platform/secrets.js';
import { startTelemetry } from '../shared/platform/telemetry.js';
import { registeredQueueFunctions, registeredTimers } from '../shared/platform/registry.js';
import { runEveryLabNow } from '../shared/jobs/generator-runs.js';
import { forgetSetupState, setupNeeded } from '../shared/setup/first-run.js';
import { ensureWritableDirectory, persistentRandomValue } from './data-dir.js';
import { seedDemoCompany, type DemoSeedResult } from './demo-seed.js';
import { seedDemoMeters } from './demo-meters.js';
import { seedDemoRecords } from './demo-records.js';
import { holdsImportedData } from './import/legacy-import.js';
import { startEmbeddedCosmos, type EmbeddedCosmos } from './embedded-store/server.js';
import { createHttpHost } from './http-host.js';
import { loadStaticWebAppConfig } from './static-files.js';
import { openEmbeddedPersistence, type EmbeddedPersistence } from './persistence.js';
import { startTimers } from './timers.js';
import { startLocalBlobService, startLocalQueueService, type LocalBlobService } from './azurite.js';
import { useBlobConnection } from '../shared/storage/blob-store.js';
import { useLocalOutbox } from '../shared/notifications/outbox.js';
import { useLocalSiteOrigin } from '../shared/notifications/notification-runs.js';
import { LocalQueueClient } from './queues/queue-client.js';
import { startQueueRunner, type QueueRunnerOptions } from './queues/queue-runner.js';

export interface LocalProductOptions {
  /** Where to log; defaults to the console. */
  log?: (level: LogLevel, line: string) => void;
  /** Run timers (the tests drive them by hand). */
  timers?: boolean;
  /** How the local queue triggers poll and retry (the tests make them quicker). */
  queues?: QueueRunnerOptions;
}

export interface CosmosRequestCounts {
  total: number;
  queryPlans: number;
  queries: number;
  crossPartitionQueries: number;
  pointReads: number;
  /** Transactional batches, whether they read (a request's session and user) or write. */
  batches: number;
  writes: number;
  /** The containers queried across partitions (the pipeline's per-range queries included), once each. */
  crossPartitionContainers: string[];
}

function kindOf(request: IncomingMessage): keyof Omit<CosmosRequestCounts, 'total' | 'crossPartitionQueries' | 'crossPartitionContainers'> {
  if (request.headers['x-ms-cosmos-is-query-plan-request']) return 'queryPlans';
  if (request.headers['x-ms-documentdb-isquery'] || request.headers['content-type'] === 'application/query+json') return 'queries';
  if (request.headers['x-ms-cosmos-is-batch-request']) return 'batches';
  return request.method === 'GET' ? 'pointReads' : 'writes';
}

export interface LocalProduct {
  url: string;
  port: number;
  dataDir: string;
  embedded: boolean;
  /** The embedded store's address; undefined when COSMOS_ENDPOINT points elsewhere. */
  connection: CosmosConnection | undefined;
  demo: DemoSeedResult | null;
  /** The one-time token of the first-run setup, while the store holds no Administrator; printed once at start. */
  setupToken: string | null;
  /** The Cosmos requests `work` caused, by kind (embedded store only). */
  countCosmosRequests: <T>(work: () => Promise<T>) => Promise<{ result: T; counts: CosmosRequestCounts }>;
  /** Folds the embedded store's journal into its snapshot now (it also happens by itself as the journal grows). */
  snapshotNow: () => Promise<void>;
  stop: () => Promise<void>;
}

function consoleLog(level: LogLevel, line: string): void {
  if (level === 'trace' || level === 'debug') return;
  (level === 'error' || level === 'warning' ? console.error : console.log)(line);
}

function logHandlerFor(log: (level: LogLevel, line: string) => void): LogHandler {
  return (level, ...args) =>
    log(level, args.map((arg) => (arg instanceof Error ? (arg.stack ?? arg.message) : typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
}

async function listen(server: ReturnType<typeof createHttpHost>, port: number): Promise<number> {
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`Port ${port} is already in use; stop the other program or set PORT to a free port`) : error),
    );
    server.listen(port, '127.0.0.1', () => resolvePromise());
  });
  return (server.address() as AddressInfo).port;
}

interface LocalStore {
  store: EmbeddedCosmos;
  persistence: EmbeddedPersistence;
  close: () => Promise<void>;
}

/** The embedded store with what the data folder holds, journaling every change before it is answered. */
async function startStore(dataDir: string, database: string, log: (level: LogLevel, line: string) => void): Promise<LocalStore> {
  // The store answers the restore's own requests before the journal is open.
  const journal: { persistence?: EmbeddedPersistence } = {};
  const store = await startEmbeddedCosmos({ beforeAnswer: () => journal.persistence?.flush() });
  useCosmosConnection(store.connection);
  // Containers as declared today (partition keys, TTLs, composite indexes), whatever the data's age.
  await ensureSchema();
  const opened = await openEmbeddedPersistence({ dataDir, database, client: await cosmosClient(), insert: store.insert, log: (line) => log('error', line) });
  journal.persistence = opened;
  if (opened.restored) log('information', `Restored ${opened.restored} documents from ${dataDir}`);
  return {
    store,
    persistence: opened,
    close: async () => {
      await store.close();
      await opened.close();
    },
  };
}

/**
 * The data `npm start` would use, without the rest of the product: for command-line tools such as
 * the importer. `save` writes the embedded store's snapshot; with COSMOS_ENDPOINT it does nothing.
 */
export async function openLocalData(
  log: (level: LogLevel, line: string) => void = consoleLog,
): Promise<{ dataDir: string; save: () => Promise<void>; close: () => Promise<void> }> {
  const config = reloadSettings();
  const dataDir = resolve(config.LOCAL_DATA_DIR);
  await ensureWritableDirectory(dataDir);
  const local = config.COSMOS_ENDPOINT ? undefined : await startStore(dataDir, config.COSMOS_DATABASE, log);
  if (!local) useCosmosConnection(undefined);
  await ensureSchema();
  const save = async () => {
    await local?.persistence.compact();
  };
  return {
    dataDir,
    save,
    close: async () => {
      await local?.close();
      useCosmosConnection(undefined);
    },
  };
}

/**
 * An installation with no Administrator (no demo, or an empty imported store) is set up in the web
 * app with a one-time token: SETUP_TOKEN where set, else a new random one for this run.
 */
async function localSetupToken(): Promise<string | null> {
  forgetSetupState();
  if (!(await setupNeeded())) return null;
  process.env.SETUP_TOKEN ||= randomBytes(18).toString('base64url');
  forgetSecrets();
  return process.env.SETUP_TOKEN;
}

/** Everything `npm start` runs: the store, the API and site on one port, timers and the demo data. */
export async function startLocalProduct(options: LocalProductOptions = {}): Promise<LocalProduct> {
  const log = options.log ?? consoleLog;
  const config = reloadSettings();
  forgetSecrets();
  await startTelemetry();
  const dataDir = resolve(config.LOCAL_DATA_DIR);
  await ensureWritableDirectory(dataDir);
  process.env.SESSION_SIGNING_KEY ||= await persistentRandomValue(dataDir, 'session-signing-key', 48);

  const embedded = !config.COSMOS_ENDPOINT;
  const local = embedded ? await startStore(dataDir, config.COSMOS_DATABASE, log) : undefined;
  const store = local?.store;
  if (!embedded) useCosmosConnection(undefined);
  await ensureSchema();
  // Certificates go to Azurite in the data folder unless BLOB_SERVICE_URL names an account.
  const blobService: LocalBlobService | undefined = config.BLOB_SERVICE_URL ? undefined : await startLocalBlobService(dataDir);
  useBlobConnection(blobService);
  // E-mail and Teams posts go to a folder a developer can read, unless Azure Communication Services is configured.
  useLocalOutbox(join(dataDir, 'outbox'));

  // The embedded store gets the demo company unless SEED_DEMO_DATA=false (then it starts empty, for
  // the first-run setup); a real account only when asked. A store that received the old system's
  // data is the customer's own: no demo company in it.
  const seedAllowed = (config.SEED_DEMO_DATA ?? embedded) && !(await holdsImportedData());
  // DEMO_PASSWORD, where set, is the password of a demo company created now; the generated one is kept in the data folder.
  const generated = seedAllowed ? await persistentRandomValue(dataDir, 'demo-password', 12) : '';
  const demo = seedAllowed ? await seedDemoCompany(config.DEMO_PASSWORD ? [config.DEMO_PASSWORD, generated] : [generated]) : null;
  // The generator runs once at start, so today's checklists are there before anyone signs in.
  await runEveryLabNow(new Date(), (line) => log('error', line));
  if (demo?.password) {
    await seedDemoRecords(demo.password);
    await seedDemoMeters(demo.password);
  }
  const setupToken = await localSetupToken();

  const logHandler = logHandlerFor(log);
  const queueService = await startLocalQueueService(dataDir);
  const queues = await startQueueRunner(new LocalQueueClient(queueService), registeredQueueFunctions(), logHandler, options.queues);
  const staticRoot = resolve('static-web');
  const server = createHttpHost({ staticRoot, staticConfig: await loadStaticWebAppConfig(staticRoot), logHandler, deliverQueueOutputs: queues.send });
  let port: number;
  try {
    port = await listen(server, config.PORT);
  } catch (error) {
    await queues.stop();
    await queueService.close();
    await blobService?.close();
    await local?.close();
    throw error;
  }
  useLocalSiteOrigin(`http://localhost:${port}`);
  const timers = options.timers === false ? { stop: () => undefined } : startTimers(registeredTimers(), logHandler, queues.send);

  return {
    url: `http://localhost:${port}`,
    port,
    dataDir,
    embedded,
    connection: store?.connection,
    demo,
    setupToken,
    countCosmosRequests: async (work) => {
      const counts: CosmosRequestCounts = {
        total: 0,
        queryPlans: 0,
        queries: 0,
        crossPartitionQueries: 0,
        pointReads: 0,
        batches: 0,
        writes: 0,
        crossPartitionContainers: [],
      };
      const stopCounting = store?.onRequest((request) => {
        counts.total += 1;
        const kind = kindOf(request);
        counts[kind] += 1;
        if (kind === 'queries' && !request.headers['x-ms-documentdb-partitionkey']) {
          counts.crossPartitionQueries += 1;
          const queried = decodeURIComponent(/\/colls\/([^/]+)\//.exec(request.url ?? '')?.[1] ?? '');
          if (!counts.crossPartitionContainers.includes(queried)) counts.crossPartitionContainers.push(queried);
        }
      });
      try {
        return { result: await work(), counts };
      } finally {
        stopCounting?.();
      }
    },
    snapshotNow: async () => {
      await local?.persistence.compact();
    },
    stop: async () => {
      timers.stop();
      await new Promise<void>((resolvePromise) => {
        server.closeAllConnections();
        server.close(() => resolvePromise());
      });
      await queues.stop();
      await queueService.close();
      await blobService?.close();
      useBlobConnection(undefined);
      await local?.close();
      useCosmosConnection(undefined);
    },
  };
}
