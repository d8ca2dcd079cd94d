import { InvocationContext } from '@azure/functions';
import type { TokenCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addModel } from '../shared/catalog/manage-catalog.js';
import { registerEquipment } from '../shared/equipment/manage-equipment.js';
import { reloadSettings } from '../shared/platform/config.js';
import { registeredQueueFunctions } from '../shared/platform/registry.js';
import {
  cosmosDependencyProperties,
  cosmosDependencyType,
  forgetTelemetryStart,
  startTelemetry,
  telemetryEvents,
  useTelemetrySink,
  type ApplicationInsightsSdk,
  type TelemetrySink,
} from '../shared/platform/telemetry.js';
import { generatorQueue } from '../shared/jobs/generator-runs.js';
import { systemActor } from '../shared/users/manage-users.js';
import type { PmRecord } from '../shared/schemas/records.js';
import type { ApiClient } from './helpers/api-client.js';
import { demoPassword, startTestProduct, type TestProduct } from './helpers/test-product.js';

type RecordedEvent = Parameters<TelemetrySink['trackEvent']>[0];
type RecordedDependency = Parameters<TelemetrySink['trackDependency']>[0];

/** What a TelemetryClient would have sent, kept for the assertions. */
class RecordingSink implements TelemetrySink {
  events: RecordedEvent[] = [];
  dependencies: RecordedDependency[] = [];
  trackEvent(event: RecordedEvent): void {
    this.events.push(structuredClone(event));
  }
  trackDependency(dependency: RecordedDependency): void {
    this.dependencies.push(structuredClone(dependency));
  }
  named(name: string): RecordedEvent[] {
    return this.events.filter((event) => event.name === name);
  }
}

const recorder = new RecordingSink();
let product: TestProduct;
let admin: ApiClient;
const dayMs = 24 * 60 * 60 * 1000;

function expectCatalogueFields(event: RecordedEvent): void {
  const declared = telemetryEvents[event.name as keyof typeof telemetryEvents];
  expect(declared, event.name).toBeDefined();
  expect(Object.keys(event.properties).sort(), event.name).toEqual([...declared.properties].sort());
  expect(Object.keys(event.measurements).sort(), event.name).toEqual([...declared.measurements].sort());
  for (const value of Object.values(event.measurements)) expect(Number.isFinite(value), event.name).toBe(true);
}

beforeAll(async () => {
  product = await startTestProduct({ LOCKOUT_THRESHOLD: '3', LOCKOUT_MODE: 'permanent' });
  useTelemetrySink(recorder);
  admin = await product.signedIn('admin');
  const since = new Date(Date.now() - 3 * dayMs);
  await admin.post('/api/labs', { labId: 'TEL1', name: 'Telemetry lab', timeZone: 'UTC' });
  await addModel(
    systemActor,
    { modelId: 'Tel model', manufacturer: 'Acme', equipmentClass: 'Mill', active: true, frequencies: { Daily: { tasks: [{ text: 'Clean', kind: 'check' }] } } },
    null,
    since,
  );
  for (const machine of [1, 2])
    await registerEquipment(systemActor, 'TEL1', { serialNumber: `TEL1-M${machine}`, modelId: 'Tel model', status: 'In Service' }, null, since);
  expect((await admin.put('/api/users/tech1/labs/TEL1', { role: 'Technician' })).status).toBe(200);
});
afterAll(async () => {
  useTelemetrySink(undefined);
  await product.cleanup();
});

describe('telemetry an operator reads', () => {
  it('reports a generator run per lab with its figures and cost, under the operation id of its queue message', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const handler = registeredQueueFunctions().find((declaration) => declaration.queueName === generatorQueue)!;
    const context = new InvocationContext({
      invocationId: 'message-1',
      functionName: handler.name,
      traceContext: { traceParent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    await handler.handler({ runId: 'telemetry-run', labId: 'TEL1' }, { messageId: 'message-1', dequeueCount: 1 }, context);

    const [run] = recorder.named('GeneratorRun').filter((event) => event.properties.runId === 'telemetry-run');
    expect(run).toBeDefined();
    expectCatalogueFields(run!);
    expect(run!.properties.labId).toBe('TEL1');
    expect(run!.tagOverrides['ai.operation.id']).toBe(traceId);
    // Two machines, three days back and today: the past days' records are backfilled as Missed.
    const figures = run!.measurements as Record<(typeof telemetryEvents.GeneratorRun.measurements)[number], number>;
    expect(figures.recordsCreated + figures.backfilled).toBeGreaterThanOrEqual(2 * 3);
    expect(run!.measurements.cosmosRequests).toBeGreaterThan(0);
    expect(run!.measurements.requestCharge).toBeGreaterThan(0);
    const missed = recorder.named('PmRecordsMissed').filter((event) => event.properties.labId === 'TEL1');
    expect(missed.map((event) => event.properties.frequency)).toEqual(['Daily']);
    expect(missed[0]!.measurements.count).toBe(figures.backfilled + figures.missedMarked);
    missed.forEach(expectCatalogueFields);
    // Its Cosmos DB requests are dependencies of the same operation, each with its request charge.
    const underRun = recorder.dependencies.filter((dependency) => dependency.tagOverrides['ai.operation.id'] === traceId);
    expect(underRun.length).toBe(figures.cosmosRequests);
    expect(underRun.reduce((sum, dependency) => sum + Number(dependency.properties.requestCharge), 0)).toBeCloseTo(figures.requestCharge, 6);
  });

  it('reports Cosmos DB calls of an HTTP request as dependencies under the trace id the caller sent', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const response = await admin.get('/api/labs/TEL1/equipment', { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } });
    expect(response.status).toBe(200);
    const calls = recorder.dependencies.filter((dependency) => dependency.tagOverrides['ai.operation.id'] === traceId);
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(call.dependencyTypeName).toBe(cosmosDependencyType);
      expect(Object.keys(call.properties).sort()).toEqual([...cosmosDependencyProperties].sort());
      expect(Number(call.properties.requestCharge)).toBeGreaterThan(0);
      expect(call.success).toBe(true);
      expect(call.duration).toBeGreaterThanOrEqual(0);
    }
    expect(calls.map((call) => call.properties.container)).toContain('equipment');
  });

  it('reports a completed record with its lab, frequency and whether it was late', async () => {
    const tech = await product.signedIn('tech1');
    const open = await admin.get<{ items: PmRecord[] }>('/api/labs/TEL1/records?status=Open&pageSize=10');
    const record = open.body.items[0]!;
    const done = await tech.post(`/api/labs/TEL1/records/${record.recordNumber}/complete`, {
      responses: [{ taskId: 'T1', done: true }],
      signature: { password: demoPassword, meaning: 'Performed by' },
    });
    expect(done.status, done.text).toBe(200);
    const [completed] = recorder.named('PmRecordCompleted');
    expectCatalogueFields(completed!);
    expect(completed!.properties).toEqual({ labId: 'TEL1', frequency: 'Daily', late: 'false' });
  });

  it('reports failed sign-ins and the lockout they lead to, naming only the username', async () => {
    const client = product.client();
    // The third wrong password locks the account, and that answer says so (423).
    for (let attempt = 0; attempt < 3; attempt++)
      expect((await client.post('/api/auth/login', { username: 'tech2', password: 'not the password at all' })).status).toBe(attempt < 2 ? 401 : 423);
    expect((await client.post('/api/auth/login', { username: 'nobody-here', password: 'not the password at all' })).status).toBe(401);
    const failures = recorder.named('SignInFailed');
    expect(failures.map((event) => [event.properties.username, event.properties.reason])).toEqual([
      ['tech2', 'sign-in: wrong password'],
      ['tech2', 'sign-in: wrong password'],
      ['tech2', 'sign-in: wrong password'],
      ['nobody-here', 'no such account'],
    ]);
    const [lockout] = recorder.named('AccountLocked');
    expect(lockout!.properties).toEqual({ username: 'tech2' });
    expect(lockout!.measurements).toEqual({ failedAttempts: 3 });
    for (const event of [...failures, lockout!]) {
      expectCatalogueFields(event);
      expect(JSON.stringify(event)).not.toContain('not the password at all');
    }
  });

  it('reports a denied request with the route template, not the ids in its path', async () => {
    const tech = await product.signedIn('tech1');
    expect((await tech.post('/api/admin/generate', {})).status).toBe(403);
    const [denied] = recorder.named('RequestDenied');
    expectCatalogueFields(denied!);
    expect(denied!.properties.username).toBe('tech1');
    expect(denied!.properties.route).toBe('POST /api/admin/generate');
  });
});

describe('starting Application Insights', () => {
  /** Stands in for the applicationinsights package and keeps what the product did with it. */
  function recordingSdk() {
    const calls: string[] = [];
    const config: { aadTokenCredential?: TokenCredential } = {};
    const sdk: ApplicationInsightsSdk = {
      setup: (connectionString) => {
        calls.push(`setup ${connectionString}`);
        return { setAutoCollectConsole: () => calls.push('console') };
      },
      start: () => calls.push(`start with credential: ${config.aadTokenCredential !== undefined}`),
      defaultClient: { config, trackEvent: () => undefined, trackDependency: () => undefined },
    };
    return { sdk, calls, config };
  }
  const credential: TokenCredential = { getToken: async () => ({ token: 'a token', expiresOnTimestamp: Date.now() + 60_000 }) };

  async function startWith(environment: Record<string, string | undefined>) {
    const saved = { ...process.env };
    Object.assign(process.env, environment);
    for (const [name, value] of Object.entries(environment)) if (value === undefined) delete process.env[name];
    reloadSettings();
    forgetTelemetryStart();
    const { sdk, calls, config } = recordingSdk();
    const askedFor: (string | undefined)[] = [];
    try {
      await startTelemetry(
        async () => sdk,
        async (clientId) => {
          askedFor.push(clientId);
          return credential;
        },
      );
    } finally {
      process.env = saved;
      reloadSettings();
      forgetTelemetryStart();
      useTelemetrySink(recorder);
    }
    return { calls, config, askedFor };
  }
  const connectionString = 'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://example.invalid/';

  it('in Azure sends with the managed identity, set before the SDK starts', async () => {
    const started = await startWith({
      APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString,
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD',
    });
    expect(started.calls).toEqual([`setup ${connectionString}`, 'console', 'start with credential: true']);
    expect(started.config.aadTokenCredential).toBe(credential);
    expect(started.askedFor).toEqual([undefined]);
  });

  it('uses a user-assigned identity when the setting names its client id', async () => {
    const clientId = '11111111-2222-3333-4444-555555555555';
    const started = await startWith({
      APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString,
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `Authorization=AAD;ClientId=${clientId}`,
    });
    expect(started.askedFor).toEqual([clientId]);
  });

  it('sends with the connection string alone outside Azure, and loads nothing without one', async () => {
    const keyed = await startWith({ APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString, APPLICATIONINSIGHTS_AUTHENTICATION_STRING: undefined });
    expect(keyed.calls).toEqual([`setup ${connectionString}`, 'console', 'start with credential: false']);
    expect(keyed.askedFor).toEqual([]);
    const none = await startWith({ APPLICATIONINSIGHTS_CONNECTION_STRING: undefined, APPLICATIONINSIGHTS_AUTHENTICATION_STRING: undefined });
    expect(none.calls).toEqual([]);
  });
});
