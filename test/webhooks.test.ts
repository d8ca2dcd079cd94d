import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook as Verifier } from 'standardwebhooks';
import { InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverWebhook, failuresBeforeDisabling, planWebhookDeliveries, webhookQueue } from '../shared/integrations/webhook-deliveries.js';
import { generateLab } from '../shared/jobs/lab-run.js';
import type { NotificationChannels } from '../shared/notifications/channels.js';
import type { OutgoingEmail } from '../shared/notifications/outgoing-email.js';
import type { Equipment } from '../shared/schemas/equipment.js';
import type { Nonconformity } from '../shared/schemas/nonconformities.js';
import type { Webhook, WebhookDelivery } from '../shared/schemas/webhooks.js';
import { queuedBy, registeredQueueFunctions, registeredTimers } from '../shared/platform/registry.js';
import type { ApiClient } from './helpers/api-client.js';
import { demoPassword, startTestProduct, type TestProduct } from './helpers/test-product.js';

/** Webhooks (SPEC §14): subscriptions made by administrators, deliveries a Standard Webhooks receiver verifies. */
let product: TestProduct;
let admin: ApiClient;
let manager: ApiClient;
let receiver: Server;
let receiverUrl: string;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}
const received: Received[] = [];
/** What the receiver answers at each path, in turn; the last answer repeats. */
const answers = new Map<string, number[]>();

type Created = Webhook & { secret: string };

async function subscribe(body: Record<string, unknown>): Promise<Created> {
  const created = await admin.post<Created>('/api/integrations/webhooks', body);
  expect(created.status, created.text).toBe(201);
  return created.body;
}

async function inServiceMachine(labId: string): Promise<string> {
  const machines = await admin.get<{ items: { serialNumber: string; status: string }[] }>(`/api/labs/${labId}/equipment`);
  return machines.body.items.find((machine) => machine.status === 'In Service')!.serialNumber;
}

async function reportFault(labId: string, serialNumber: string): Promise<void> {
  const opened = await manager.post(`/api/labs/${labId}/nonconformities`, { serialNumber, description: 'The display flickers and the lid does not lock.' });
  expect(opened.status, opened.text).toBe(201);
}

const minutesFrom = (start: Date, minutes: number) => new Date(start.getTime() + minutes * 60_000);

async function auditOf(entityId: string) {
  const trail = await admin.get<{ items: { action: string; actor: { username: string } | null; reason?: string }[] }>(
    `/api/audit?entityType=webhook&entityId=${entityId}&pageSize=100`,
  );
  expect(trail.status, trail.text).toBe(200);
  return trail.body.items;
}

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      received.push({ path: request.url ?? '', headers: request.headers, body });
      const queue = answers.get(request.url ?? '') ?? [204];
      const status = queue.length > 1 ? queue.shift()! : queue[0]!;
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  product = await startTestProduct({ WEBHOOKS_ALLOW_LOOPBACK: 'true' });
  admin = await product.signedIn('admin');
  manager = await product.signedIn('manager1');
}, 60_000);
afterAll(async () => {
  await product.cleanup();
  await new Promise((resolve) => receiver.close(resolve));
});

describe('webhook deliveries', () => {
  it('URS-101 URS-102 delivers a quarantine signed so the reference implementation verifies it, retried after two 500s with the same webhook-id', async () => {
    const subscription = await subscribe({ name: 'LIMS', url: `${receiverUrl}/lims`, events: ['machine.quarantined'], labIds: ['LAB01'] });
    expect(subscription.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    answers.set('/lims', [500, 500, 200]);
    const serialNumber = await inServiceMachine('LAB01');
    await reportFault('LAB01', serialNumber);

    const start = new Date();
    const first = await planWebhookDeliveries(start);
    expect(first).toHaveLength(1);
    expect(await deliverWebhook(first[0]!, start)).toBe('will retry');
    // Queued already, and not yet due again: nothing to send.
    expect(await planWebhookDeliveries(start)).toEqual([]);
    const second = await planWebhookDeliveries(minutesFrom(start, 2));
    expect(second).toEqual(first);
    expect(await deliverWebhook(second[0]!, minutesFrom(start, 2))).toBe('will retry');
    const third = await planWebhookDeliveries(minutesFrom(start, 10));
    expect(await deliverWebhook(third[0]!, minutesFrom(start, 10))).toBe('delivered');
    expect(await deliverWebhook(third[0]!, minutesFrom(start, 10))).toBe('nothing to do');
    expect(await planWebhookDeliveries(minutesFrom(start, 60))).toEqual([]);

    const attempts = received.filter((request) => request.path === '/lims');
    expect(attempts).toHaveLength(3);
    const verifier = new Verifier(subscription.secret);
    const events = attempts.map((request) => verifier.verify(request.body, request.headers as Record<string, string>));
    expect(new Set(attempts.map((request) => request.headers['webhook-id'])).size).toBe(1);
    expect(attempts[0]!.headers['webhook-id']).toBe(first[0]!.webhookId);
    expect(events[0]).toMatchObject({
      type: 'machine.quarantined',
      data: { labId: 'LAB01', entityType: 'equipment', entityId: serialNumber, actor: expect.any(String) },
    });
    // A receiver that keeps what it has not seen, by id, takes the event once.
    const kept = new Map(attempts.map((request) => [request.headers['webhook-id'], request.body]));
    expect(kept.size).toBe(1);
    expect(() => verifier.verify(attempts[0]!.body.replace('LAB01', 'LAB02'), attempts[0]!.headers as Record<string, string>)).toThrow();

    const log = await admin.get<{ items: WebhookDelivery[] }>(`/api/integrations/webhooks/${subscription.subscriptionId}/deliveries`);
    expect(log.status, log.text).toBe(200);
    expect(log.body.items).toHaveLength(1);
    expect(log.body.items[0]).toMatchObject({ webhookId: first[0]!.webhookId, eventType: 'machine.quarantined', state: 'delivered', nextAttemptAt: null });
    expect(log.body.items[0]!.attempts.map((attempt) => attempt.status)).toEqual([500, 500, 200]);
    expect((await admin.get<Webhook>(`/api/integrations/webhooks/${subscription.subscriptionId}`)).body.consecutiveFailures).toBe(0);
  });

  it('URS-102 disables a subscription whose attempts keep failing, audited, and tells the Administrators', async () => {
    expect(
      (
        await admin.put('/api/me/notifications', {
          email: 'admin@example.com',
          digestLabs: [],
          immediateNotices: false,
          channels: { email: true, teams: false },
        })
      ).status,
    ).toBe(200);
    const subscription = await subscribe({
      name: 'Broken receiver',
      url: `${receiverUrl}/broken`,
      events: ['machine.quarantined', 'nonconformity.opened'],
      labIds: ['LAB02'],
    });
    answers.set('/broken', [503]);
    await reportFault('LAB02', await inServiceMachine('LAB02'));
    const sent: OutgoingEmail[] = [];
    const channels: NotificationChannels = {
      emailAvailable: () => true,
      teamsAvailable: async () => false,
      sendEmail: async (email) => void sent.push(email),
      postToTeams: async () => undefined,
    };
    const start = new Date();
    let attempts = 0;
    for (let day = 0; day < 20 && (await admin.get<Webhook>(`/api/integrations/webhooks/${subscription.subscriptionId}`)).body.enabled; day += 1) {
      for (const message of await planWebhookDeliveries(minutesFrom(start, day * 24 * 60))) {
        if (message.subscriptionId !== subscription.subscriptionId) continue;
        await deliverWebhook(message, minutesFrom(start, day * 24 * 60), { channels });
        attempts += 1;
      }
    }
    expect(attempts).toBeGreaterThanOrEqual(failuresBeforeDisabling);
    const stopped = (await admin.get<Webhook>(`/api/integrations/webhooks/${subscription.subscriptionId}`)).body;
    expect(stopped).toMatchObject({ enabled: false, consecutiveFailures: failuresBeforeDisabling });
    expect(stopped.disabledReason).toContain(`${failuresBeforeDisabling} delivery attempts failed in a row; the last: The receiver answered 503`);
    const trail = await auditOf(subscription.subscriptionId);
    expect(trail.map((entry) => entry.action)).toEqual(['webhook.disabled', 'webhook.created']);
    expect(trail[0]!.actor?.username).toBe('system');
    expect(sent.map((email) => [email.to.address, email.subject])).toEqual([
      ['admin@example.com', `Webhook "Broken receiver" disabled after ${failuresBeforeDisabling} failed deliveries`],
    ]);
    expect(await planWebhookDeliveries(minutesFrom(start, 40 * 24 * 60))).toEqual([]);
  });
});

describe('webhook functions', () => {
  it('URS-102 the timer puts due deliveries on the webhook queue, and the queue function sends them', async () => {
    const subscription = await subscribe({ name: 'Queued', url: `${receiverUrl}/queued`, events: ['nonconformity.opened'], labIds: ['LAB01'] });
    await reportFault('LAB01', await inServiceMachine('LAB01'));
    const timer = registeredTimers().find((declaration) => declaration.name === 'webhooksOnSchedule')!;
    const timerContext = new InvocationContext({ functionName: timer.name });
    const now = new Date().toISOString();
    await timer.handler({ isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: now, next: now, lastUpdated: now } }, timerContext);
    const [queued] = queuedBy(timerContext, timer.queueOutputs);
    expect(queued?.queueName).toBe(webhookQueue);
    const ours = queued!.messages.filter((message) => (message as { subscriptionId: string }).subscriptionId === subscription.subscriptionId);
    expect(ours).toHaveLength(1);
    const deliver = registeredQueueFunctions().find((declaration) => declaration.queueName === webhookQueue)!;
    await deliver.handler(deliver.message.parse(ours[0]), { messageId: 'm1', dequeueCount: 1 }, new InvocationContext({ functionName: deliver.name }));
    const sent = received.filter((request) => request.path === '/queued');
    expect(sent).toHaveLength(1);
    expect(new Verifier(subscription.secret).verify(sent[0]!.body, sent[0]!.headers as Record<string, string>)).toMatchObject({ type: 'nonconformity.opened' });
  });
});

describe('webhook subscriptions', () => {
  it('URS-103 shows the secret only when made; disabling, enabling and deleting are audited', async () => {
    const created = await subscribe({ name: 'Every lab', url: `${receiverUrl}/all`, events: ['calibration.overdue', 'nonconformity.closed'] });
    expect(created).toMatchObject({ labIds: null, enabled: true, createdBy: 'admin' });
    const listed = await admin.get<{ items: Webhook[] }>('/api/integrations/webhooks');
    expect(listed.body.items.find((item) => item.subscriptionId === created.subscriptionId)).toMatchObject({ name: 'Every lab' });
    expect(listed.text).not.toContain(created.secret);
    const disabled = await admin.patch<Webhook>(`/api/integrations/webhooks/${created.subscriptionId}`, { enabled: false });
    expect(disabled.body).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('Disabled by') });
    expect((await admin.patch<Webhook>(`/api/integrations/webhooks/${created.subscriptionId}`, { enabled: true })).body.enabled).toBe(true);
    expect((await admin.delete(`/api/integrations/webhooks/${created.subscriptionId}`)).status).toBe(204);
    expect((await admin.get(`/api/integrations/webhooks/${created.subscriptionId}`)).status).toBe(404);
    expect((await admin.get(`/api/integrations/webhooks/${created.subscriptionId}/deliveries`)).status).toBe(404);
    expect((await auditOf(created.subscriptionId)).map((entry) => entry.action)).toEqual([
      'webhook.deleted',
      'webhook.enabled',
      'webhook.disabled',
      'webhook.created',
    ]);
    const trail = JSON.stringify(await auditOf(created.subscriptionId));
    expect(trail).not.toContain(created.secret);
  });

  it('URS-100 URS-103 refuses an address inside the network or an unknown lab with a sentence, and writes nothing', async () => {
    const before = (await admin.get<{ items: Webhook[] }>('/api/integrations/webhooks?pageSize=500')).body.items.length;
    const metadata = await admin.post<{ detail: string }>('/api/integrations/webhooks', {
      name: 'Metadata',
      url: 'https://169.254.169.254/latest',
      events: ['machine.quarantined'],
    });
    expect(metadata.status).toBe(400);
    expect(metadata.body.detail).toBe(
      'URL is refused: Webhooks are not sent inside the network: 169.254.169.254 is a link-local address, where the cloud metadata service answers.',
    );
    const privateHttp = await admin.post<{ detail: string }>('/api/integrations/webhooks', {
      name: 'Private',
      url: 'http://10.0.0.5/hook',
      events: ['machine.quarantined'],
    });
    expect(privateHttp.body.detail).toContain('10.0.0.5 is a private address');
    const ipv6 = await admin.post<{ detail: string }>('/api/integrations/webhooks', {
      name: 'Inside',
      url: 'https://[fd00::5]/hook',
      events: ['machine.quarantined'],
    });
    expect(ipv6.body.detail).toContain('unique local');
    const unknownLab = await admin.post<{ detail: string }>('/api/integrations/webhooks', {
      name: 'Nowhere',
      url: 'https://203.0.113.10/hook',
      events: ['machine.quarantined'],
      labIds: ['LAB99'],
    });
    expect(unknownLab.body.detail).toBe('Labs must be labs of this installation; there is no LAB99.');
    const noEvents = await admin.post<{ detail: string }>('/api/integrations/webhooks', { name: 'Quiet', url: 'https://203.0.113.10/hook', events: [] });
    expect(noEvents.status).toBe(400);
    const technician = await (
      await product.signedIn('tech1')
    ).post('/api/integrations/webhooks', { name: 'Mine', url: 'https://203.0.113.10/hook', events: ['machine.quarantined'] });
    expect(technician.status).toBe(403);
    expect((await admin.get<{ items: Webhook[] }>('/api/integrations/webhooks?pageSize=500')).body.items).toHaveLength(before);
    const trail = await admin.get<{ items: unknown[] }>('/api/audit?entityType=webhook&pageSize=500');
    expect(trail.body.items.every((entry) => !JSON.stringify(entry).includes('203.0.113.10') && !JSON.stringify(entry).includes('169.254.169.254'))).toBe(true);
  });
});

describe('webhook events of fitness and missed checklists', () => {
  /** Plans the due deliveries and sends those of one subscription; answers what its receiver verified, oldest event first. */
  async function deliveredTo(subscription: Created, path: string, now = new Date()) {
    const ours = (await planWebhookDeliveries(now)).filter((message) => message.subscriptionId === subscription.subscriptionId);
    for (const message of ours) expect(await deliverWebhook(message, now)).toBe('delivered');
    const verifier = new Verifier(subscription.secret);
    const events = received
      .filter((request) => request.path === path)
      .map(
        (request) =>
          verifier.verify(request.body, request.headers as Record<string, string>) as { type: string; timestamp: string; data: Record<string, unknown> },
      );
    return { messages: ours, events: events.sort((a, b) => a.timestamp.localeCompare(b.timestamp)) };
  }

  it('URS-172 tells when a machine stops being fit for use (a quarantine) and when it is fit again (a signed return to service), once each', async () => {
    const subscription = await subscribe({ name: 'LIMS fitness', url: `${receiverUrl}/fitness`, events: ['machine.fitness-changed'], labIds: ['LAB01'] });
    const machines = await admin.get<{ items: Equipment[] }>('/api/labs/LAB01/equipment');
    const serialNumber = machines.body.items.find((machine) => machine.status === 'In Service' && machine.fitness.state === 'fit')!.serialNumber;
    const opened = await manager.post<Nonconformity>('/api/labs/LAB01/nonconformities', { serialNumber, description: 'The spindle stalls under load.' });
    expect(opened.status, opened.text).toBe(201);
    // A second fault on a machine already not fit changes nothing a LIMS acts on: no event.
    await reportFault('LAB01', serialNumber);
    const held = (await admin.get<Equipment>(`/api/labs/LAB01/equipment/${serialNumber}`)).body;
    const returned = await manager.post<Equipment>(`/api/labs/LAB01/equipment/${serialNumber}/return-to-service`, {
      signature: { password: demoPassword },
      nonconformities: held.quarantinedBy,
      note: 'Spindle bearings replaced and run in',
    });
    expect(returned.status, returned.text).toBe(200);
    expect(returned.body.fitness.state).not.toBe('not fit');

    const { messages, events } = await deliveredTo(subscription, '/fitness');
    expect(messages).toHaveLength(2);
    expect(events.map((event) => event.type)).toEqual(['machine.fitness-changed', 'machine.fitness-changed']);
    expect(events[0]!.data).toMatchObject({
      labId: 'LAB01',
      entityType: 'equipment',
      entityId: serialNumber,
      action: 'equipment.fitness-changed',
      actor: expect.any(String),
      details: { fitForUse: false, fitness: 'not fit', reasons: expect.arrayContaining(['open nonconformity']), because: 'equipment.quarantined' },
    });
    expect(events[1]!.data).toMatchObject({
      entityId: serialNumber,
      reason: 'fit for use again',
      details: { fitForUse: true, reasons: [], because: 'equipment.returned-to-service' },
    });
    // The machine's own trail says so too, in the words of the audit page.
    const trail = await admin.get<{ items: { action: string }[] }>(`/api/audit?entityType=equipment&entityId=${serialNumber}&pageSize=100`);
    expect(trail.body.items.filter((entry) => entry.action === 'equipment.fitness-changed')).toHaveLength(2);
  });

  it('URS-173 tells of each checklist the generator leaves missed, with its record, machine and period', async () => {
    const subscription = await subscribe({ name: 'LIMS missed', url: `${receiverUrl}/missed`, events: ['record.missed'], labIds: ['LAB02'] });
    // Two days on, today's open checklists are past their due time and the days between are backfilled as missed.
    const later = new Date(Date.now() + 2 * 24 * 60 * 60_000);
    const run = await generateLab('LAB02', later, 'webhook-missed');
    const missed = run.missed + run.backfilled;
    expect(missed).toBeGreaterThan(0);

    const { messages, events } = await deliveredTo(subscription, '/missed', later);
    expect(messages).toHaveLength(missed);
    expect(events).toHaveLength(missed);
    expect(new Set(events.map((event) => event.data.entityId)).size).toBe(missed);
    const event = events[0]!;
    expect(event).toMatchObject({
      type: 'record.missed',
      data: {
        labId: 'LAB02',
        entityType: 'record',
        action: 'records.generated',
        actor: 'EquipManSys record generator',
        details: { recordNumber: event.data.entityId, serialNumber: expect.any(String), frequency: expect.any(String), periodStart: expect.any(String) },
      },
    });
    const record = await admin.get<{ status: string }>(`/api/labs/LAB02/records/${String(event.data.entityId)}`);
    expect(record.status, record.text).toBe(200);
    expect(record.body.status).toBe('Missed');
    // Read again, the same entries make no second delivery.
    expect((await planWebhookDeliveries(later)).filter((message) => message.subscriptionId === subscription.subscriptionId)).toEqual([]);
  });
});
