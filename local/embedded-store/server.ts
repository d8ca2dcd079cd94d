import { createHttpServer } from '@vercel/cosmosdb-server';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CosmosConnection } from '../../shared/data/cosmos.js';
import { applyEmbeddedStoreCorrections } from './corrections.js';

export interface EmbeddedCosmos {
  connection: CosmosConnection;
  /** Called after every request that may have changed data (not reads or queries). */
  onWrite: (listener: () => void) => void;
  /** Called for every request the SDK sends: how the benchmark counts Cosmos requests. */
  onRequest: (listener: (request: IncomingMessage) => void) => () => void;
  close: () => Promise<void>;
}

/**
 * The Cosmos-compatible store, in this process, on loopback only, with the corrections that make it
 * behave like Cosmos DB where the product depends on it (see corrections.ts).
 */
export async function startEmbeddedCosmos(options: { corrected?: boolean } = {}): Promise<EmbeddedCosmos> {
  if (options.corrected !== false) applyEmbeddedStoreCorrections();
  const server = createHttpServer({ keepAlive: true });
  const listeners: (() => void)[] = [];
  const requestListeners: ((request: IncomingMessage) => void)[] = [];
  server.on('request', (request) => {
    requestListeners.forEach((listener) => listener(request));
    const isRead = request.method === 'GET' || request.method === 'HEAD';
    const isQuery = request.headers['x-ms-documentdb-isquery'] !== undefined;
    if (!isRead && !isQuery) request.on('end', () => listeners.forEach((listener) => listener()));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    // The embedded store checks no key; the SDK insists on one.
    connection: { endpoint: `http://127.0.0.1:${port}`, key: 'embedded-store-accepts-any-key' },
    onWrite: (listener) => listeners.push(listener),
    onRequest: (listener) => {
      requestListeners.push(listener);
      return () => requestListeners.splice(requestListeners.indexOf(listener), 1);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
