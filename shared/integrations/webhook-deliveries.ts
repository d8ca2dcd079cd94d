import { createHash, createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { z } from 'zod';
import { listLabs } from '../data/labs-repository.js';
import { usersOfLab } from '../data/users-repository.js';
import {
  changeWebhook,
  createDeliveryOnce,
  dueDeliveries,
  chainEntriesSince,
  enabledWebhooks,
  readCursor,
  readDelivery,
  replaceDelivery,
  saveCursor,
  type EventChain,
  type WebhookAttempt,
  type WebhookDeliveryDocument,
  type WebhookSubscriptionDocument,
} from '../data/webhooks-repository.js';
import type { AuditEntry } from '../domain/audit-chain.js';
import { configuredChannels, type NotificationChannels } from '../notifications/channels.js';
import { preferencesOf } from '../notifications/preferences.js';
import type { WebhookEventType } from '../schemas/webhooks.js';
import { systemActor } from '../users/manage-users.js';
import { auditedWebhook, targetRules, webhookEvent } from './webhook-subscriptions.js';
import { checkWebhookTarget, pinnedLookup, type Resolve } from './webhook-targets.js';

/**
 * Deliveries per the Standard Webhooks specification (https://www.standardwebhooks.com/). The events are
 * the audit entries of each lab's equipment and records chains, written in the same batch as the change
 * they describe: the schedule reads each chain from where it stopped and makes one delivery per event and
 * subscription, with an id derived from both, so reading an entry twice makes no second delivery and
 * every attempt carries the same `webhook-id`. Due deliveries go on the queue; a failed attempt waits
 * longer each time, and a subscription whose attempts keep failing is disabled with a notice to the
 * Administrators.
 */

export const webhookQueue = 'webhook-deliveries';
export const webhookMessageSchema = z.object({ subscriptionId: z.string().min(1), webhookId: z.string().min(1) });
export type WebhookMessage = z.infer<typeof webhookMessageSchema>;

/** The audit actions behind each event, by the chain they are written in. */
const eventOfAction: Record<EventChain, Record<string, WebhookEventType>> = {
  equipment: {
    'equipment.quarantined': 'machine.quarantined',
    'equipment.returned-to-service': 'machine.returned-to-service',
    'calibration.overdue': 'calibration.overdue',
    'calibration.approved': 'calibration.approved',
    'nonconformity.opened': 'nonconformity.opened',
    'nonconformity.closed': 'nonconformity.closed',
    'equipment.fitness-changed': 'machine.fitness-changed',
  },
  records: {
    // A usage checklist whose meter passed its due window, one entry each.
    'record.missed': 'record.missed',
    // A generator run's batch names each record it left Missed.
    'records.generated': 'record.missed',
  },
};
const eventChains = Object.keys(eventOfAction) as EventChain[];

/** Minutes to wait after each failed attempt; after the last wait's attempt fails too, the delivery is given up (about a day in all). */
export const retryWaitMinutes = [1, 5, 30, 120, 300, 600, 600] as const;
/** Failed attempts in a row, whatever the delivery, after which a subscription is disabled. */
export const failuresBeforeDisabling = 15;
/** An entry may be committed a little after a later one was read (its time is taken before its batch is written): each read looks back this far. */
const lookBackMs = 5 * 60_000;
/** How long a queued delivery is left to its queue message before the schedule queues it again. */
const queuedForMs = 10 * 60_000;
const answerTimeoutMs = 15_000;

const webhookIdOf = (subscriptionId: string, labId: string, eventKey: string) =>
  `msg_${createHash('sha256').update(`${subscriptionId}|${labId}|${eventKey}`).digest('hex').slice(0, 32)}`;

const concerns = (subscription: WebhookSubscriptionDocument, labId: string) => subscription.labIds === null || subscription.labIds.includes(labId);

/** One event to deliver: its type, the key its webhook id is made from, and its body. */
interface ChainEvent {
  type: WebhookEventType;
  key: string;
  body: string;
}

/** What the event is about when it is not the entry's own entity: one record of a generator run's entry. */
interface EventSubject {
  entityType: string;
  entityId: string;
  reason: string | null;
  details: unknown;
}

/** The event's body: what happened, to which machine or record, when, who did it and why, as the audit entry says. */
function eventBody(type: WebhookEventType, labId: string, entry: AuditEntry, subject?: EventSubject): string {
  return JSON.stringify({
    type,
    timestamp: entry.at,
    data: {
      labId,
      entityType: subject?.entityType ?? entry.entityType,
      entityId: subject?.entityId ?? entry.entityId,
      action: entry.action,
      actor: entry.actor?.displayName ?? null,
      reason: subject ? subject.reason : (entry.reason ?? null),
      details: subject ? subject.details : (entry.after ?? null),
      auditEntry: { labId, seq: entry.seq },
    },
  });
}

interface MissedByRun {
  recordNumber: string;
  serialNumber: string;
  frequency: string;
  periodStart: string;
  dueEnd: string;
}

/**
 * The events an entry makes: one for the entry, or for a generator run's entry one `record.missed` per
 * record it left Missed. The equipment chain's keys are the entry ids, as before the records chain was read.
 */
function eventsOf(chain: EventChain, labId: string, entry: AuditEntry): ChainEvent[] {
  const type = eventOfAction[chain][entry.action]!;
  if (entry.action !== 'records.generated') {
    return [{ type, key: chain === 'equipment' ? entry.id : `${chain}|${entry.id}`, body: eventBody(type, labId, entry) }];
  }
  const missed = (entry.after as { missedRecords?: MissedByRun[] } | undefined)?.missedRecords ?? [];
  return missed.map((record) => ({
    type,
    key: `${chain}|${entry.id}|${record.recordNumber}`,
    body: eventBody(type, labId, entry, {
      entityType: 'record',
      entityId: record.recordNumber,
      reason: `The ${record.frequency} checklist of ${record.serialNumber} for ${record.periodStart} was not completed by ${record.dueEnd}`,
      details: record,
    }),
  }));
}

/** Reads each concerned lab's chains on from where they stopped and makes the deliveries their entries call for. */
async function collectEvents(subscriptions: readonly WebhookSubscriptionDocument[], now: Date): Promise<void> {
  const labIds = subscriptions.some((subscription) => subscription.labIds === null)
    ? (await listLabs()).map((lab) => lab.labId)
    : [...new Set(subscriptions.flatMap((subscription) => subscription.labIds ?? []))];
  for (const labId of labIds) {
    const concerned = subscriptions.filter((subscription) => concerns(subscription, labId));
    for (const chain of eventChains) {
      const types = new Set(Object.values(eventOfAction[chain]));
      // A chain no subscription wants an event of is not read (the records chain has a generator entry every hour).
      const wanting = concerned.filter((subscription) => subscription.events.some((type) => types.has(type)));
      if (wanting.length > 0) await collectChain(chain, labId, wanting, now);
    }
  }
}

async function collectChain(chain: EventChain, labId: string, concerned: readonly WebhookSubscriptionDocument[], now: Date): Promise<void> {
  const cursor = await readCursor(labId, chain);
  const earliest = concerned.map((subscription) => subscription.createdAt).sort()[0]!;
  const readFrom = cursor ? new Date(Date.parse(cursor.document.readUpTo) - lookBackMs).toISOString() : earliest;
  const seen = new Set(cursor?.document.seen ?? []);
  const entries = (await chainEntriesSince(chain, labId, Object.keys(eventOfAction[chain]), readFrom > earliest ? readFrom : earliest)).filter(
    (entry) => !seen.has(entry.id),
  );
  if (entries.length === 0) return;
  for (const entry of entries) {
    for (const event of eventsOf(chain, labId, entry)) {
      for (const subscription of concerned.filter((candidate) => candidate.events.includes(event.type) && entry.at >= candidate.createdAt)) {
        await createDeliveryOnce({
          id: webhookIdOf(subscription.subscriptionId, labId, event.key),
          type: 'webhook-delivery',
          subscriptionId: subscription.subscriptionId,
          eventType: event.type,
          labId,
          body: event.body,
          createdAt: now.toISOString(),
          state: 'pending',
          nextAttemptAt: now.toISOString(),
          attempts: [],
        });
      }
    }
  }
  const readUpTo = entries.at(-1)!.at;
  const stillInView = (cursor?.document.seen ?? []).concat(entries.map((entry) => entry.id));
  await saveCursor(labId, chain, readUpTo, stillInView.slice(-200));
}

/**
 * The schedule's part: turns new audit entries into deliveries, then marks due deliveries of enabled
 * subscriptions as queued and answers their queue messages. Nothing to do when nobody subscribes.
 */
export async function planWebhookDeliveries(now = new Date()): Promise<WebhookMessage[]> {
  const subscriptions = await enabledWebhooks();
  if (subscriptions.length === 0) return [];
  await collectEvents(subscriptions, now);
  const enabled = new Set(subscriptions.map((subscription) => subscription.subscriptionId));
  const messages: WebhookMessage[] = [];
  for (const delivery of await dueDeliveries(now, 500)) {
    if (!enabled.has(delivery.subscriptionId)) continue;
    const etag = (delivery as WebhookDeliveryDocument & { _etag: string })._etag;
    const queued = { ...delivery, nextAttemptAt: new Date(now.getTime() + queuedForMs).toISOString() };
    if (await replaceDelivery(queued, etag)) messages.push({ subscriptionId: delivery.subscriptionId, webhookId: delivery.id });
  }
  return messages;
}

/** The `webhook-signature` value: HMAC-SHA256 with the secret's bytes over id, timestamp and body. */
export function signatureOf(secret: string, webhookId: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${webhookId}.${timestamp}.${body}`).digest('base64')}`;
}

/**
 * One attempt: the address checked and pinned, the body signed as it leaves, any 2xx a success; no
 * redirect is followed. The signature's time is the clock's, whatever time the schedule was given:
 * receivers refuse a timestamp more than a few minutes off their own.
 */
async function attempt(subscription: WebhookSubscriptionDocument, delivery: WebhookDeliveryDocument, resolve?: Resolve): Promise<WebhookAttempt> {
  const sentAt = new Date();
  const at = sentAt.toISOString();
  let target;
  try {
    target = await checkWebhookTarget(subscription.url, targetRules(resolve));
  } catch (error) {
    return { at, status: null, error: (error as Error).message };
  }
  const timestamp = Math.floor(sentAt.getTime() / 1000);
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'EquipManSys-Webhooks',
    'webhook-id': delivery.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatureOf(subscription.secret, delivery.id, timestamp, delivery.body),
  };
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolveAttempt) => {
    const outgoing = send(target.url, { method: 'POST', headers, lookup: pinnedLookup(target.addresses), timeout: answerTimeoutMs }, (answer) => {
      answer.resume();
      const status = answer.statusCode ?? 0;
      resolveAttempt({ at, status, error: status >= 200 && status < 300 ? null : `The receiver answered ${status}` });
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`No answer within ${answerTimeoutMs / 1000} seconds`)));
    outgoing.on('error', (error) => resolveAttempt({ at, status: null, error: error.message }));
    outgoing.end(delivery.body);
  });
}

/** Tells the installation's Administrators by e-mail that a subscription stopped, and why. */
async function noticeDisabled(subscription: WebhookSubscriptionDocument, channels: NotificationChannels): Promise<void> {
  const labs = await listLabs();
  const labId = subscription.labIds?.[0] ?? labs[0]?.labId;
  if (!labId || !channels.emailAvailable()) return;
  const administrators = (await usersOfLab(labId)).filter((user) => user.companyRole === 'Administrator');
  const subject = `Webhook "${subscription.name}" disabled after ${subscription.consecutiveFailures} failed deliveries`;
  const plainText = [
    `The webhook subscription "${subscription.name}" (${subscription.subscriptionId}) to ${subscription.url} was disabled:`,
    `${subscription.disabledReason ?? ''}`,
    '',
    'Nothing more is sent to it. Check the receiver and its delivery log (GET /api/integrations/webhooks/{subscriptionId}/deliveries),',
    'then enable the subscription again (PATCH with {"enabled": true}).',
  ].join('\n');
  for (const user of administrators) {
    const preferences = preferencesOf(user);
    if (!preferences.email) continue;
    await channels.sendEmail({
      messageId: `webhook-disabled:${subscription.subscriptionId}:${subscription.audit?.seq ?? 0}:${user.username}`,
      kind: 'notice',
      labId,
      to: { address: preferences.email, displayName: user.username },
      subject,
      plainText,
      html: `<p>${plainText.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/\n/g, '<br>')}</p>`,
      headers: {},
    });
  }
}

export type DeliveryOutcome = 'delivered' | 'will retry' | 'given up' | 'nothing to do';

/**
 * The queue's part: one attempt at one delivery, its outcome in the delivery log. A failure is not
 * thrown: the delivery waits its turn in `retryWaitMinutes` and the schedule queues it again.
 */
export async function deliverWebhook(
  message: WebhookMessage,
  now = new Date(),
  options: { resolve?: Resolve; channels?: NotificationChannels } = {},
): Promise<DeliveryOutcome> {
  const found = await readDelivery(message.subscriptionId, message.webhookId);
  if (!found || found.document.state !== 'pending') return 'nothing to do';
  const subscription = (await enabledWebhooks()).find((candidate) => candidate.subscriptionId === message.subscriptionId);
  if (!subscription) return 'nothing to do';
  const delivery = found.document;
  const tried = await attempt(subscription, delivery, options.resolve);
  const attempts = [...delivery.attempts, tried];
  const succeeded = tried.error === null;
  const givenUp = !succeeded && attempts.length > retryWaitMinutes.length;
  const wait = retryWaitMinutes[attempts.length - 1] ?? 0;
  const next: WebhookDeliveryDocument = {
    ...delivery,
    attempts,
    state: succeeded ? 'delivered' : givenUp ? 'failed' : 'pending',
    nextAttemptAt: succeeded || givenUp ? null : new Date(now.getTime() + wait * 60_000).toISOString(),
  };
  await replaceDelivery(next, found.etag);
  await countOutcome(subscription.subscriptionId, succeeded, tried, options.channels);
  return succeeded ? 'delivered' : givenUp ? 'given up' : 'will retry';
}

/** A success clears the subscription's run of failures; the failure that completes the run disables it, audited, and tells the Administrators. */
async function countOutcome(subscriptionId: string, succeeded: boolean, tried: WebhookAttempt, channels?: NotificationChannels): Promise<void> {
  let disabled: WebhookSubscriptionDocument | null = null;
  const written = await changeWebhook(subscriptionId, (current) => {
    if (succeeded) return current.consecutiveFailures === 0 ? null : { subscription: { ...current, consecutiveFailures: 0 }, events: [] };
    const failures = current.consecutiveFailures + 1;
    if (!current.enabled || failures < failuresBeforeDisabling) return { subscription: { ...current, consecutiveFailures: failures }, events: [] };
    const next: WebhookSubscriptionDocument = {
      ...current,
      consecutiveFailures: failures,
      enabled: false,
      disabledReason: `${failures} delivery attempts failed in a row; the last: ${tried.error ?? 'no answer'}`,
    };
    disabled = next;
    return {
      subscription: next,
      events: [
        webhookEvent('webhook.disabled', current, systemActor, null, {
          before: auditedWebhook(current),
          after: auditedWebhook(next),
          reason: next.disabledReason!,
        }),
      ],
    };
  });
  if (disabled && written) await noticeDisabled(written, channels ?? configuredChannels()).catch(() => undefined);
}
