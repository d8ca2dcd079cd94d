import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { listLabs, readLab } from '../data/labs-repository.js';
import { nonconformitiesOfLab, nonconformitiesOpenedSince, type NonconformityDocument } from '../data/nonconformity-repository.js';
import { deliveriesSince, deliveryStatesSince, type DeliveryProgress } from '../data/notification-repository.js';
import { settings } from '../platform/config.js';
import { labIdSchema } from '../schemas/common.js';
import { configuredChannels, type NotificationChannels } from './channels.js';
import { deliverOnce, type DeliveryResult, type OutgoingMessage } from './delivery.js';
import { labClock, labDigest } from './digest.js';
import { digestCard, digestSubject, noticeCard, noticeSubject, renderDigestEmail, renderNoticeEmail, type Mention } from './messages.js';
import { localOutboxFolder } from './outbox.js';
import { subscribersOf, unsubscribeToken } from './preferences.js';

/** One message per lab with something to send: the schedule fans out, a queue trigger sends one lab's. */
export const notificationQueue = 'notify-lab';

export const labNotificationMessageSchema = z.object({ runId: z.string().min(1), labId: labIdSchema });
export type LabNotificationMessage = z.infer<typeof labNotificationMessageSchema>;

/** A notice is owed for a nonconformity this recent; older ones are for the digest. */
const noticeWindowMs = 2 * 24 * 60 * 60 * 1000;

let localOrigin: string | undefined;

/** The local host says where it listens, for the links of messages sent without PUBLIC_ORIGINS. */
export function useLocalSiteOrigin(origin: string | undefined): void {
  localOrigin = origin;
}

/** The address links in messages start with: the installation's public origin. */
export function siteOrigin(): string {
  return settings().PUBLIC_ORIGINS?.[0] ?? localOrigin ?? `http://localhost:${settings().PORT}`;
}

let channelsInUse: NotificationChannels | undefined;
function defaultChannels(): NotificationChannels {
  channelsInUse ??= configuredChannels();
  return channelsInUse;
}

type Subscriber = Awaited<ReturnType<typeof subscribersOf>>[number];

const displayName = (subscriber: Subscriber) => `${subscriber.user.firstName} ${subscriber.user.lastName}`.trim() || subscriber.user.username;
const emailSubscribers = (subscribers: Subscriber[]) =>
  subscribers.filter((subscriber) => subscriber.preferences.channels.email && subscriber.preferences.email);
/** Teams mentions a user by sign-in name or address; one without either is named in the card without a mention. */
const mentionsOf = (subscribers: Subscriber[]): Mention[] =>
  subscribers
    .filter((subscriber) => subscriber.preferences.channels.teams)
    .map((subscriber) => ({ id: subscriber.preferences.email ?? subscriber.user.username, name: displayName(subscriber) }));

async function composeDigest(labId: string, now: Date, channels: NotificationChannels): Promise<OutgoingMessage[]> {
  const digest = await labDigest(labId, now);
  if (!digest) return [];
  const site = siteOrigin();
  const subscribers = await subscribersOf(labId, 'digest');
  const messages: OutgoingMessage[] = [];
  if (channels.emailAvailable()) {
    for (const subscriber of emailSubscribers(subscribers)) {
      const unsubscribeUrl = `${site}/unsubscribe?token=${await unsubscribeToken(subscriber.user, labId)}`;
      const rendered = renderDigestEmail(digest, site, displayName(subscriber), unsubscribeUrl);
      messages.push({
        channel: 'email',
        email: {
          messageId: `${labId}:${digest.date}:${subscriber.user.username}`,
          kind: 'digest',
          labId,
          to: { address: subscriber.preferences.email!, displayName: displayName(subscriber) },
          ...rendered,
          headers: { 'List-Unsubscribe': `<${unsubscribeUrl}>` },
        },
      });
    }
  }
  const mentions = mentionsOf(subscribers);
  // Teams last: a failing webhook, retried with backoff, then waits for nobody's e-mail.
  if (mentions.length > 0 && (await channels.teamsAvailable(labId))) {
    messages.push({
      channel: 'teams',
      post: { messageId: `${labId}:${digest.date}:teams`, kind: 'digest', labId, subject: digestSubject(digest), payload: digestCard(digest, site, mentions) },
    });
  }
  return messages;
}

async function composeNotice(nc: NonconformityDocument, channels: NotificationChannels): Promise<OutgoingMessage[]> {
  const site = siteOrigin();
  const lab = (await readLab(nc.labId))?.document;
  const messageLab = { name: lab?.name ?? nc.labId, timeZone: lab?.timeZone ?? 'UTC' };
  // The lab's people, and those of every lab whose results the nonconformity may have touched.
  const byUser = new Map<string, Subscriber>();
  for (const labId of [nc.labId, ...nc.itemLabs])
    for (const subscriber of await subscribersOf(labId, 'notice')) byUser.set(subscriber.user.username, subscriber);
  const subscribers = [...byUser.values()];
  const messages: OutgoingMessage[] = [];
  if (channels.emailAvailable()) {
    for (const subscriber of emailSubscribers(subscribers)) {
      const unsubscribeUrl = `${site}/unsubscribe?token=${await unsubscribeToken(subscriber.user, null)}`;
      messages.push({
        channel: 'email',
        email: {
          messageId: `${nc.labId}:${nc.ncNumber}:${subscriber.user.username}`,
          kind: 'notice',
          labId: nc.labId,
          to: { address: subscriber.preferences.email!, displayName: displayName(subscriber) },
          ...renderNoticeEmail(nc, messageLab, site, displayName(subscriber), unsubscribeUrl),
          headers: { 'List-Unsubscribe': `<${unsubscribeUrl}>` },
        },
      });
    }
  }
  const mentions = mentionsOf(subscribers.filter((subscriber) => subscriber.user.labIds.includes(nc.labId) || subscriber.user.companyRole));
  if (mentions.length > 0 && (await channels.teamsAvailable(nc.labId))) {
    messages.push({
      channel: 'teams',
      post: {
        messageId: `${nc.labId}:${nc.ncNumber}:teams`,
        kind: 'notice',
        labId: nc.labId,
        subject: noticeSubject(nc),
        payload: noticeCard(nc, messageLab, site, mentions),
      },
    });
  }
  return messages;
}

export function deliverNotice(
  nc: NonconformityDocument,
  options: { now?: Date; channels?: NotificationChannels; attempts?: number } = {},
): Promise<DeliveryResult> {
  const channels = options.channels ?? defaultChannels();
  return deliverOnce({
    labId: nc.labId,
    kind: 'notice',
    key: `notice:${nc.ncNumber}`,
    subject: noticeSubject(nc),
    compose: () => composeNotice(nc, channels),
    channels,
    ...(options.now ? { now: options.now } : {}),
    ...(options.attempts ? { attempts: options.attempts } : {}),
  });
}

/**
 * The immediate notice of a quarantine or an out-of-tolerance finding, tried once inside the request
 * that opened the nonconformity; whatever did not go out is sent by the next scheduled run.
 */
export async function sendNoticeNow(nc: NonconformityDocument): Promise<void> {
  await deliverNotice(nc, { attempts: 1 }).catch(() => undefined);
}

export interface LabNotificationSummary {
  labId: string;
  date: string;
  digest: DeliveryResult | { outcome: 'not yet'; reason: string };
  notices: Record<string, DeliveryResult>;
}

/** One lab's run: the notices still owed, then the day's digest once the lab's day has started. */
export async function runLabNotifications(
  labId: string,
  now = new Date(),
  channels: NotificationChannels = defaultChannels(),
): Promise<LabNotificationSummary | null> {
  const lab = (await readLab(labId))?.document;
  if (!lab?.active) return null;
  const since = new Date(now.getTime() - noticeWindowMs).toISOString();
  const notices: Record<string, DeliveryResult> = {};
  for (const nc of (await nonconformitiesOfLab(labId)).filter((candidate) => candidate.openedAt >= since)) {
    notices[nc.ncNumber] = await deliverNotice(nc, { now, channels });
  }
  const clock = labClock(now, lab.timeZone);
  if (!clock) throw new Error(`Lab ${labId} has the time zone ${lab.timeZone}, which does not exist: its digest cannot be dated`);
  const startHour = settings().DIGEST_LOCAL_HOUR;
  const digest =
    clock.hour < startHour
      ? { outcome: 'not yet' as const, reason: `the digest goes out from ${String(startHour).padStart(2, '0')}:00 lab time` }
      : await deliverOnce({
          labId,
          kind: 'digest',
          key: `digest:${clock.date}`,
          subject: `Daily digest of ${labId} for ${clock.date}`,
          compose: () => composeDigest(labId, now, channels),
          channels,
          now,
        });
  return { labId, date: clock.date, digest, notices };
}

/** Whether a run has something to do with a delivery: it never started, its run died, or its retry is due. */
function owed(delivery: DeliveryProgress | undefined, stamp: string): boolean {
  if (!delivery) return true;
  if (delivery.state === 'sending') return !delivery.claim || delivery.claim.until <= stamp;
  return delivery.state === 'retrying' && (delivery.nextAttemptAt ?? '') <= stamp;
}

/**
 * What a firing of the schedule queues: every active lab whose digest is owed (its day has started and
 * the digest is neither sent nor being sent) or that owes a notice. Three queries, whatever the number of labs.
 */
export async function planNotificationRun(now: Date): Promise<{ runId: string; messages: LabNotificationMessage[] }> {
  const runId = randomUUID();
  const stamp = now.toISOString();
  const since = new Date(now.getTime() - noticeWindowMs).toISOString();
  const [labs, deliveries, recent] = await Promise.all([listLabs(), deliveryStatesSince(since), nonconformitiesOpenedSince(since)]);
  const known = new Map(deliveries.map((delivery) => [`${delivery.labId}|${delivery.key}`, delivery]));
  const startHour = settings().DIGEST_LOCAL_HOUR;
  const due = labs.filter((lab) => {
    const clock = labClock(now, lab.timeZone);
    if (!lab.active || !clock) return false;
    const digestOwed = clock.hour >= startHour && owed(known.get(`${lab.labId}|digest:${clock.date}`), stamp);
    const noticeOwed = recent.some((nc) => nc.labId === lab.labId && owed(known.get(`${lab.labId}|notice:${nc.ncNumber}`), stamp));
    return digestOwed || noticeOwed;
  });
  return { runId, messages: due.map((lab) => ({ runId, labId: lab.labId })) };
}

export interface NotificationHealth {
  email: 'Azure Communication Services' | 'local outbox' | 'not configured';
  labs: {
    labId: string;
    date: string | null;
    digest: { state: string; sent: number; failed: number; runs: number; nextAttemptAt: string | null; updatedAt: string } | null;
  }[];
  failures: {
    labId: string;
    key: string;
    messageId: string;
    channel: string;
    to: string[];
    attempts: number;
    lastError: string | null;
    state: string;
    nextAttemptAt: string | null;
  }[];
}

/** For the generator's health page: each lab's digest of its today, and every message that failed in the last two days. */
export async function notificationHealth(now = new Date()): Promise<NotificationHealth> {
  const since = new Date(now.getTime() - noticeWindowMs).toISOString();
  const [labs, deliveries] = await Promise.all([listLabs(), deliveriesSince(since)]);
  const { COMMUNICATION_SERVICES_ENDPOINT, EMAIL_SENDER_ADDRESS } = settings();
  const email =
    COMMUNICATION_SERVICES_ENDPOINT && EMAIL_SENDER_ADDRESS ? 'Azure Communication Services' : localOutboxFolder() ? 'local outbox' : 'not configured';
  const rows = labs
    .filter((lab) => lab.active)
    .map((lab) => {
      const date = labClock(now, lab.timeZone)?.date ?? null;
      const digest = date ? deliveries.find((delivery) => delivery.labId === lab.labId && delivery.key === `digest:${date}`) : undefined;
      const outcomes = digest ? Object.values(digest.messages) : [];
      return {
        labId: lab.labId,
        date,
        digest: digest
          ? {
              state: digest.state,
              sent: outcomes.filter((outcome) => outcome.status === 'sent').length,
              failed: outcomes.filter((outcome) => outcome.status === 'failed').length,
              runs: digest.runs,
              nextAttemptAt: digest.nextAttemptAt,
              updatedAt: digest.updatedAt,
            }
          : null,
      };
    });
  const failures = deliveries.flatMap((delivery) =>
    Object.entries(delivery.messages)
      .filter(([, outcome]) => outcome.status === 'failed')
      .map(([messageId, outcome]) => ({
        labId: delivery.labId,
        key: delivery.key,
        messageId,
        channel: outcome.channel,
        to: outcome.to,
        attempts: outcome.attempts,
        lastError: outcome.lastError,
        state: delivery.state,
        nextAttemptAt: delivery.nextAttemptAt,
      })),
  );
  return { email, labs: rows, failures };
}
