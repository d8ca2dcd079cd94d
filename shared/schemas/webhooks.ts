import { z } from 'zod';
import { labIdSchema, singleLineText } from './common.js';
import { webhookEventTypes } from './vocabulary.js';

export { webhookEventTypes };
export type WebhookEventType = (typeof webhookEventTypes)[number];

export const createWebhookSchema = z
  .object({
    name: singleLineText(100),
    url: z.url({ message: 'must be a whole https address, as the receiving system gives it' }).max(2000),
    events: z
      .array(z.enum(webhookEventTypes, { message: `must be one of ${webhookEventTypes.join(', ')}` }))
      .min(1, { message: 'must name at least one event' }),
    /** The labs whose events are sent; left out, every lab's, including labs added later. */
    labIds: z.array(labIdSchema).min(1, { message: 'must name at least one lab, or be left out for every lab' }).max(100).optional(),
  })
  .strict();
export type CreateWebhook = z.infer<typeof createWebhookSchema>;

export const changeWebhookSchema = z
  .object({
    /** false stops deliveries; true starts them again and forgets the failures that disabled it. */
    enabled: z.boolean({ message: 'must be true or false' }),
  })
  .strict();

export const webhookParamsSchema = z.object({
  subscriptionId: z
    .string()
    .regex(/^[a-f0-9]{16}$/)
    .describe('The id of a webhook subscription'),
});

export const webhookSchema = z.object({
  subscriptionId: z.string(),
  name: z.string(),
  url: z.string(),
  events: z.array(z.enum(webhookEventTypes)),
  /** null: every lab. */
  labIds: z.array(z.string()).nullable(),
  enabled: z.boolean(),
  /** Why deliveries stopped: an administrator disabled it, or its deliveries kept failing. */
  disabledReason: z.string().nullable(),
  consecutiveFailures: z.number().int(),
  createdAt: z.string(),
  createdBy: z.string(),
});
export type Webhook = z.infer<typeof webhookSchema>;

/** The new subscription with its signing secret, shown this once. */
export const createdWebhookSchema = webhookSchema.extend({ secret: z.string() });

export const webhookAttemptSchema = z.object({
  at: z.string(),
  /** The receiver's HTTP status, or null when no answer came (refused address, timeout, connection). */
  status: z.number().int().nullable(),
  error: z.string().nullable(),
});

export const webhookDeliverySchema = z.object({
  /** The `webhook-id` header: the same on every attempt, so a receiver keeps the first and drops repeats. */
  webhookId: z.string(),
  eventType: z.enum(webhookEventTypes),
  labId: z.string(),
  createdAt: z.string(),
  state: z.enum(['pending', 'delivered', 'failed']),
  nextAttemptAt: z.string().nullable(),
  attempts: z.array(webhookAttemptSchema),
});
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>;
