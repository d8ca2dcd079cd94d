import { container } from './cosmos.js';
import type { Versioned } from './versioned.js';

export type DeliveryKind = 'digest' | 'notice';
export type DeliveryState = 'sending' | 'sent' | 'retrying' | 'failed';

/** What became of one message of a delivery. */
export interface MessageOutcome {
  channel: 'email' | 'teams';
  to: string[];
  status: 'sent' | 'failed';
  attempts: number;
  sentAt: string | null;
  lastError: string | null;
}

/**
 * The sent marker of one digest (a lab and a day) or one notice (a nonconformity): claimed by one
 * run at a time, holding each message's outcome, so a retried, parallel or killed run never sends a
 * message twice. Operational state kept beside the lab, like the generator's status; not audited.
 */
export interface DeliveryDocument {
  id: string;
  type: 'notification-delivery';
  labId: string;
  kind: DeliveryKind;
  /** `digest:2026-12-02` or `notice:LAB01-NC-000001`. */
  key: string;
  subject: string;
  state: DeliveryState;
  /** The run sending now and until when its claim holds; null between runs. */
  claim: { by: string; until: string } | null;
  /** Runs that have tried to deliver it. */
  runs: number;
  /** Runs that only waited for the e-mail sender's limits: they do not count towards giving up (absent before e-mail was paced). */
  waitedRuns?: number;
  /** When a run may try the failed messages again; set while `retrying`. */
  nextAttemptAt: string | null;
  messages: Record<string, MessageOutcome>;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
}

export function deliveryId(key: string): string {
  return `notification:${key}`;
}

const statusOf = (error: unknown) => (error as { code?: number }).code;

export async function readDelivery(labId: string, key: string): Promise<Versioned<DeliveryDocument> | null> {
  const { resource, etag } = await (await container('labs')).item(deliveryId(key), labId).read<DeliveryDocument>();
  return resource ? { document: resource, etag } : null;
}

/** Creates the marker; null when another run created it first. */
export async function createDelivery(document: DeliveryDocument): Promise<string | null> {
  try {
    const { etag } = await (await container('labs')).items.create(document);
    return etag;
  } catch (error) {
    if (statusOf(error) === 409) return null;
    throw error;
  }
}

/** Replaces the marker if it is still the version read; null when another run changed it meanwhile. */
export async function replaceDelivery(document: DeliveryDocument, etag: string): Promise<string | null> {
  try {
    const { etag: next } = await (
      await container('labs')
    )
      .item(document.id, document.labId)
      .replace(document, { accessCondition: { type: 'IfMatch', condition: etag } });
    return next;
  } catch (error) {
    if (statusOf(error) === 412) return null;
    throw error;
  }
}

export type DeliverySummary = Pick<
  DeliveryDocument,
  'labId' | 'kind' | 'key' | 'subject' | 'state' | 'claim' | 'runs' | 'nextAttemptAt' | 'messages' | 'updatedAt' | 'completedAt'
>;
export type DeliveryProgress = Pick<DeliveryDocument, 'labId' | 'key' | 'state' | 'claim' | 'nextAttemptAt'>;

/** Where every lab's recent deliveries stand, without their messages: what each firing of the schedule reads, in one query. */
export async function deliveryStatesSince(since: string): Promise<DeliveryProgress[]> {
  const { resources } = await (
    await container('labs')
  ).items
    .query<DeliveryProgress>({
      query: "SELECT c.labId, c.key, c.state, c.claim, c.nextAttemptAt FROM c WHERE c.type = 'notification-delivery' AND c.updatedAt >= @since",
      parameters: [{ name: '@since', value: since }],
    })
    .fetchAll();
  return resources;
}

/** Every lab's deliveries changed since a moment, with each message's outcome: what the health page shows. */
export async function deliveriesSince(since: string): Promise<DeliverySummary[]> {
  const { resources } = await (
    await container('labs')
  ).items
    .query<DeliverySummary>({
      query:
        "SELECT c.labId, c.kind, c.key, c.subject, c.state, c.claim, c.runs, c.nextAttemptAt, c.messages, c.updatedAt, c.completedAt FROM c WHERE c.type = 'notification-delivery' AND c.updatedAt >= @since",
      parameters: [{ name: '@since', value: since }],
    })
    .fetchAll();
  return resources;
}
