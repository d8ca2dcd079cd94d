import type { AuditEntry, AuditEvent } from '../domain/audit-chain.js';
import type { WebhookEventType } from '../schemas/webhooks.js';
import { writeWithAudit, type ChainOwner } from './audited-write.js';
import { container } from './cosmos.js';
import { retryWhileOvertaken } from './optimistic-retry.js';
import { queryKeysetPage, type Page } from './paging.js';
import type { Versioned } from './versioned.js';

export interface WebhookSubscriptionDocument extends ChainOwner {
  /** The subscription's id: its partition, shared with its deliveries. */
  id: string;
  type: 'webhook-subscription';
  subscriptionId: string;
  name: string;
  url: string;
  events: WebhookEventType[];
  /** null: every lab. */
  labIds: string[] | null;
  /**
   * The signing secret, `whsec_` and base64. Kept as it is, unlike an API key's, because every delivery is
   * signed with it; the answer that creates the subscription is the only one that shows it.
   */
  secret: string;
  enabled: boolean;
  disabledReason: string | null;
  /** Attempts in a row, across deliveries, that got no 2xx; reset by any success. */
  consecutiveFailures: number;
  createdAt: string;
  createdBy: string;
  deletedAt: string | null;
}

export interface WebhookAttempt {
  at: string;
  status: number | null;
  error: string | null;
}

/** One event for one subscription: the body is kept as sent, so every attempt signs and sends the same bytes. */
export interface WebhookDeliveryDocument {
  /** The `webhook-id`: the same on every attempt. */
  id: string;
  type: 'webhook-delivery';
  subscriptionId: string;
  eventType: WebhookEventType;
  labId: string;
  body: string;
  createdAt: string;
  state: 'pending' | 'delivered' | 'failed';
  /** When the schedule next queues it; while queued, a while ahead, so the next firing does not queue it twice. */
  nextAttemptAt: string | null;
  attempts: WebhookAttempt[];
}

/** How far a lab's equipment chain has been read for events. */
export interface WebhookCursorDocument {
  id: string;
  type: 'webhook-cursor';
  subscriptionId: typeof cursorsPartition;
  labId: string;
  /** The `at` of the newest entry read. */
  readUpTo: string;
  /** Ids of the latest entries read, which the next read looks back over: they are not made into deliveries again. */
  seen: string[];
}

const cursorsPartition = '~cursors';
const webhooks = () => container('webhooks');

export async function readWebhook(subscriptionId: string): Promise<Versioned<WebhookSubscriptionDocument> | null> {
  const { resource, etag } = await (await webhooks()).item(subscriptionId, subscriptionId).read<WebhookSubscriptionDocument>();
  if (!resource || resource.type !== 'webhook-subscription' || resource.deletedAt) return null;
  return { document: resource, etag };
}

export async function createWebhook(subscription: WebhookSubscriptionDocument, events: readonly AuditEvent[]): Promise<WebhookSubscriptionDocument> {
  return (
    await writeWithAudit({
      container: 'webhooks',
      partition: ['subscriptionId', subscription.subscriptionId],
      owner: subscription,
      ownerEtag: undefined,
      events,
    })
  ).owner;
}

export type WebhookChange = { subscription: WebhookSubscriptionDocument; events: AuditEvent[] } | null;

/** Read, change and write with the audit entries; overtaken by another writer, it reads and asks again. Null when there is no such subscription. */
export async function changeWebhook(
  subscriptionId: string,
  change: (current: WebhookSubscriptionDocument) => WebhookChange,
): Promise<WebhookSubscriptionDocument | null> {
  return retryWhileOvertaken(async () => {
    const current = await readWebhook(subscriptionId);
    if (!current) return null;
    const next = change(current.document);
    if (!next) return current.document;
    return (
      await writeWithAudit({
        container: 'webhooks',
        partition: ['subscriptionId', subscriptionId],
        owner: next.subscription,
        ownerEtag: current.etag,
        events: next.events,
      })
    ).owner;
  }, `Webhook subscription ${subscriptionId}`);
}

const notDeleted = "c.type = 'webhook-subscription' AND c.deletedAt = null";

export async function listWebhooks(pageSize: number, continuationToken?: string): Promise<Page<WebhookSubscriptionDocument>> {
  return queryKeysetPage<WebhookSubscriptionDocument>(
    await webhooks(),
    { conditions: [notDeleted], parameters: [], sortKeys: [{ property: 'subscriptionId' }] },
    pageSize,
    continuationToken,
  );
}

/** The subscriptions deliveries go to; an installation has a handful. */
export async function enabledWebhooks(): Promise<WebhookSubscriptionDocument[]> {
  const { resources } = await (
    await webhooks()
  ).items
    .query<WebhookSubscriptionDocument>({ query: `SELECT * FROM c WHERE ${notDeleted} AND c.enabled = true` })
    .fetchAll();
  return resources;
}

/** Creates the delivery unless one of its id is there already: reading the chain twice makes no second delivery. */
export async function createDeliveryOnce(delivery: WebhookDeliveryDocument): Promise<boolean> {
  try {
    await (await webhooks()).items.create(delivery);
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 409) return false;
    throw error;
  }
}

export async function readDelivery(subscriptionId: string, webhookId: string): Promise<Versioned<WebhookDeliveryDocument> | null> {
  const { resource, etag } = await (await webhooks()).item(webhookId, subscriptionId).read<WebhookDeliveryDocument>();
  return resource && resource.type === 'webhook-delivery' ? { document: resource, etag } : null;
}

/** Replaces the delivery if nobody changed it since `etag`; false when overtaken. */
export async function replaceDelivery(delivery: WebhookDeliveryDocument, etag: string): Promise<boolean> {
  try {
    await (await webhooks()).item(delivery.id, delivery.subscriptionId).replace(delivery, { accessCondition: { type: 'IfMatch', condition: etag } });
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 412) return false;
    throw error;
  }
}

/** Pending deliveries whose time has come, oldest first, across subscriptions. */
export async function dueDeliveries(now: Date, limit: number): Promise<WebhookDeliveryDocument[]> {
  const { resources } = await (
    await webhooks()
  ).items
    .query<WebhookDeliveryDocument>(
      {
        query: "SELECT TOP @limit * FROM c WHERE c.type = 'webhook-delivery' AND c.state = 'pending' AND c.nextAttemptAt <= @now",
        parameters: [
          { name: '@limit', value: limit },
          { name: '@now', value: now.toISOString() },
        ],
      },
      { forceQueryPlan: true },
    )
    .fetchAll();
  return resources.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** A subscription's deliveries, newest first. */
export async function deliveriesOf(subscriptionId: string, pageSize: number, continuationToken?: string): Promise<Page<WebhookDeliveryDocument>> {
  return queryKeysetPage<WebhookDeliveryDocument>(
    await webhooks(),
    {
      conditions: ["c.type = 'webhook-delivery'"],
      parameters: [],
      sortKeys: [
        { property: 'createdAt', descending: true },
        { property: 'id', descending: true },
      ],
    },
    pageSize,
    continuationToken,
    subscriptionId,
  );
}

/** The audit chains of a lab that webhook events come from: its equipment and its records. */
export type EventChain = 'equipment' | 'records';

/** The equipment chain's cursor keeps the id it had before the records chain was read too. */
const cursorId = (labId: string, chain: EventChain) => (chain === 'equipment' ? `cursor-${labId}` : `cursor-${chain}-${labId}`);

export async function readCursor(labId: string, chain: EventChain): Promise<Versioned<WebhookCursorDocument> | null> {
  const { resource, etag } = await (await webhooks()).item(cursorId(labId, chain), cursorsPartition).read<WebhookCursorDocument>();
  return resource ? { document: resource, etag } : null;
}

export async function saveCursor(labId: string, chain: EventChain, readUpTo: string, seen: readonly string[]): Promise<void> {
  const cursor: WebhookCursorDocument = {
    id: cursorId(labId, chain),
    type: 'webhook-cursor',
    subscriptionId: cursorsPartition,
    labId,
    readUpTo,
    seen: [...seen],
  };
  await (await webhooks()).items.upsert(cursor);
}

/** Entries of one of the lab's chains with these actions from `since` on, oldest first: one partition, one query. */
export async function chainEntriesSince(chain: EventChain, labId: string, actions: readonly string[], since: string): Promise<AuditEntry[]> {
  const { resources } = await (
    await container(chain)
  ).items
    .query<AuditEntry>(
      {
        query: "SELECT * FROM c WHERE c.type = 'audit' AND ARRAY_CONTAINS(@actions, c.action) AND c.at >= @since ORDER BY c.at",
        parameters: [
          { name: '@actions', value: [...actions] },
          { name: '@since', value: since },
        ],
      },
      { partitionKey: labId },
    )
    .fetchAll();
  return resources;
}
