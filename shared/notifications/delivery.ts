import { randomUUID } from 'node:crypto';
import {
  createDelivery,
  deliveryId,
  readDelivery,
  replaceDelivery,
  type DeliveryDocument,
  type DeliveryKind,
  type MessageOutcome,
} from '../data/notification-repository.js';
import { settings } from '../platform/config.js';
import { trackProductEvent } from '../platform/telemetry.js';
import type { NotificationChannels, OutgoingTeamsPost } from './channels.js';
import type { OutgoingEmail } from './outgoing-email.js';
import { EmailThrottled, throttledUntil } from './email-pacing.js';

export type OutgoingMessage = { channel: 'email'; email: OutgoingEmail } | { channel: 'teams'; post: OutgoingTeamsPost };

/** Tries per message within one run; the waits between them double from NOTIFICATION_RETRY_BASE_MS. */
export const attemptsPerRun = 3;
/** Runs in which a message failed before the failing ones are given up and left in the health page; runs that only waited for the e-mail limit do not count. */
export const maxRuns = 4;
/** The wait before the next run tries again, doubling per run: 15, 30, 60 minutes. */
const retryAfterMinutes = (runs: number) => 15 * 2 ** (runs - 1);

export interface DeliveryRequest {
  labId: string;
  kind: DeliveryKind;
  key: string;
  subject: string;
  /** The messages as of now; called once the run holds the delivery, so nothing is built for nothing. */
  compose: () => Promise<OutgoingMessage[]>;
  channels: NotificationChannels;
  now?: Date;
  /** Tries per message in this run: a notice sent inside a request tries once and leaves the rest to the schedule. */
  attempts?: number;
}

export type DeliveryResult =
  | { outcome: 'delivered'; state: DeliveryDocument['state']; sent: number; failed: number; waiting: number }
  | { outcome: 'skipped'; reason: 'already sent' | 'given up' | 'another run is sending' | 'waiting to retry' | 'overtaken' };

const idOf = (message: OutgoingMessage) => (message.channel === 'email' ? message.email.messageId : message.post.messageId);
const recipientsOf = (message: OutgoingMessage) => (message.channel === 'email' ? [message.email.to.address] : [`${message.post.labId} Teams channel`]);

async function sendOnce(message: OutgoingMessage, channels: NotificationChannels): Promise<void> {
  if (message.channel === 'email') await channels.sendEmail(message.email);
  else await channels.postToTeams(message.post);
}

type SendResult = { ok: boolean; attempts: number; error: string | null } | { waitUntil: Date };

/** Tries a message with backoff; a throttled send is not a failure and is not tried again in this run: it waits. */
async function sendWithRetries(message: OutgoingMessage, channels: NotificationChannels, attempts: number, now: Date): Promise<SendResult> {
  let lastError = '';
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    try {
      await sendOnce(message, channels);
      return { ok: true, attempts: attempt, error: null };
    } catch (error) {
      const waitUntil = error instanceof EmailThrottled ? error.retryAt : throttledUntil(error, now);
      if (waitUntil) return { waitUntil };
      lastError = error instanceof Error ? error.message : String(error);
      if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, settings().NOTIFICATION_RETRY_BASE_MS * 2 ** (attempt - 1)));
    }
  }
  return { ok: false, attempts, error: lastError };
}

/**
 * Takes the delivery for this run: creates its marker, or takes over one whose last run is over (it
 * finished with failures to retry, or died and its claim lapsed). Exactly one run holds it at a time;
 * the others are told why they may leave.
 */
async function claim(
  request: DeliveryRequest,
  now: Date,
  worker: string,
): Promise<{ document: DeliveryDocument; etag: string } | { skipped: Extract<DeliveryResult, { outcome: 'skipped' }>['reason'] }> {
  const until = new Date(now.getTime() + settings().NOTIFICATION_LEASE_SECONDS * 1000).toISOString();
  const stamp = now.toISOString();
  const existing = await readDelivery(request.labId, request.key);
  if (!existing) {
    const document: DeliveryDocument = {
      id: deliveryId(request.key),
      type: 'notification-delivery',
      labId: request.labId,
      kind: request.kind,
      key: request.key,
      subject: request.subject,
      state: 'sending',
      claim: { by: worker, until },
      runs: 1,
      nextAttemptAt: null,
      messages: {},
      createdAt: stamp,
      updatedAt: stamp,
      completedAt: null,
    };
    const etag = await createDelivery(document);
    return etag ? { document, etag } : { skipped: 'another run is sending' };
  }
  const current = existing.document;
  if (current.state === 'sent') return { skipped: 'already sent' };
  if (current.state === 'failed') return { skipped: 'given up' };
  if (current.claim && current.claim.until > stamp) return { skipped: 'another run is sending' };
  if (current.state === 'retrying' && current.nextAttemptAt && current.nextAttemptAt > stamp) return { skipped: 'waiting to retry' };
  const document: DeliveryDocument = { ...current, state: 'sending', claim: { by: worker, until }, runs: current.runs + 1, updatedAt: stamp };
  const etag = await replaceDelivery(document, existing.etag);
  return etag ? { document, etag } : { skipped: 'another run is sending' };
}

/**
 * Sends a digest or a notice exactly once however many runs try it, in parallel or after one died
 * midway: one run claims the marker; every message's outcome is written to the marker as soon as it
 * is known, under the claim (If-Match), so a run that lost its claim stops at its next message; a
 * message sent by a run that died before writing its outcome is sent again with the same id, which
 * the outbox and Azure Communication Services' Operation-Id recognise. Failed messages are retried
 * with backoff in the run and by later runs, then given up; each failure is reported. An e-mail held
 * back by the sender's limit (pacing, or a 429) is no failure: it and the e-mails after it wait, the
 * marker stays `retrying` until the limit allows, and however many runs that takes, it is never given up.
 */
export async function deliverOnce(request: DeliveryRequest): Promise<DeliveryResult> {
  const now = request.now ?? new Date();
  const worker = randomUUID();
  const claimed = await claim(request, now, worker);
  if ('skipped' in claimed) return { outcome: 'skipped', reason: claimed.skipped };
  let document: DeliveryDocument = claimed.document;
  let { etag } = claimed;
  const attempts = request.attempts ?? attemptsPerRun;
  const waitedRuns = document.waitedRuns ?? 0;
  // Runs that counted before this one: once they reach maxRuns, a message that failed stays given up
  // while the run still sends what was only waiting.
  const givenUp = document.runs - 1 - waitedRuns >= maxRuns;
  let emailWaitsUntil: Date | null = null;
  let waitUntil: Date | null = null;
  let waiting = 0;
  let failedInRun = false;

  for (const message of await request.compose()) {
    const messageId = idOf(message);
    const known = document.messages[messageId];
    if (known?.status === 'sent') continue;
    if (known?.status === 'failed' && givenUp) continue;
    // The limit that held back one e-mail holds back the rest: they wait without a request each.
    const result: SendResult =
      message.channel === 'email' && emailWaitsUntil ? { waitUntil: emailWaitsUntil } : await sendWithRetries(message, request.channels, attempts, now);
    if ('waitUntil' in result) {
      waiting += 1;
      if (message.channel === 'email') emailWaitsUntil = result.waitUntil;
      if (!waitUntil || result.waitUntil < waitUntil) waitUntil = result.waitUntil;
      continue;
    }
    const outcome: MessageOutcome = {
      channel: message.channel,
      to: recipientsOf(message),
      status: result.ok ? 'sent' : 'failed',
      attempts: (known?.attempts ?? 0) + result.attempts,
      sentAt: result.ok ? new Date().toISOString() : null,
      lastError: result.error,
    };
    if (!result.ok) {
      failedInRun = true;
      trackProductEvent(
        'NotificationFailed',
        { labId: request.labId, kind: request.kind, key: request.key, channel: message.channel, messageId, error: result.error ?? '' },
        { attempts: outcome.attempts, run: document.runs },
      );
    }
    document = { ...document, messages: { ...document.messages, [messageId]: outcome }, updatedAt: new Date().toISOString() };
    const saved = await replaceDelivery(document, etag);
    if (!saved) return { outcome: 'skipped', reason: 'overtaken' };
    etag = saved;
  }

  const outcomes = Object.values(document.messages);
  const failed = outcomes.filter((outcome) => outcome.status === 'failed').length;
  const nowWaited = waitedRuns + (waiting > 0 && !failedInRun ? 1 : 0);
  const countedRuns = document.runs - nowWaited;
  const finishedAt = new Date().toISOString();
  const retryFailedAt = failed > 0 && countedRuns < maxRuns ? new Date(now.getTime() + retryAfterMinutes(countedRuns) * 60_000) : null;
  const state: DeliveryDocument['state'] = waiting > 0 || retryFailedAt ? 'retrying' : failed === 0 ? 'sent' : 'failed';
  const next = [waitUntil, retryFailedAt].filter((time): time is Date => time !== null).sort((a, b) => a.getTime() - b.getTime())[0];
  document = {
    ...document,
    state,
    claim: null,
    nextAttemptAt: state === 'retrying' && next ? next.toISOString() : null,
    updatedAt: finishedAt,
    completedAt: state === 'retrying' ? null : finishedAt,
    ...(nowWaited > 0 ? { waitedRuns: nowWaited } : {}),
  };
  if (!(await replaceDelivery(document, etag))) return { outcome: 'skipped', reason: 'overtaken' };
  const sent = outcomes.length - failed;
  if (request.kind === 'digest') {
    const byChannel = (channel: 'email' | 'teams') => outcomes.filter((outcome) => outcome.channel === channel && outcome.status === 'sent').length;
    trackProductEvent(
      'DigestSent',
      { labId: request.labId, key: request.key, state },
      { emails: byChannel('email'), teamsPosts: byChannel('teams'), failed, runs: document.runs },
    );
  }
  return { outcome: 'delivered', state, sent, failed, waiting };
}
