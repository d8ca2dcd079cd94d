import { settings } from './config.js';

let started: Promise<void> | undefined;

/**
 * Starts Application Insights when a connection string is configured. The SDK is imported lazily so
 * that a cold start without telemetry does not pay for loading it.
 */
export function startTelemetry(): Promise<void> {
  const connectionString = settings().APPLICATIONINSIGHTS_CONNECTION_STRING;
  if (!connectionString) return Promise.resolve();
  started ??= import('applicationinsights').then(({ default: appInsights }) => {
    appInsights.setup(connectionString).setAutoCollectConsole(true, true).start();
  });
  return started;
}
