import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { container } from '../shared/data/cosmos.js';
import { readDelivery } from '../shared/data/notification-repository.js';
import type { RecordDocument } from '../shared/data/records-repository.js';
import { formatDay, localDay, parseDay, startOfDay } from '../shared/domain/periods.js';
import { addDays } from '../shared/domain/calibration-rules.js';
import { acsEmailSender, configuredChannels, operationIdOf, type NotificationChannels } from '../shared/notifications/channels.js';
import { planNotificationRun, runLabNotifications } from '../shared/notifications/notification-runs.js';
import { forgetSecrets } from '../shared/platform/secrets.js';
import { useTelemetrySink, type TelemetrySink } from '../shared/platform/telemetry.js';
import type { GeneratorHealth } from '../shared/jobs/generator-runs.js';
import type { NotificationSettings, OutboxMessage } from '../shared/schemas/notifications.js';
import type { ApiClient } from './helpers/api-client.js';
import { startTestProduct, type TestProduct } from './helpers/test-product.js';

/**
 * Noon of a lab's today. Runs an hour or a day apart are then on the lab-days the test means whatever
 * the hour it runs: from "now", a run an hour later fell on the next day in the hour before midnight.
 */
const noonIn = (timeZone: string) => new Date(startOfDay(localDay(new Date(), timeZone), timeZone).getTime() + 12 * 3_600_000);

let product: TestProduct;
let admin: ApiClient;
let outbox: string;

/** Every message in the local outbox, as the files hold them. */
async function outboxMessages(): Promise<OutboxMessage[]> {
  const names = await readdir(outbox).catch(() => [] as string[]);
  return Promise.all(names.map(async (name) => JSON.parse(await readFile(join(outbox, name), 'utf8')) as OutboxMessage));
}

const idsOf = (messages: OutboxMessage[], prefix: string) =>
  messages
    .map((message) => message.messageId)
    .filter((id) => id.startsWith(prefix))
    .sort();

interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

function recordingServer(
  answer: (request: RecordedRequest) => { status: number; headers?: Record<string, string>; body?: unknown },
  server: Server = createHttpServer(),
) {
  const requests: RecordedRequest[] = [];
  server.on('request', (request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const recorded = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(recorded);
      const reply = answer(recorded);
      response.writeHead(reply.status, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
      response.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    });
  });
  return {
    requests,
    listen: () => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The Adaptive Card rules a Workflows webhook and Teams hold a post to, for the elements the product uses. */
function expectValidAdaptiveCardMessage(payload: unknown): void {
  const message = payload as { type: string; attachments: { contentType: string; content: Record<string, unknown> }[] };
  expect(message.type).toBe('message');
  expect(message.attachments).toHaveLength(1);
  expect(message.attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
  const card = message.attachments[0]!.content as {
    type: string;
    version: string;
    $schema: string;
    body: Record<string, unknown>[];
    actions: Record<string, unknown>[];
    msteams: { entities: { type: string; text: string; mentioned: { id: string; name: string } }[] };
  };
  expect(card.type).toBe('AdaptiveCard');
  expect(card.$schema).toBe('http://adaptivecards.io/schemas/adaptive-card.json');
  expect(['1.0', '1.1', '1.2', '1.3', '1.4', '1.5']).toContain(card.version);
  const texts: string[] = [];
  const checkElement = (element: Record<string, unknown>) => {
    expect(['TextBlock', 'RichTextBlock', 'FactSet', 'Container']).toContain(element.type);
    if (element.type === 'RichTextBlock') {
      for (const run of element.inlines as { type: string; text: string; selectAction?: { type: string; url: string } }[]) {
        expect(run.type).toBe('TextRun');
        expect(run.text.length).toBeGreaterThan(0);
        // A line's link is the product's own page, never one a person typed.
        if (run.selectAction) expect([run.selectAction.type, run.selectAction.url.startsWith(`${product.url}/`)]).toEqual(['Action.OpenUrl', true]);
      }
    }
    if (element.type === 'TextBlock') {
      expect(typeof element.text).toBe('string');
      expect((element.text as string).length).toBeGreaterThan(0);
      texts.push(element.text as string);
    }
    if (element.type === 'FactSet')
      for (const fact of element.facts as { title: unknown; value: unknown }[]) expect([typeof fact.title, typeof fact.value]).toEqual(['string', 'string']);
    if (element.type === 'Container') (element.items as Record<string, unknown>[]).forEach(checkElement);
  };
  card.body.forEach(checkElement);
  for (const action of card.actions) {
    expect(action.type).toBe('Action.OpenUrl');
    expect(() => new URL(action.url as string)).not.toThrow();
  }
  // Teams shows a mention only when its text appears in the card and the entity names the user.
  for (const mention of card.msteams.entities) {
    expect(mention.type).toBe('mention');
    expect(mention.text).toBe(`<at>${mention.mentioned.name}</at>`);
    expect(texts.some((text) => text.includes(mention.text))).toBe(true);
    expect(mention.mentioned.id).toMatch(/@/);
  }
}

/** Channels that deliver the first `deliverBeforeDying` messages, deliver the next one and then never return: a run killed between sending and recording. */
function dyingChannels(deliverBeforeDying: number): NotificationChannels & { sent: string[] } {
  const real = configuredChannels();
  const sent: string[] = [];
  const die = async (id: string, send: () => Promise<void>) => {
    await send();
    sent.push(id);
    if (sent.length > deliverBeforeDying) await new Promise<never>(() => undefined);
  };
  return {
    sent,
    emailAvailable: () => real.emailAvailable(),
    teamsAvailable: (labId) => real.teamsAvailable(labId),
    sendEmail: (email) => die(email.messageId, () => real.sendEmail(email)),
    postToTeams: (post) => die(post.messageId, () => real.postToTeams(post)),
  };
}

beforeAll(async () => {
  // The digest is due from midnight lab time, so every run of the test finds it owed; retries wait a millisecond.
  product = await startTestProduct({ DIGEST_LOCAL_HOUR: '0', NOTIFICATION_RETRY_BASE_MS: '1', NOTIFICATION_LEASE_SECONDS: '60' });
  admin = await product.signedIn('admin');
  outbox = join(product.dataDir, 'outbox');
});
afterAll(async () => product.cleanup());

describe('notification preferences', () => {
  it('start from defaults, save with an audit entry, and refuse labs that are not the user’s and addresses that are not addresses', async () => {
    const tech2 = await product.signedIn('tech2');
    const initial = await tech2.get<NotificationSettings>('/api/me/notifications');
    expect(initial.status).toBe(200);
    expect(initial.body).toMatchObject({ email: null, digestLabs: ['LAB02'], immediateNotices: true, channels: { email: true, teams: false }, saved: false });
    expect(initial.body.labs.map((lab) => lab.labId)).toEqual(['LAB02']);

    const foreign = await tech2.put('/api/me/notifications', {
      email: 'theo@demo.example',
      digestLabs: ['LAB02', 'LAB05'],
      immediateNotices: true,
      channels: { email: true, teams: false },
    });
    expect(foreign.status).toBe(400);
    expect(foreign.text).toContain('LAB05');
    const badAddress = await tech2.put('/api/me/notifications', {
      email: 'theo at lab',
      digestLabs: ['LAB02'],
      immediateNotices: true,
      channels: { email: true, teams: false },
    });
    expect(badAddress.status).toBe(400);
    expect(badAddress.text).toContain('e-mail address');

    const saved = await tech2.put<NotificationSettings>('/api/me/notifications', {
      email: 'theo@demo.example',
      digestLabs: ['LAB02'],
      immediateNotices: true,
      channels: { email: true, teams: false },
    });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body).toMatchObject({ email: 'theo@demo.example', saved: true });
    const trail = await admin.get<{ items: { action: string; entityId: string; after?: unknown }[] }>('/api/audit?entityType=user&entityId=tech2');
    expect(trail.status, trail.text).toBe(200);
    expect(trail.body.items.some((entry) => entry.action === 'user.notifications.changed')).toBe(true);
  });
});

describe('the daily digest', () => {
  it('five runs in parallel send one digest per subscriber and lab, and a sent marker with every outcome', async () => {
    const now = noonIn('America/New_York');
    const runs = await Promise.all(Array.from({ length: 5 }, () => runLabNotifications('LAB01', now)));
    const delivered = runs.filter((run) => run?.digest.outcome === 'delivered');
    expect(delivered).toHaveLength(1);
    expect(runs.filter((run) => run?.digest.outcome === 'skipped').map((run) => (run!.digest as { reason: string }).reason)).toEqual(
      Array(4).fill('another run is sending'),
    );
    const date = runs[0]!.date;
    // The demo's manager1 (e-mail and Teams) and tech1 (e-mail) asked for LAB01's digest.
    expect(idsOf(await outboxMessages(), `LAB01:${date}:`)).toEqual([`LAB01:${date}:manager1`, `LAB01:${date}:teams`, `LAB01:${date}:tech1`]);
    const marker = await readDelivery('LAB01', `digest:${date}`);
    expect(marker?.document.state).toBe('sent');
    expect(Object.values(marker!.document.messages).map((outcome) => outcome.status)).toEqual(['sent', 'sent', 'sent']);

    const again = await runLabNotifications('LAB01', new Date(now.getTime() + 3_600_000));
    expect(again?.digest).toEqual({ outcome: 'skipped', reason: 'already sent' });
    expect(idsOf(await outboxMessages(), `LAB01:${date}:`)).toHaveLength(3);
  });

  it('says what the lab’s data says: today’s checklists, yesterday’s missed ones, open nonconformities', async () => {
    const messages = await outboxMessages();
    const email = messages.find((message) => message.messageId.startsWith('LAB01:') && message.messageId.endsWith(':manager1') && message.kind === 'digest')!;
    const text = (email.body as { plainText: string }).plainText;
    const today = formatDay(localDay(new Date(email.writtenAt), 'America/New_York'));
    const start = (date: string) => startOfDay(parseDay(date), 'America/New_York').toISOString();
    const { resources: records } = await (
      await container('records')
    ).items
      .query<RecordDocument>({ query: "SELECT * FROM c WHERE c.type = 'record'" }, { partitionKey: 'LAB01' })
      .fetchAll();
    const dueToday = records.filter(
      (record) =>
        record.status === 'Open' &&
        record.dueEnd > start(today) &&
        record.dueEnd <= start(addDays(today, 1)) &&
        (!record.opensAt || record.opensAt <= email.writtenAt),
    );
    const missedYesterday = records.filter(
      (record) => (record.status === 'Open' || record.status === 'Missed') && record.dueEnd > start(addDays(today, -1)) && record.dueEnd <= start(today),
    );
    expect(dueToday.length).toBeGreaterThan(0);
    expect(text).toContain(`Due today: ${dueToday.length}\n`);
    expect(text).toContain(`Missed yesterday: ${missedYesterday.length}\n`);
    // The first 15 as the dashboard orders them: by due time, then number (a week's or a month's last
    // day adds its weekly or monthly checklists, due at the same end of day as the daily ones).
    const listed = [...dueToday].sort((a, b) => a.dueEnd.localeCompare(b.dueEnd) || a.recordNumber.localeCompare(b.recordNumber)).slice(0, 15);
    for (const record of listed) expect(text).toContain(record.recordNumber);
    expect(text).toContain('Open nonconformities: 1\n');
    expect(text).toContain('LAB01-NC-000001');
    expect(text).toContain(`${product.url}/records/LAB01/`);
    expect(email.to).toEqual(['maria.manager@demo.example']);
    expect(email.subject).toContain(`Boston Dental Lab (LAB01) on ${today}: ${dueToday.length} due today`);
    expect((email.body as { headers: Record<string, string> }).headers['List-Unsubscribe']).toMatch(new RegExp(`^<${product.url}/unsubscribe\\?token=`));
    const card = messages.find((message) => message.messageId === `LAB01:${today}:teams`)!;
    expectValidAdaptiveCardMessage(card.body);
    expect(JSON.stringify(card.body)).toContain('<at>Maria Manager</at>');
  });

  it('a run killed halfway is taken over after its claim lapses and sends only what was not sent, never twice', async () => {
    // LAB02: manager1 (e-mail, Teams) and tech2 (e-mail, saved above).
    const now = noonIn('America/Chicago');
    const dying = dyingChannels(1);
    void runLabNotifications('LAB02', now, dying);
    await expect.poll(() => dying.sent.length, { timeout: 20_000 }).toBe(2);
    const date = formatDay(localDay(now, 'America/Chicago'));
    const held = await readDelivery('LAB02', `digest:${date}`);
    expect(held?.document.state).toBe('sending');
    // The second message went out but its outcome was never written: the run died in between.
    expect(Object.keys(held!.document.messages)).toHaveLength(1);

    const tooSoon = await runLabNotifications('LAB02', new Date(now.getTime() + 30_000));
    expect(tooSoon?.digest).toEqual({ outcome: 'skipped', reason: 'another run is sending' });
    const takeover = await runLabNotifications('LAB02', new Date(now.getTime() + 61_000));
    expect(takeover?.digest).toMatchObject({ outcome: 'delivered', state: 'sent', failed: 0 });
    const ids = idsOf(await outboxMessages(), `LAB02:${date}:`);
    expect(ids).toEqual([`LAB02:${date}:manager1`, `LAB02:${date}:teams`, `LAB02:${date}:tech2`]);
    expect(Object.values((await readDelivery('LAB02', `digest:${date}`))!.document.messages).every((outcome) => outcome.status === 'sent')).toBe(true);
  });

  it('the schedule queues a lab while its digest is owed and not after it went out', async () => {
    const now = new Date();
    const plan = await planNotificationRun(now);
    const queued = plan.messages.map((message) => message.labId);
    expect(queued).not.toContain('LAB01');
    expect(queued).toContain('LAB04');
  });

  it('a user who unsubscribed by the e-mail’s link gets nothing more from that lab', async () => {
    const messages = await outboxMessages();
    const tech1Digest = messages.find((message) => message.kind === 'digest' && message.messageId.endsWith(':tech1'))!;
    const token = /unsubscribe\?token=([^\s>]+)/.exec((tech1Digest.body as { plainText: string }).plainText)![1]!;
    const anonymous = product.client();
    await anonymous.get('/api/auth/session');
    const done = await anonymous.post<{ message: string }>('/api/notifications/unsubscribe', { token });
    expect(done.status, done.text).toBe(200);
    expect(done.body.message).toContain('LAB01');
    const forged = await anonymous.post('/api/notifications/unsubscribe', { token: `${token.slice(0, -3)}abc` });
    expect(forged.status).toBe(400);

    const tomorrow = new Date(noonIn('America/New_York').getTime() + 24 * 3_600_000);
    const run = await runLabNotifications('LAB01', tomorrow);
    expect(run?.digest).toMatchObject({ outcome: 'delivered' });
    const ids = idsOf(await outboxMessages(), `LAB01:${run!.date}:`);
    expect(ids).toEqual([`LAB01:${run!.date}:manager1`, `LAB01:${run!.date}:teams`]);
  });

  it('an unsubscribe link works once, and never again once its user turned that digest back on', async () => {
    const tech1Digest = (await outboxMessages()).find((message) => message.kind === 'digest' && message.messageId.endsWith(':tech1'))!;
    const token = /unsubscribe\?token=([^\s>]+)/.exec((tech1Digest.body as { plainText: string }).plainText)![1]!;
    const anonymous = product.client();
    await anonymous.get('/api/auth/session');
    // Used once (here, or by the test before), the same link again changes nothing and says why.
    await anonymous.post('/api/notifications/unsubscribe', { token });
    const again = await anonymous.post<{ detail: string }>('/api/notifications/unsubscribe', { token });
    expect(again.status).toBe(410);
    expect(again.body.detail).toBe(
      'This unsubscribe link was used already, or these notifications were changed since the e-mail was sent, so it changes nothing. Sign in and choose your notifications on the Notifications page.',
    );

    const tech1 = await product.signedIn('tech1');
    const settings = (await tech1.get<NotificationSettings>('/api/me/notifications')).body;
    expect(settings.digestLabs).not.toContain('LAB01');
    const { labs: _labs, saved: _saved, ...chosen } = settings;
    expect((await tech1.put('/api/me/notifications', { ...chosen, digestLabs: ['LAB01'] })).status).toBe(200);
    const trailBefore = (await admin.get<{ items: unknown[] }>('/api/audit?entityType=user&entityId=tech1')).body.items.length;

    const replayed = await anonymous.post<{ detail: string }>('/api/notifications/unsubscribe', { token });
    expect(replayed.status).toBe(410);
    expect(replayed.body.detail).toContain('changes nothing');
    expect((await tech1.get<NotificationSettings>('/api/me/notifications')).body.digestLabs).toEqual(['LAB01']);
    expect((await admin.get<{ items: unknown[] }>('/api/audit?entityType=user&entityId=tech1')).body.items).toHaveLength(trailBefore);

    // The next e-mail's link carries the new version and works.
    const tomorrow = new Date(noonIn('America/New_York').getTime() + 2 * 24 * 3_600_000);
    const run = await runLabNotifications('LAB01', tomorrow);
    const fresh = (await outboxMessages()).find((message) => message.messageId === `LAB01:${run!.date}:tech1`)!;
    const freshToken = /unsubscribe\?token=([^\s>]+)/.exec((fresh.body as { plainText: string }).plainText)![1]!;
    expect(freshToken).not.toBe(token);
    expect((await anonymous.post('/api/notifications/unsubscribe', { token: freshToken })).status).toBe(200);
    expect((await tech1.get<NotificationSettings>('/api/me/notifications')).body.digestLabs).toEqual([]);
  });
});

describe('immediate notices', () => {
  it('a quarantine reaches the lab’s subscribers as the nonconformity opens; a user who turned notices off gets none', async () => {
    const tech2 = await product.signedIn('tech2');
    expect(
      (
        await tech2.put('/api/me/notifications', {
          email: 'theo@demo.example',
          digestLabs: ['LAB02'],
          immediateNotices: false,
          channels: { email: true, teams: false },
        })
      ).status,
    ).toBe(200);
    const equipment = await admin.get<{ items: { serialNumber: string; status: string }[] }>('/api/labs/LAB02/equipment');
    const machine = equipment.body.items.find((item) => item.status === 'In Service')!;
    const opened = await tech2.post<{ ncNumber: string }>('/api/labs/LAB02/nonconformities', {
      serialNumber: machine.serialNumber,
      description: 'Display flickers and resets',
    });
    expect(opened.status, opened.text).toBe(201);
    const notices = (await outboxMessages()).filter((message) => message.messageId.startsWith(`LAB02:${opened.body.ncNumber}:`));
    expect(notices.map((message) => message.messageId).sort()).toEqual([`LAB02:${opened.body.ncNumber}:manager1`, `LAB02:${opened.body.ncNumber}:teams`]);
    const email = notices.find((message) => message.channel === 'email')!;
    expect(email.subject).toBe(`Quarantined: ${machine.serialNumber} is out of service (${opened.body.ncNumber})`);
    expect((email.body as { plainText: string }).plainText).toContain('Display flickers and resets');
    expectValidAdaptiveCardMessage(notices.find((message) => message.channel === 'teams')!.body);
    // The schedule's sweep finds it sent and sends nothing again.
    const sweep = await runLabNotifications('LAB02');
    expect(sweep?.notices[opened.body.ncNumber]).toEqual({ outcome: 'skipped', reason: 'already sent' });
  });
});

describe('channels', () => {
  it('a Teams webhook that fails is retried with backoff, reported on the health page, and does not hold back e-mail; a later run posts it', async () => {
    let failing = true;
    const webhook = recordingServer(() => (failing ? { status: 502, body: { error: 'Bad gateway' } } : { status: 202 }));
    const port = await webhook.listen();
    process.env.TEAMS_WEBHOOK_LAB03 = `http://127.0.0.1:${port}/workflows/lab03`;
    forgetSecrets();
    const events: Parameters<TelemetrySink['trackEvent']>[0][] = [];
    useTelemetrySink({ trackEvent: (event) => events.push(structuredClone(event)), trackDependency: () => undefined });
    try {
      const saved = await admin.put('/api/me/notifications', {
        email: 'ada.admin@demo.example',
        digestLabs: ['LAB03'],
        immediateNotices: false,
        channels: { email: true, teams: true },
      });
      expect(saved.status, saved.text).toBe(200);
      const now = noonIn('America/Denver');
      const first = await runLabNotifications('LAB03', now);
      expect(first?.digest).toMatchObject({ outcome: 'delivered', state: 'retrying', sent: 1, failed: 1 });
      expect(webhook.requests).toHaveLength(3);
      const date = first!.date;
      expect(idsOf(await outboxMessages(), `LAB03:${date}:`)).toEqual([`LAB03:${date}:admin`]);
      const failed = events.filter((event) => event.name === 'NotificationFailed');
      expect(failed.map((event) => event.properties)).toEqual([
        {
          labId: 'LAB03',
          kind: 'digest',
          key: `digest:${date}`,
          channel: 'teams',
          messageId: `LAB03:${date}:teams`,
          error: 'Teams webhook answered 502 Bad Gateway',
        },
      ]);
      expect(failed[0]!.measurements).toEqual({ attempts: 3, run: 1 });
      expect(events.filter((event) => event.name === 'DigestSent').map((event) => [event.properties, event.measurements])).toEqual([
        [
          { labId: 'LAB03', key: `digest:${date}`, state: 'retrying' },
          { emails: 1, teamsPosts: 0, failed: 1, runs: 1 },
        ],
      ]);

      const health = await admin.get<GeneratorHealth>('/api/admin/generator');
      expect(health.status).toBe(200);
      const failure = health.body.notifications.failures.find((entry) => entry.messageId === `LAB03:${date}:teams`);
      expect(failure).toMatchObject({ channel: 'teams', attempts: 3, state: 'retrying', lastError: 'Teams webhook answered 502 Bad Gateway' });
      expect(health.body.notifications.labs.find((lab) => lab.labId === 'LAB03')?.digest).toMatchObject({ state: 'retrying', sent: 1, failed: 1 });

      expect((await runLabNotifications('LAB03', new Date(now.getTime() + 5 * 60_000)))?.digest).toEqual({ outcome: 'skipped', reason: 'waiting to retry' });
      failing = false;
      const later = await runLabNotifications('LAB03', new Date(now.getTime() + 16 * 60_000));
      expect(later?.digest).toMatchObject({ outcome: 'delivered', state: 'sent', failed: 0 });
      expect(webhook.requests).toHaveLength(4);
      const posted = webhook.requests.at(-1)!;
      expect(posted.method).toBe('POST');
      expect(posted.url).toBe('/workflows/lab03');
      expect(posted.headers['content-type']).toBe('application/json');
      expectValidAdaptiveCardMessage(JSON.parse(posted.body));
      expect(idsOf(await outboxMessages(), `LAB03:${date}:`)).toEqual([`LAB03:${date}:admin`]);
      expect(events.filter((event) => event.name === 'DigestSent').at(-1)?.measurements).toEqual({ emails: 1, teamsPosts: 1, failed: 0, runs: 2 });
    } finally {
      useTelemetrySink(undefined);
      delete process.env.TEAMS_WEBHOOK_LAB03;
      forgetSecrets();
      await webhook.close();
    }
  });

  it('the e-mail adapter sends what Azure Communication Services documents, with a bearer token and a stable Operation-Id', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'ems-acs-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(folder, 'key.pem'),
        '-out',
        join(folder, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const [key, cert] = await Promise.all([readFile(join(folder, 'key.pem')), readFile(join(folder, 'cert.pem'))]);
    let port = 0;
    const service = recordingServer(
      (request) =>
        request.method === 'POST'
          ? {
              status: 202,
              headers: {
                'operation-location': `https://127.0.0.1:${port}/emails/operations/${request.headers['operation-id'] as string}?api-version=2025-09-01`,
              },
              body: { id: request.headers['operation-id'], status: 'Running' },
            }
          : { status: 200, body: { id: 'x', status: 'Succeeded' } },
      createHttpsServer({ key, cert }),
    );
    port = await service.listen();
    try {
      const scopes: string[][] = [];
      const credential = {
        getToken: async (scope: string | string[]) => (
          scopes.push([scope].flat()),
          { token: 'token-from-managed-identity', expiresOnTimestamp: Date.now() + 3_600_000 }
        ),
      };
      const send = await acsEmailSender(`https://127.0.0.1:${port}`, 'DoNotReply@0000.azurecomm.net', credential, {
        tlsOptions: { ca: cert.toString('utf8') },
      });
      const messageId = 'LAB01:2026-12-02:manager1';
      await send({
        messageId,
        kind: 'digest',
        labId: 'LAB01',
        to: { address: 'maria.manager@demo.example', displayName: 'Maria Manager' },
        subject: 'Digest',
        plainText: 'Plain',
        html: '<p>Html</p>',
        headers: { 'List-Unsubscribe': '<https://pm.example.com/unsubscribe?token=t>' },
      });
      const sent = service.requests.find((request) => request.method === 'POST')!;
      const url = new URL(sent.url, 'https://127.0.0.1');
      expect(url.pathname).toBe('/emails:send');
      expect(url.searchParams.get('api-version')).toBe('2025-09-01');
      expect(sent.headers.authorization).toBe('Bearer token-from-managed-identity');
      expect(scopes).toContainEqual(['https://communication.azure.com//.default']);
      expect(sent.headers['operation-id']).toBe(operationIdOf(messageId));
      expect(operationIdOf(messageId)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(JSON.parse(sent.body)).toEqual({
        senderAddress: 'DoNotReply@0000.azurecomm.net',
        content: { subject: 'Digest', plainText: 'Plain', html: '<p>Html</p>' },
        recipients: { to: [{ address: 'maria.manager@demo.example', displayName: 'Maria Manager' }] },
        headers: { 'List-Unsubscribe': '<https://pm.example.com/unsubscribe?token=t>' },
        userEngagementTrackingDisabled: true,
      });
      // A line break that reached a subject or a display name never becomes a header of its own.
      await send({
        messageId: `${messageId}:crlf`,
        kind: 'digest',
        labId: 'LAB01',
        to: { address: 'tara.tech@demo.example', displayName: 'Tara\r\nBcc: x@evil.example' },
        subject: 'Lab HQA\r\nBcc: x@evil.example',
        plainText: 'Plain',
        html: '<p>Html</p>',
        headers: {},
      });
      const injected = JSON.parse(service.requests.filter((request) => request.method === 'POST').at(-1)!.body) as {
        content: { subject: string };
        recipients: { to: { displayName: string }[] };
      };
      expect([injected.content.subject, injected.recipients.to[0]!.displayName]).toEqual(['Lab HQA Bcc: x@evil.example', 'Tara Bcc: x@evil.example']);
    } finally {
      await service.close();
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('the local outbox', () => {
  it('lists what would have been sent to Administrators and global auditors only', async () => {
    const listed = await admin.get<{ folder: string; messages: OutboxMessage[] }>('/api/admin/outbox');
    expect(listed.status).toBe(200);
    expect(listed.body.folder).toBe(outbox);
    expect(listed.body.messages.length).toBe((await outboxMessages()).length);
    // The demo's out-of-tolerance finding, made as the product started, noticed at once to the demo's subscribers.
    const outOfTolerance = listed.body.messages.filter((message) => message.messageId.startsWith('LAB01:LAB01-NC-000001:'));
    expect(outOfTolerance.map((message) => message.messageId).sort()).toEqual([
      'LAB01:LAB01-NC-000001:manager1',
      'LAB01:LAB01-NC-000001:teams',
      'LAB01:LAB01-NC-000001:tech1',
    ]);
    expect(outOfTolerance[0]!.subject).toBe('Out of tolerance: REF-T-02 is quarantined (LAB01-NC-000001)');
    expect((outOfTolerance.find((message) => message.channel === 'email')!.body as { plainText: string }).plainText).toMatch(
      /Calibration LAB01-CAL-\d+ found it out of tolerance as found\./,
    );
    const tech = await product.signedIn('tech1');
    expect((await tech.get('/api/admin/outbox')).status).toBe(403);
  });

  it('shows unsubscribe links and the server folder to Administrators only', async () => {
    const files = await outboxMessages();
    const tokens = files.flatMap((message) => [...JSON.stringify(message.body).matchAll(/unsubscribe\?token=([A-Za-z0-9._-]+)/g)].map((match) => match[1]!));
    expect(tokens.length).toBeGreaterThan(0);
    const asAdministrator = await admin.get<{ folder: string | null; messages: OutboxMessage[] }>('/api/admin/outbox');
    expect(asAdministrator.body.folder).toBe(outbox);
    expect(tokens.every((token) => asAdministrator.text.includes(token))).toBe(true);

    const auditor = await product.signedIn('auditor');
    const asAuditor = await auditor.get<{ folder: string | null; messages: OutboxMessage[] }>('/api/admin/outbox');
    expect(asAuditor.status).toBe(200);
    expect(asAuditor.body.folder).toBeNull();
    expect(asAuditor.body.messages.map((message) => message.messageId)).toEqual(asAdministrator.body.messages.map((message) => message.messageId));
    expect(tokens.filter((token) => asAuditor.text.includes(token))).toEqual([]);
    expect(asAuditor.text).not.toContain('token=');
    expect(asAuditor.text).not.toContain(product.dataDir);
    const digest = asAuditor.body.messages.find((message) => message.kind === 'digest' && message.channel === 'email')!;
    expect((digest.body as { plainText: string; headers: Record<string, string> }).plainText).toContain('[unsubscribe link, shown to Administrators only]');
    expect((digest.body as { headers: Record<string, string> }).headers['List-Unsubscribe']).toBe('<[unsubscribe link, shown to Administrators only]>');

    for (const username of ['manager1', 'localaudit1', 'tech1']) {
      const refused = await (await product.signedIn(username)).get('/api/admin/outbox');
      expect(refused.status, username).toBe(403);
      expect(refused.text).not.toContain('token=');
    }
  });
});
