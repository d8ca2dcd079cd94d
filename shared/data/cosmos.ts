import { CosmosClient, type Container, type CosmosClientOptions, type Database, type PluginConfig } from '@azure/cosmos';
import { settings } from '../platform/config.js';
import { containerDefinitions, type ContainerName } from './containers.js';
import { reportCosmosRequests } from './cosmos-telemetry.js';
import { skipUnusedQueryPlans } from './query-plans.js';

/** Where the data lives when it is not a real account: the embedded store started by the local host. */
export interface CosmosConnection {
  endpoint: string;
  key: string;
}

/**
 * `plugins` is an option of the CosmosClient that @azure/cosmos 4 accepts but leaves out of its
 * published types; test/request-budgets.test.ts fails if a new version stops honouring it. Query plans
 * are skipped before anything is counted, since they never reach the network.
 */
function withProductPlugins(options: CosmosClientOptions): CosmosClientOptions {
  return { ...options, plugins: [skipUnusedQueryPlans, reportCosmosRequests, ...extraPlugins] } as CosmosClientOptions;
}

/** Run after the product's own: the fault-injection tests put the failures of a real network here. */
let extraPlugins: PluginConfig[] = [];

export function useExtraCosmosPlugins(plugins: PluginConfig[]): void {
  extraPlugins = plugins;
  client?.dispose();
  client = undefined;
}

let override: CosmosConnection | undefined;
let client: CosmosClient | undefined;

export function useCosmosConnection(connection: CosmosConnection | undefined): void {
  override = connection;
  client?.dispose();
  client = undefined;
}

async function createClient(): Promise<CosmosClient> {
  const { COSMOS_ENDPOINT, COSMOS_KEY } = settings();
  if (override) {
    // The embedded store speaks plain HTTP; endpoint discovery would switch the SDK to https.
    return new CosmosClient(
      withProductPlugins({
        endpoint: override.endpoint,
        key: override.key,
        connectionPolicy: { enableEndpointDiscovery: false },
      }),
    );
  }
  if (!COSMOS_ENDPOINT) throw new Error('COSMOS_ENDPOINT is not set and no embedded store is running');
  if (COSMOS_KEY) return new CosmosClient(withProductPlugins({ endpoint: COSMOS_ENDPOINT, key: COSMOS_KEY }));
  const { DefaultAzureCredential } = await import('@azure/identity');
  return new CosmosClient(withProductPlugins({ endpoint: COSMOS_ENDPOINT, aadCredentials: new DefaultAzureCredential() }));
}

let pendingClient: Promise<CosmosClient> | undefined;

export async function cosmosClient(): Promise<CosmosClient> {
  if (client) return client;
  pendingClient ??= createClient().finally(() => (pendingClient = undefined));
  client = await pendingClient;
  return client;
}

export async function database(): Promise<Database> {
  return (await cosmosClient()).database(settings().COSMOS_DATABASE);
}

export async function container(name: ContainerName): Promise<Container> {
  return (await database()).container(containerDefinitions[name].id);
}

/**
 * Creates the database and containers where they are missing. In Azure, Bicep creates them (data-plane
 * RBAC cannot); this serves the embedded store, the official emulator and key-based accounts.
 */
export async function ensureSchema(): Promise<void> {
  const cosmos = await cosmosClient();
  const { database: db } = await cosmos.databases.createIfNotExists({ id: settings().COSMOS_DATABASE });
  for (const definition of Object.values(containerDefinitions)) {
    await db.containers.createIfNotExists({
      id: definition.id,
      partitionKey: { paths: [definition.partitionKey] },
      ...('defaultTtl' in definition ? { defaultTtl: definition.defaultTtl } : {}),
      ...('compositeIndexes' in definition
        ? { indexingPolicy: { indexingMode: 'consistent', automatic: true, includedPaths: [{ path: '/*' }], compositeIndexes: definition.compositeIndexes } }
        : {}),
    });
  }
}

/** Readiness: one cheap round trip to the account. */
export async function pingCosmos(): Promise<void> {
  await (await database()).read();
}
