import { createHttpHeaders, createPipelineRequest, RestError, type HttpClient, type PipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab } from '../shared/data/labs-repository.js';
import { readDelivery } from '../shared/data/notification-repository.js';
import { createUser, type UserDocument } from '../shared/data/users-repository.js';
import { configuredChannels, type NotificationChannels } from '../shared/notifications/channels.js';
import type { OutgoingEmail } from '../shared/notifications/outgoing-email.js';
import { deliverOnce, type DeliveryResult, type OutgoingMessage } from '../shared/notifications/delivery.js';
import { EmailThrottled, throttledUntil } from '../shared/notifications/email-pacing.js';
import { planNotificationRun, runLabNotifications } from '../shared/notifications/notification-runs.js';
import { ConfigurationError, parseSettings, reloadSettings } from '../shared/platform/config.js';
import { startTestProduct, type TestProduct } from './helpers/test-product.js';

let product: TestProduct;

beforeAll(async () => {
  // Retries within a run wait a millisecond: the simulated clock, not real time, spaces the runs.
  // Digests are due from midnight in the labs' day.
  product = await startTestProduct({ NOTIFICATION_RETRY_BASE_MS: '1', DIGEST_LOCAL_HOUR: '0' });
});
afterAll(async () => product.cleanup());

const minutes = (count: number) => count * 60_000;

/** What @azure/communication-email throws when the service answers 429 (after its own retries, if any). */
function tooManyRequests(retryAfterSeconds: number): RestError {
  const request = createPipelineRequest({ url: 'https://acs.example/emails:send', method: 'POST' });
  return new RestError('Too many requests', {
    statusCode: 429,
    code: 'TooManyRequests',
    request,
    response: { status: 429, headers: createHttpHeaders({ 'retry-after': String(retryAfterSeconds) }), request },
  });
}

function digestEmail(labId: string, username: string): OutgoingEmail {
  return {
    messageId: `${labId}:2026-12-07:${username}`,
    kind: 'digest',
    labId,
    to: { address: `${username}@example.com`, displayName: username },
    subject: 'Digest',
    plainText: 'Plain',
    html: '<p>Html</p>',
    headers: {},
  };
}

describe('a throttled e-mail', () => {
  it('is never given up: answered 429 for three hours, it goes out once the service accepts again, once', async () => {
    const start = new Date('2026-12-07T06:00:00Z');
    let clock = start;
    const accepted: string[] = [];
    // The subscription's hour is used up (another app shares it) until 09:00.
    const channels: NotificationChannels = {
      emailAvailable: () => true,
      teamsAvailable: async () => false,
      sendEmail: async (email) => {
        if (clock.getTime() < start.getTime() + minutes(180)) throw tooManyRequests(600);
        accepted.push(email.messageId);
      },
      postToTeams: async () => undefined,
    };
    const email = digestEmail('PACE1', 'ada');
    const request = () => ({
      labId: 'PACE1',
      kind: 'digest' as const,
      key: 'digest:2026-12-07',
      subject: 'Daily digest of PACE1',
      compose: async (): Promise<OutgoingMessage[]> => [{ channel: 'email', email }],
      channels,
      now: clock,
    });
    const results: DeliveryResult[] = [];
    // The schedule fires every quarter of an hour for the rest of the day.
    for (let firing = 0; firing < 4 * 18; firing += 1) {
      clock = new Date(start.getTime() + minutes(15 * firing));
      results.push(await deliverOnce(request()));
    }
    const marker = await readDelivery('PACE1', 'digest:2026-12-07');
    expect(marker?.document.state).toBe('sent');
    expect(results.filter((result) => result.outcome === 'skipped' && result.reason === 'given up')).toHaveLength(0);
    expect(accepted).toEqual([email.messageId]);
  });

  it('a failure that is not throttling is still given up after four runs, as before', async () => {
    const start = new Date('2026-12-07T06:00:00Z');
    let tries = 0;
    const channels: NotificationChannels = {
      emailAvailable: () => true,
      teamsAvailable: async () => false,
      sendEmail: async () => {
        tries += 1;
        throw new RestError('The recipient address is not valid', { statusCode: 400, code: 'BadRequest' });
      },
      postToTeams: async () => undefined,
    };
    const email = digestEmail('PACE2', 'bob');
    const states: string[] = [];
    for (let firing = 0; firing < 4 * 8; firing += 1) {
      const result = await deliverOnce({
        labId: 'PACE2',
        kind: 'digest',
        key: 'digest:2026-12-07',
        subject: 'Daily digest of PACE2',
        compose: async () => [{ channel: 'email', email }],
        channels,
        now: new Date(start.getTime() + minutes(15 * firing)),
      });
      if (result.outcome === 'delivered') states.push(result.state);
    }
    expect(states).toEqual(['retrying', 'retrying', 'retrying', 'failed']);
    expect(tries).toBe(12);
    expect((await readDelivery('PACE2', 'digest:2026-12-07'))?.document.state).toBe('failed');
  });
});

describe('a 429', () => {
  it('waits for retry-after-ms, Retry-After in seconds or as a date, and a minute without either; other errors are not throttling', () => {
    const now = new Date('2026-12-07T06:00:00Z');
    const request = createPipelineRequest({ url: 'https://acs.example/emails:send', method: 'POST' });
    const answered = (headers: Record<string, string>) =>
      new RestError('Too many requests', { statusCode: 429, request, response: { status: 429, headers: createHttpHeaders(headers), request } });
    expect(throttledUntil(answered({ 'retry-after': '42' }), now)).toEqual(new Date('2026-12-07T06:00:42Z'));
    expect(throttledUntil(answered({ 'retry-after-ms': '1500', 'retry-after': '42' }), now)).toEqual(new Date('2026-12-07T06:00:01.500Z'));
    expect(throttledUntil(answered({ 'retry-after': 'Mon, 07 Dec 2026 06:30:00 GMT' }), now)).toEqual(new Date('2026-12-07T06:30:00Z'));
    expect(throttledUntil(answered({}), now)).toEqual(new Date('2026-12-07T06:01:00Z'));
    expect(throttledUntil({ status: 429, headers: { 'Retry-After': '5' } }, now)).toEqual(new Date('2026-12-07T06:00:05Z'));
    expect(throttledUntil(new RestError('Bad request', { statusCode: 400 }), now)).toBeNull();
    expect(throttledUntil(new Error('socket hang up'), now)).toBeNull();
  });
});

describe('the e-mail limits', () => {
  it('default to an Azure-managed domain’s and are refused when they are not whole numbers', () => {
    expect(parseSettings({})).toMatchObject({ EMAIL_LIMIT_PER_MINUTE: 5, EMAIL_LIMIT_PER_HOUR: 10 });
    expect(parseSettings({ EMAIL_LIMIT_PER_MINUTE: '30', EMAIL_LIMIT_PER_HOUR: '100' })).toMatchObject({
      EMAIL_LIMIT_PER_MINUTE: 30,
      EMAIL_LIMIT_PER_HOUR: 100,
    });
    expect(() => parseSettings({ EMAIL_LIMIT_PER_HOUR: '0' })).toThrow(
      new ConfigurationError('Invalid configuration: EMAIL_LIMIT_PER_HOUR must be at least 1'),
    );
    expect(() => parseSettings({ EMAIL_LIMIT_PER_MINUTE: 'thirty' })).toThrow('EMAIL_LIMIT_PER_MINUTE must be a whole number');
  });
});

interface Mail {
  operationId: string;
  to: string;
  subject: string;
  at: Date;
}

/**
 * Azure Communication Services' e-mail endpoints as the SDK's HTTP client sees them, on a simulated
 * clock: accepts a send only within the limits over the last minute and the last hour (sliding, as
 * the service does), answers 429 with the Retry-After that frees a place beyond them, recognises a
 * repeated Operation-Id without sending again, and now and then accepts a send but loses the answer.
 */
function acsStandIn(clock: () => Date, limits: { perMinute: number; perHour: number }, loseAnswerEvery: number) {
  const mailbox = new Map<string, Mail>();
  const deliveries: string[] = [];
  const counts = { throttled: 0, lostAnswers: 0, repeats: 0 };
  const reply = (request: PipelineRequest, status: number, body: unknown, headers: Record<string, string> = {}): PipelineResponse => ({
    request,
    status,
    headers: createHttpHeaders({ 'content-type': 'application/json', ...headers }),
    bodyAsText: JSON.stringify(body),
  });
  const waitForPlace = (now: number): number => {
    const times = [...mailbox.values()].map((mail) => mail.at.getTime());
    const within = (span: number) => times.filter((time) => time > now - span).sort((a, b) => a - b);
    const lastMinute = within(60_000);
    const lastHour = within(3_600_000);
    const waits = [0];
    if (lastMinute.length >= limits.perMinute) waits.push(lastMinute[lastMinute.length - limits.perMinute]! + 60_000 - now);
    if (lastHour.length >= limits.perHour) waits.push(lastHour[lastHour.length - limits.perHour]! + 3_600_000 - now);
    return Math.max(...waits);
  };
  const client: HttpClient = {
    sendRequest: async (request) => {
      const url = new URL(request.url);
      if (request.method === 'GET') return reply(request, 200, { id: url.pathname.split('/').at(-1), status: 'Succeeded' });
      const operationId = request.headers.get('operation-id')!;
      const accepted = () =>
        reply(
          request,
          202,
          { id: operationId, status: 'Running' },
          { 'operation-location': `${url.origin}/emails/operations/${operationId}?api-version=2025-09-01` },
        );
      if (mailbox.has(operationId)) {
        counts.repeats += 1;
        return accepted();
      }
      const now = clock().getTime();
      const wait = waitForPlace(now);
      if (wait > 0) {
        counts.throttled += 1;
        return reply(request, 429, { error: { code: 'TooManyRequests', message: 'Too many requests' } }, { 'retry-after': String(Math.ceil(wait / 1000)) });
      }
      const body = JSON.parse(String(request.body)) as { content: { subject: string }; recipients: { to: { address: string }[] } };
      mailbox.set(operationId, { operationId, to: body.recipients.to[0]!.address, subject: body.content.subject, at: new Date(now) });
      deliveries.push(operationId);
      if (deliveries.length % loseAnswerEvery === 0) {
        counts.lostAnswers += 1;
        throw new RestError('socket hang up', { code: 'ECONNRESET', request });
      }
      return accepted();
    },
  };
  return { client, mailbox, deliveries, counts };
}

const labCount = 10;
const subscribersPerLab = 30;
const labIds = Array.from({ length: labCount }, (_, index) => `PC${String(index + 1).padStart(2, '0')}`);

async function createLabsWithSubscribers(): Promise<void> {
  for (const labId of labIds) {
    await createLab({ id: labId, type: 'lab', labId, name: `Pacing lab ${labId}`, timeZone: 'UTC', active: true, createdAt: '2026-01-01T00:00:00Z' }, []);
    for (let index = 1; index <= subscribersPerLab; index += 1) {
      const username = `${labId.toLowerCase()}-u${String(index).padStart(2, '0')}`;
      const user: UserDocument = {
        id: username,
        type: 'user',
        username,
        firstName: 'Pat',
        lastName: username,
        primaryLabId: labId,
        companyRole: null,
        labAccess: [{ labId, role: 'Technician' }],
        labIds: [labId],
        status: 'Active',
        authMethod: 'local',
        passwordHash: null,
        passwordChangedAt: null,
        requirePasswordChange: false,
        failedLogins: 0,
        lastLoginAt: null,
        createdAt: '2026-01-01T00:00:00Z',
        notifications: { email: `${username}@example.com`, digestLabs: [labId], immediateNotices: false, channels: { email: true, teams: false } },
      };
      await createUser(user, []);
    }
  }
}

/**
 * A simulated day of the reminders schedule: every quarter of an hour the timer plans, and the queue
 * runs every planned lab at once, as instances scaled out would. Returns when each e-mail was accepted.
 */
async function simulateDay(day: string, channelsAt: (clock: () => Date) => NotificationChannels): Promise<{ states: string[] }> {
  const start = new Date(`${day}T00:00:00Z`);
  let now = start;
  const channels = channelsAt(() => now);
  for (let firing = 0; firing < 96; firing += 1) {
    now = new Date(start.getTime() + minutes(15 * firing));
    const plan = await planNotificationRun(now);
    const ours = plan.messages.filter((message) => labIds.includes(message.labId));
    await Promise.all(ours.map((message) => runLabNotifications(message.labId, now, channels)));
  }
  const states = await Promise.all(labIds.map(async (labId) => (await readDelivery(labId, `digest:${day}`))?.document.state ?? 'none'));
  return { states };
}

describe('e-mail paced within the sender’s limits', () => {
  const credential = { getToken: async () => ({ token: 'token-from-managed-identity', expiresOnTimestamp: Date.now() + 24 * 3_600_000 }) };

  beforeAll(async () => {
    await createLabsWithSubscribers();
    Object.assign(process.env, {
      COMMUNICATION_SERVICES_ENDPOINT: 'https://pacing.communication.azure.com',
      EMAIL_SENDER_ADDRESS: 'DoNotReply@pacing.azurecomm.net',
    });
  });
  afterAll(() => {
    for (const name of ['COMMUNICATION_SERVICES_ENDPOINT', 'EMAIL_SENDER_ADDRESS', 'EMAIL_LIMIT_PER_MINUTE', 'EMAIL_LIMIT_PER_HOUR']) delete process.env[name];
    reloadSettings();
  });

  const expectEveryDigestOnce = (standIn: ReturnType<typeof acsStandIn>, day: string, states: string[]) => {
    const expected = labIds
      .flatMap((labId) => Array.from({ length: subscribersPerLab }, (_, index) => `${labId.toLowerCase()}-u${String(index + 1).padStart(2, '0')}@example.com`))
      .sort();
    // Each Operation-Id was delivered once, and every subscriber got exactly one digest of the day.
    expect(new Set(standIn.deliveries).size).toBe(standIn.deliveries.length);
    expect([...standIn.mailbox.values()].map((mail) => mail.to).sort()).toEqual(expected);
    expect([...standIn.mailbox.values()].every((mail) => mail.subject.includes(day) && mail.at.toISOString().startsWith(day))).toBe(true);
    expect(states).toEqual(Array(labCount).fill('sent'));
  };

  it('hold across instances: two of them sending at once share the minute’s places, and the rest wait without a request', async () => {
    Object.assign(process.env, { EMAIL_LIMIT_PER_MINUTE: '30', EMAIL_LIMIT_PER_HOUR: '100' });
    reloadSettings();
    const now = new Date('2026-12-10T08:00:10Z');
    const standIn = acsStandIn(() => now, { perMinute: 30, perHour: 100 }, Number.POSITIVE_INFINITY);
    const instances = [0, 1].map(() => configuredChannels({ clock: () => now, acsCredential: credential, acsClientOptions: { httpClient: standIn.client } }));
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        instances[index % 2]!.sendEmail(digestEmail('PC01', `instance-${index}`)).then(
          () => 'sent',
          (error: unknown) => (error instanceof EmailThrottled ? error.retryAt.toISOString() : String(error)),
        ),
      ),
    );
    expect(outcomes.filter((outcome) => outcome === 'sent')).toHaveLength(30);
    expect(outcomes.filter((outcome) => outcome !== 'sent')).toEqual(Array(10).fill('2026-12-10T08:01:00.000Z'));
    expect(standIn.counts.throttled).toBe(0);
    expect(standIn.mailbox.size).toBe(30);
  });

  it('300 digests against a service that allows 30 a minute and 100 an hour all go out within the day, each once', async () => {
    Object.assign(process.env, { EMAIL_LIMIT_PER_MINUTE: '30', EMAIL_LIMIT_PER_HOUR: '100' });
    reloadSettings();
    const day = '2026-12-08';
    let standIn: ReturnType<typeof acsStandIn> | undefined;
    const { states } = await simulateDay(day, (clock) => {
      standIn = acsStandIn(clock, { perMinute: 30, perHour: 100 }, 23);
      return configuredChannels({ clock, acsCredential: credential, acsClientOptions: { httpClient: standIn.client } });
    });
    expectEveryDigestOnce(standIn!, day, states);
    // Ambiguous failures happened and were retried under the same Operation-Id without a second e-mail.
    expect(standIn!.counts.lostAnswers).toBeGreaterThan(0);
    expect(standIn!.counts.repeats).toBe(standIn!.counts.lostAnswers);
    console.log(
      `Paced at 30/100: last digest accepted at ${[...standIn!.mailbox.values()]
        .map((mail) => mail.at.toISOString())
        .sort()
        .at(-1)}; ${standIn!.counts.throttled} answered 429`,
    );
  });

  it('limits set above what the service allows (another app shares the subscription): every 429 waits for its Retry-After, nothing is given up or sent twice', async () => {
    Object.assign(process.env, { EMAIL_LIMIT_PER_MINUTE: '1000', EMAIL_LIMIT_PER_HOUR: '100000' });
    reloadSettings();
    const day = '2026-12-09';
    let standIn: ReturnType<typeof acsStandIn> | undefined;
    const { states } = await simulateDay(day, (clock) => {
      standIn = acsStandIn(clock, { perMinute: 30, perHour: 100 }, 23);
      return configuredChannels({ clock, acsCredential: credential, acsClientOptions: { httpClient: standIn.client } });
    });
    expectEveryDigestOnce(standIn!, day, states);
    expect(standIn!.counts.throttled).toBeGreaterThan(0);
    console.log(
      `Unpaced: last digest accepted at ${[...standIn!.mailbox.values()]
        .map((mail) => mail.at.toISOString())
        .sort()
        .at(-1)}; ${standIn!.counts.throttled} answered 429`,
    );
  });
});
