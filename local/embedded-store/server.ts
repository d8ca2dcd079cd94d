import { createHttpServer } from '@vercel/cosmosdb-server';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CosmosConnection } from '../../shared/data/cosmos.js';
import { utf8Bytes } from '../../shared/platform/json-body.js';
import { applyEmbeddedStoreCorrections, insertDocuments, storeChangeCount, takeLastAccount } from './corrections.js';

export interface EmbeddedCosmos {
  connection: CosmosConnection;
  /** Called after every request that changed data; never for one that only read, whatever its method. */
  onWrite: (listener: () => void) => void;
  /** Puts documents into an existing container without a request (the local host's restore). */
  insert: (databaseId: string, containerId: string, documents: readonly Record<string, unknown>[]) => number;
  /** Called for every request the SDK sends: how the benchmark counts Cosmos requests. */
  onRequest: (listener: (request: IncomingMessage) => void) => () => void;
  close: () => Promise<void>;
}

export interface EmbeddedCosmosOptions {
  corrected?: boolean;
  /**
   * Runs before every answer leaves the store, synchronously: the local host writes its journal here,
   * so that no write is acknowledged before it is on disk. When it throws, the request answers 503.
   */
  beforeAnswer?: () => void;
}

function answerAfter(response: ServerResponse, beforeAnswer: (() => void) | undefined): void {
  const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
  response.end = ((...args: unknown[]) => {
    try {
      beforeAnswer?.();
    } catch (error) {
      if (response.headersSent) {
        response.destroy(error as Error);
        return response;
      }
      response.statusCode = 503;
      response.setHeader('content-type', 'application/json');
      return end(JSON.stringify({ code: 'ServiceUnavailable', message: `The local store could not save the change: ${(error as Error).message}` }));
    }
    // The store answers with one JSON string; encoded once here, Node neither measures it nor encodes it again.
    if (typeof args[0] === 'string' && !response.headersSent) {
      const bytes = utf8Bytes(args[0]);
      response.setHeader('content-length', bytes.length);
      return end(bytes);
    }
    return end(...args);
  }) as ServerResponse['end'];
}

/**
 * The Cosmos-compatible store, in this process, on loopback only, with the corrections that make it
 * behave like Cosmos DB where the product depends on it (see corrections.ts).
 */
export async function startEmbeddedCosmos(options: EmbeddedCosmosOptions = {}): Promise<EmbeddedCosmos> {
  // Without the corrections nothing counts the store's writes: that store (the benchmark's baseline) never reports one.
  if (options.corrected !== false) applyEmbeddedStoreCorrections();
  const server = createHttpServer({ keepAlive: true });
  const { beforeAnswer } = options;
  server.prependListener('request', (_request, response) => answerAfter(response, beforeAnswer));
  const listeners: (() => void)[] = [];
  const requestListeners: ((request: IncomingMessage) => void)[] = [];
  let changesSeen = storeChangeCount();
  server.on('request', (request, response) => {
    requestListeners.forEach((listener) => listener(request));
    // Counted on the store's own writes, not guessed from the request: the SDK sends queries, query
    // plans and batches of reads as POST, and a snapshot's own reads must not schedule the next one.
    response.on('finish', () => {
      const changes = storeChangeCount();
      if (changes === changesSeen) return;
      changesSeen = changes;
      listeners.forEach((listener) => listener());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const account = takeLastAccount();
  return {
    // The embedded store checks no key; the SDK insists on one.
    connection: { endpoint: `http://127.0.0.1:${port}`, key: 'embedded-store-accepts-any-key' },
    onWrite: (listener) => listeners.push(listener),
    insert: (databaseId, containerId, documents) => {
      if (!account) throw new Error('The embedded store was started without its corrections; it cannot take documents directly');
      return insertDocuments(account, databaseId, containerId, documents);
    },
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
