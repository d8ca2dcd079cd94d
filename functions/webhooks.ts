import { z } from 'zod';
import { deliverWebhook, planWebhookDeliveries, webhookMessageSchema, webhookQueue } from '../shared/integrations/webhook-deliveries.js';
import {
  assertMayAdministerWebhooks,
  createSubscription,
  deleteSubscription,
  listDeliveries,
  listSubscriptions,
  readSubscription,
  setSubscriptionEnabled,
} from '../shared/integrations/webhook-subscriptions.js';
import { principalOf } from '../shared/platform/http-pipeline.js';
import { enqueue, http, queue, timer } from '../shared/platform/registry.js';
import { continuationTokenSchema, listOf } from '../shared/schemas/common.js';
import {
  changeWebhookSchema,
  createdWebhookSchema,
  createWebhookSchema,
  webhookDeliverySchema,
  webhookParamsSchema,
  webhookSchema,
} from '../shared/schemas/webhooks.js';

const pageQuery = z
  .object({
    pageSize: z.coerce.number({ message: 'must be a number' }).int().min(1).max(500, { message: 'must be at most 500' }).default(100),
    continuationToken: continuationTokenSchema,
  })
  .strict();

const administrators = (input: Parameters<typeof principalOf>[0]) => assertMayAdministerWebhooks(principalOf(input));

http({
  name: 'webhooksList',
  methods: ['GET'],
  route: 'integrations/webhooks',
  access: 'signed-in',
  summary: 'Webhook subscriptions, without their secrets (administrators)',
  tags: ['integrations'],
  query: pageQuery,
  response: listOf(webhookSchema),
  authorize: administrators,
  handler: async ({ query }) => ({ body: await listSubscriptions(query.pageSize, query.continuationToken) }),
});

http({
  name: 'webhooksCreate',
  methods: ['POST'],
  route: 'integrations/webhooks',
  access: 'signed-in',
  summary: 'Subscribe an https address to events of some or all labs; the answer holds the signing secret, shown this once (administrators)',
  tags: ['integrations'],
  body: createWebhookSchema,
  response: createdWebhookSchema,
  successStatus: 201,
  authorize: administrators,
  handler: async ({ body, ...facts }) => ({ status: 201, body: await createSubscription(principalOf(facts), body, facts) }),
});

http({
  name: 'webhooksRead',
  methods: ['GET'],
  route: 'integrations/webhooks/{subscriptionId}',
  access: 'signed-in',
  summary: 'One webhook subscription (administrators)',
  tags: ['integrations'],
  params: webhookParamsSchema,
  response: webhookSchema,
  authorize: administrators,
  handler: async ({ params }) => ({ body: await readSubscription(params.subscriptionId) }),
});

http({
  name: 'webhooksChange',
  methods: ['PATCH'],
  route: 'integrations/webhooks/{subscriptionId}',
  access: 'signed-in',
  summary: 'Disable a webhook subscription, or enable it again (administrators)',
  tags: ['integrations'],
  params: webhookParamsSchema,
  body: changeWebhookSchema,
  response: webhookSchema,
  authorize: administrators,
  handler: async ({ params, body, ...facts }) => ({ body: await setSubscriptionEnabled(principalOf(facts), params.subscriptionId, body.enabled, facts) }),
});

http({
  name: 'webhooksDelete',
  methods: ['DELETE'],
  route: 'integrations/webhooks/{subscriptionId}',
  access: 'signed-in',
  summary: 'Delete a webhook subscription: nothing more is sent to it (administrators)',
  tags: ['integrations'],
  params: webhookParamsSchema,
  successStatus: 204,
  authorize: administrators,
  handler: async ({ params, ...facts }) => {
    await deleteSubscription(principalOf(facts), params.subscriptionId, facts);
    return { status: 204 };
  },
});

http({
  name: 'webhooksDeliveries',
  methods: ['GET'],
  route: 'integrations/webhooks/{subscriptionId}/deliveries',
  access: 'signed-in',
  summary: "A webhook subscription's delivery log, newest first: each event's webhook-id, state and attempts (administrators)",
  tags: ['integrations'],
  params: webhookParamsSchema,
  query: pageQuery,
  response: listOf(webhookDeliverySchema),
  authorize: administrators,
  handler: async ({ params, query }) => ({ body: await listDeliveries(params.subscriptionId, query.pageSize, query.continuationToken) }),
});

/** Every minute: new events become deliveries, and deliveries whose time has come go on the queue. */
timer({
  name: 'webhooksOnSchedule',
  schedule: '0 * * * * *',
  queueOutputs: [webhookQueue],
  handler: async (_timer, context) => {
    const messages = await planWebhookDeliveries(new Date());
    enqueue(context, webhookQueue, messages);
    if (messages.length > 0) context.log(`Webhooks: queued ${messages.length} deliveries`);
  },
});

queue({
  name: 'deliverWebhook',
  queueName: webhookQueue,
  message: webhookMessageSchema,
  handler: async (message, _delivery, context) => {
    const outcome = await deliverWebhook(message);
    context.log(`Webhook ${message.webhookId} to subscription ${message.subscriptionId}: ${outcome}`);
  },
});
