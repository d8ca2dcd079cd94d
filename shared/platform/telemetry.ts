import type { TokenCredential } from '@azure/identity';
import { settings } from './config.js';
import { currentOperationId } from './operation-context.js';

/**
 * Every custom event the product sends, with the customDimensions (properties) and
 * customMeasurements it carries. The workbook and alert queries in infra/monitoring read exactly
 * these names; test/telemetry-queries.test.ts holds them to it. Nothing here carries a password, a
 * token or personal data beyond a username.
 */
export const telemetryEvents = {
  GeneratorRun: {
    properties: ['labId', 'runId'],
    measurements: ['recordsCreated', 'backfilled', 'missedMarked', 'cancelled', 'reopened', 'batches', 'cosmosRequests', 'requestCharge', 'durationMs'],
  },
  GeneratorRunFailed: { properties: ['labId', 'runId', 'reason'], measurements: ['attempt', 'cosmosRequests', 'requestCharge', 'durationMs'] },
  GeneratorMessagePoisoned: { properties: ['labId', 'runId'], measurements: [] },
  /** Records that became Missed in one run, per frequency: by the due time passing or by backfill. */
  PmRecordsMissed: { properties: ['labId', 'frequency'], measurements: ['count'] },
  PmRecordCompleted: { properties: ['labId', 'frequency', 'late'], measurements: [] },
  SignInFailed: { properties: ['username', 'method', 'reason'], measurements: [] },
  AccountLocked: { properties: ['username'], measurements: ['failedAttempts'] },
  /** The username is sent only for a per-account limit; a per-address limit names no one. */
  RequestRateLimited: { properties: ['limit', 'username'], measurements: ['retryAfterSeconds'] },
  RequestDenied: { properties: ['username', 'route', 'reason'], measurements: [] },
  /** A machine found past its calibration due date plus grace by the hourly check: not fit for use. */
  CalibrationOverdue: { properties: ['labId', 'serialNumber'], measurements: ['daysOverdue'] },
  /** A certificate whose stored bytes no longer match the SHA-256 recorded at upload; it was not sent. */
  CertificateIntegrityFailed: { properties: ['labId', 'calibrationNumber', 'certificateId'], measurements: [] },
  /** SPEC §10: a fault or an out-of-tolerance finding, its machine, and how many results it may have touched. */
  NonconformityOpened: { properties: ['labId', 'ncNumber', 'serialNumber', 'source'], measurements: ['items', 'labsTouched'] },
  EquipmentQuarantined: { properties: ['labId', 'serialNumber', 'ncNumber'], measurements: [] },
  NonconformityClosed: { properties: ['labId', 'ncNumber', 'source'], measurements: ['daysOpen', 'items'] },
  ReturnedToService: { properties: ['labId', 'serialNumber', 'verifiedBy'], measurements: ['daysOutOfService'] },
  /** Once a day per lab (its 08:00 run) for each nonconformity open more than 14 days: what the alert watches. */
  NonconformityOverdue: { properties: ['labId', 'ncNumber', 'serialNumber'], measurements: ['daysOpen'] },
  /** A lab's daily digest went out (state sent) or finished a run with failures to retry (retrying, failed). */
  DigestSent: { properties: ['labId', 'key', 'state'], measurements: ['emails', 'teamsPosts', 'failed', 'runs'] },
  /** One message (e-mail or Teams post) failed all its tries in a run; later runs try again until given up. */
  NotificationFailed: { properties: ['labId', 'kind', 'key', 'channel', 'messageId', 'error'], measurements: ['attempts', 'run'] },
} as const satisfies Record<string, { properties: readonly string[]; measurements: readonly string[] }>;

export type TelemetryEventName = keyof typeof telemetryEvents;
type PropertiesOf<E extends TelemetryEventName> = Record<(typeof telemetryEvents)[E]['properties'][number], string>;
type MeasurementsOf<E extends TelemetryEventName> = Record<(typeof telemetryEvents)[E]['measurements'][number], number>;

/** The dependency type App Insights gives Cosmos DB, which its portal views group by. */
export const cosmosDependencyType = 'Azure DocumentDB';
/** customDimensions of every Cosmos DB dependency. */
export const cosmosDependencyProperties = ['requestCharge', 'container', 'operation'] as const;

/** The part of the applicationinsights TelemetryClient the product uses; tests pass a recording one. */
export interface TelemetrySink {
  trackEvent(event: { name: string; properties: Record<string, string>; measurements: Record<string, number>; tagOverrides: Record<string, string> }): void;
  trackDependency(dependency: {
    name: string;
    data: string;
    target: string;
    dependencyTypeName: string;
    duration: number;
    resultCode: string;
    success: boolean;
    properties: Record<(typeof cosmosDependencyProperties)[number], string>;
    tagOverrides: Record<string, string>;
  }): void;
}

let sink: TelemetrySink | undefined;

/** Where telemetry goes from now on; undefined drops it. */
export function useTelemetrySink(next: TelemetrySink | undefined): void {
  sink = next;
}

/** Items carry the operation id of the request or message being served (App Insights' operation_Id). */
function operationTags(): Record<string, string> {
  const operationId = currentOperationId();
  return operationId ? { 'ai.operation.id': operationId } : {};
}

/** Telemetry never stands in the way of the work it describes. */
function safely(send: (target: TelemetrySink) => void): void {
  if (!sink) return;
  try {
    send(sink);
  } catch (error) {
    console.error('Telemetry could not be sent', error);
  }
}

export function trackProductEvent<E extends TelemetryEventName>(name: E, properties: PropertiesOf<E>, measurements: MeasurementsOf<E>): void {
  safely((target) => target.trackEvent({ name, properties, measurements, tagOverrides: operationTags() }));
}

export interface CosmosCall {
  operation: string;
  container: string;
  path: string;
  endpoint: string;
  durationMs: number;
  statusCode: number;
  requestCharge: number;
}

export function trackCosmosDependency(call: CosmosCall): void {
  safely((target) =>
    target.trackDependency({
      name: `${call.operation} ${call.container}`,
      data: call.path,
      target: call.endpoint,
      dependencyTypeName: cosmosDependencyType,
      duration: call.durationMs,
      resultCode: String(call.statusCode),
      // 404, 409 and 412 are answers the product expects and acts on (absent, exists, changed by
      // someone else); only throttling, timeouts and server errors are failures of the dependency.
      success: call.statusCode < 500 && call.statusCode !== 429 && call.statusCode !== 408,
      properties: { requestCharge: String(call.requestCharge), container: call.container, operation: call.operation },
      tagOverrides: operationTags(),
    }),
  );
}

/** What startTelemetry needs of the applicationinsights package; a test passes a recording stand-in. */
export interface ApplicationInsightsSdk {
  setup(connectionString: string): { setAutoCollectConsole(collect: boolean, collectExternal: boolean): unknown };
  start(): unknown;
  readonly defaultClient: TelemetrySink & { config: { aadTokenCredential?: TokenCredential } };
}

async function loadApplicationInsights(): Promise<ApplicationInsightsSdk> {
  const { default: appInsights } = await import('applicationinsights');
  return appInsights as unknown as ApplicationInsightsSdk;
}

/**
 * "Authorization=AAD" (Bicep sets it) means the resource accepts Entra tokens only: local
 * authentication is disabled, so the connection string's key would be refused. The credential is the
 * app's managed identity, system-assigned unless the setting names a client id.
 */
async function managedIdentityCredential(clientId: string | undefined): Promise<TokenCredential> {
  const { ManagedIdentityCredential } = await import('@azure/identity');
  return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
}

let started: Promise<void> | undefined;

/**
 * Starts Application Insights when a connection string is configured. The SDK is imported lazily so
 * that a cold start without telemetry does not pay for loading it.
 */
export function startTelemetry(
  loadSdk: () => Promise<ApplicationInsightsSdk> = loadApplicationInsights,
  credentialFor: (clientId: string | undefined) => Promise<TokenCredential> = managedIdentityCredential,
): Promise<void> {
  const { APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString, APPLICATIONINSIGHTS_AUTHENTICATION_STRING: authentication } = settings();
  if (!connectionString) return Promise.resolve();
  started ??= (async () => {
    const appInsights = await loadSdk();
    appInsights.setup(connectionString).setAutoCollectConsole(true, true);
    if (authentication) appInsights.defaultClient.config.aadTokenCredential = await credentialFor(authentication.clientId);
    appInsights.start();
    useTelemetrySink(appInsights.defaultClient);
  })();
  return started;
}

/** Lets a test start telemetry again with other settings. */
export function forgetTelemetryStart(): void {
  started = undefined;
  sink = undefined;
}
