import type { AuditAction } from '../domain/audit-actions.js';
import { randomBytes } from 'node:crypto';
import { actorOf, type Principal } from '../auth/principal.js';
import { readLab } from '../data/labs-repository.js';
import { invalidTokenAsBadRequest } from '../data/paging.js';
import {
  changeWebhook,
  createWebhook,
  deliveriesOf,
  listWebhooks,
  readWebhook,
  type WebhookDeliveryDocument,
  type WebhookSubscriptionDocument,
} from '../data/webhooks-repository.js';
import type { AuditActor, AuditEvent } from '../domain/audit-chain.js';
import { auditEvent } from '../domain/audit-entries.js';
import { canAnywhere } from '../domain/permissions.js';
import { settings } from '../platform/config.js';
import type { RequestFacts, RequestOrigin } from '../platform/http-pipeline.js';
import { badRequest, forbidden, notFound } from '../platform/problems.js';
import type { CreateWebhook, Webhook, WebhookDelivery } from '../schemas/webhooks.js';
import { checkWebhookTarget, WebhookTargetRefused, type Resolve } from './webhook-targets.js';

/** The audit entry of a change to a subscription, in the subscription's own chain. */
export function webhookEvent(
  action: AuditAction,
  subscription: Pick<WebhookSubscriptionDocument, 'subscriptionId' | 'labIds'>,
  actor: AuditActor | null,
  origin: RequestOrigin | null,
  extra: Partial<AuditEvent> = {},
): AuditEvent {
  return auditEvent(action, { kind: 'webhook', subscriptionId: subscription.subscriptionId, labIds: subscription.labIds ?? [] }, actor, origin, extra);
}

/** What the audit trail keeps of a subscription: everything but its secret. */
export function auditedWebhook(subscription: WebhookSubscriptionDocument) {
  const { name, url, events, labIds, enabled, disabledReason } = subscription;
  return { name, url, events, labIds, enabled, disabledReason };
}

export function webhookView(subscription: WebhookSubscriptionDocument): Webhook {
  const { subscriptionId, name, url, events, labIds, enabled, disabledReason, consecutiveFailures, createdAt, createdBy } = subscription;
  return { subscriptionId, name, url, events, labIds, enabled, disabledReason, consecutiveFailures, createdAt, createdBy };
}

export function assertMayAdministerWebhooks(principal: Principal): void {
  if (!canAnywhere(principal, 'administration', 'write')) throw forbidden('Only an administrator can see or change webhook subscriptions.');
}

/** The rules of where webhooks go, as this installation is configured. */
export function targetRules(resolve?: Resolve) {
  return { allowLoopback: settings().WEBHOOKS_ALLOW_LOOPBACK, ...(resolve ? { resolve } : {}) };
}

export async function createSubscription(
  principal: Principal,
  input: CreateWebhook,
  facts: RequestFacts,
  resolve?: Resolve,
): Promise<Webhook & { secret: string }> {
  try {
    await checkWebhookTarget(input.url, targetRules(resolve));
  } catch (error) {
    if (!(error instanceof WebhookTargetRefused)) throw error;
    throw badRequest(`URL is refused: ${error.message}`, [{ field: 'url', message: error.message }]);
  }
  const labIds = input.labIds ? [...new Set(input.labIds)] : null;
  const missing = (await Promise.all((labIds ?? []).map(async (labId) => ((await readLab(labId)) ? null : labId)))).filter((labId) => labId !== null);
  if (missing.length > 0)
    throw badRequest(`Labs must be labs of this installation; there is no ${missing.join(', ')}.`, [
      { field: 'labIds', message: `names ${missing.join(', ')}, which do not exist` },
    ]);
  const subscriptionId = randomBytes(8).toString('hex');
  const subscription: WebhookSubscriptionDocument = {
    id: subscriptionId,
    type: 'webhook-subscription',
    subscriptionId,
    name: input.name,
    url: input.url,
    events: [...new Set(input.events)],
    labIds,
    // The Standard Webhooks form: whsec_ and 24 random bytes in base64, what its libraries take as they are.
    secret: `whsec_${randomBytes(24).toString('base64')}`,
    enabled: true,
    disabledReason: null,
    consecutiveFailures: 0,
    createdAt: new Date().toISOString(),
    createdBy: principal.username,
    deletedAt: null,
  };
  const created = await createWebhook(subscription, [
    webhookEvent('webhook.created', subscription, actorOf(principal), facts, { after: auditedWebhook(subscription) }),
  ]);
  return { ...webhookView(created), secret: created.secret };
}

export async function listSubscriptions(
  pageSize: number,
  continuationToken: string | undefined,
): Promise<{ items: Webhook[]; continuationToken: string | null }> {
  const page = await listWebhooks(pageSize, continuationToken).catch(invalidTokenAsBadRequest);
  return { items: page.items.map(webhookView), continuationToken: page.continuationToken };
}

const noSuchSubscription = (subscriptionId: string) => notFound(`There is no webhook subscription ${subscriptionId}.`);

export async function readSubscription(subscriptionId: string): Promise<Webhook> {
  const found = await readWebhook(subscriptionId);
  if (!found) throw noSuchSubscription(subscriptionId);
  return webhookView(found.document);
}

/** Disables or enables a subscription; enabling forgets the failures that disabled it. Asking for what already is writes nothing. */
export async function setSubscriptionEnabled(principal: Principal, subscriptionId: string, enabled: boolean, facts: RequestFacts): Promise<Webhook> {
  const changed = await changeWebhook(subscriptionId, (current) => {
    if (current.enabled === enabled) return null;
    const next: WebhookSubscriptionDocument = {
      ...current,
      enabled,
      disabledReason: enabled ? null : `Disabled by ${principal.displayName}`,
      consecutiveFailures: enabled ? 0 : current.consecutiveFailures,
    };
    const action = enabled ? 'webhook.enabled' : 'webhook.disabled';
    return {
      subscription: next,
      events: [webhookEvent(action, current, actorOf(principal), facts, { before: auditedWebhook(current), after: auditedWebhook(next) })],
    };
  });
  if (!changed) throw noSuchSubscription(subscriptionId);
  return webhookView(changed);
}

/** Deletes a subscription: nothing more is sent to it; its audit chain and delivery log stay with the installation. */
export async function deleteSubscription(principal: Principal, subscriptionId: string, facts: RequestFacts): Promise<void> {
  const deleted = await changeWebhook(subscriptionId, (current) => {
    const next: WebhookSubscriptionDocument = { ...current, enabled: false, deletedAt: new Date().toISOString() };
    return { subscription: next, events: [webhookEvent('webhook.deleted', current, actorOf(principal), facts, { before: auditedWebhook(current) })] };
  });
  if (!deleted) throw noSuchSubscription(subscriptionId);
}

function deliveryView(delivery: WebhookDeliveryDocument): WebhookDelivery {
  const { id, eventType, labId, createdAt, state, nextAttemptAt, attempts } = delivery;
  return { webhookId: id, eventType, labId, createdAt, state, nextAttemptAt, attempts };
}

export async function listDeliveries(
  subscriptionId: string,
  pageSize: number,
  continuationToken: string | undefined,
): Promise<{ items: WebhookDelivery[]; continuationToken: string | null }> {
  if (!(await readWebhook(subscriptionId))) throw noSuchSubscription(subscriptionId);
  const page = await deliveriesOf(subscriptionId, pageSize, continuationToken).catch(invalidTokenAsBadRequest);
  return { items: page.items.map(deliveryView), continuationToken: page.continuationToken };
}
