import { PluginOn, type PluginConfig } from '@azure/cosmos';

export type FaultKind = 'throttled' | 'unavailable' | 'timeout' | 'dropped' | 'answer-lost';

export interface FaultCounts {
  requests: number;
  injected: Record<FaultKind, number>;
}

/** A small seeded generator, so a failing chaos run can be repeated exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function failure(code: number | string, message: string, headers: Record<string, string> = {}, retryAfterInMs?: number): Error {
  return Object.assign(new Error(message), { code, headers, ...(retryAfterInMs === undefined ? {} : { retryAfterInMs }) });
}

const writeOperations = new Set(['create', 'upsert', 'replace', 'delete', 'patch', 'batch']);

/**
 * Answers a share of Cosmos DB requests the way a real account and network fail: 429 with
 * x-ms-retry-after-ms, 503, 408, a dropped connection, or a write the server applied whose answer
 * never arrived. The SDK's retry policies see these exactly as they would see the real ones.
 */
export function cosmosFaults(options: { rate: () => number; random: () => number }): { plugin: PluginConfig; counts: FaultCounts } {
  const counts: FaultCounts = { requests: 0, injected: { throttled: 0, unavailable: 0, timeout: 0, dropped: 0, 'answer-lost': 0 } };
  const plugin: PluginConfig = {
    on: PluginOn.request,
    plugin: async (context, _diagnostics, next) => {
      counts.requests += 1;
      if (options.random() >= options.rate()) return next(context);
      const isWrite = writeOperations.has(String(context.operationType));
      const kinds: FaultKind[] = isWrite
        ? ['throttled', 'unavailable', 'timeout', 'dropped', 'answer-lost']
        : ['throttled', 'unavailable', 'timeout', 'dropped'];
      const kind = kinds[Math.floor(options.random() * kinds.length)]!;
      counts.injected[kind] += 1;
      switch (kind) {
        case 'throttled':
          throw failure(429, 'Request rate is large', { 'x-ms-retry-after-ms': '5' }, 5);
        case 'unavailable':
          throw failure(503, 'Service is currently unavailable');
        case 'timeout':
          throw failure(408, 'Request timed out');
        case 'dropped':
          throw failure('ECONNRESET', 'socket hang up');
        case 'answer-lost':
          await next(context);
          throw failure('ECONNRESET', 'socket hang up after the request was sent');
      }
    },
  };
  return { plugin, counts };
}
