import { PluginOn, type PluginConfig } from '@azure/cosmos';
import { countCosmosRequest } from '../platform/operation-context.js';
import { trackCosmosDependency } from '../platform/telemetry.js';

function requestChargeOf(headers: Record<string, unknown> | undefined): number {
  const charge = Number(headers?.['x-ms-request-charge'] ?? 0);
  return Number.isFinite(charge) ? charge : 0;
}

/** "/dbs/equipmansys/colls/records/docs/x" -> "records"; the database itself for account-level calls. */
function containerOf(path: string | undefined): string {
  return /\/colls\/([^/]+)/.exec(path ?? '')?.[1] ?? 'database';
}

/**
 * Every request the SDK sends, each of its retries included: counted for the work that caused it (the
 * generator reports what a lab's run cost) and reported to Application Insights as a dependency with
 * its request charge, which the SDK's own tracing leaves out.
 */
export const reportCosmosRequests: PluginConfig = {
  on: PluginOn.request,
  plugin: async (context, diagnostics, next) => {
    const started = performance.now();
    const report = (statusCode: number, headers: Record<string, unknown> | undefined) => {
      const requestCharge = requestChargeOf(headers);
      countCosmosRequest(requestCharge);
      trackCosmosDependency({
        operation: `${context.operationType ?? context.method} ${context.resourceType ?? ''}`.trim(),
        container: containerOf(context.path),
        path: context.path ?? '',
        endpoint: context.endpoint ? new URL(context.endpoint).host : '',
        durationMs: performance.now() - started,
        statusCode,
        requestCharge,
      });
    };
    try {
      const response = await next(context);
      report(response.code ?? 200, response.headers);
      return response;
    } catch (error) {
      const failure = error as { code?: unknown; headers?: Record<string, unknown> };
      report(typeof failure.code === 'number' ? failure.code : 0, failure.headers);
      throw error;
    }
  },
};
