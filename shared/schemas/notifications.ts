import { z } from 'zod';
import { labIdSchema } from './common.js';

/**
 * What a user wants to hear (SPEC §11): the daily digest of each lab they choose, immediate notices
 * (quarantine, out of tolerance) of their labs, and by which channels. Teams posts go to the lab's
 * channel, where the card mentions the users who chose Teams.
 */
export const notificationPreferencesSchema = z.object({
  /** Where e-mail goes; null sends no e-mail, whatever else is chosen. */
  email: z.email({ message: 'must be an e-mail address' }).max(254).nullable(),
  /** The labs whose daily digest the user wants. */
  digestLabs: z.array(labIdSchema).max(500),
  immediateNotices: z.boolean(),
  channels: z.object({ email: z.boolean(), teams: z.boolean() }).strict(),
});
export type NotificationPreferences = z.infer<typeof notificationPreferencesSchema>;

export const notificationPreferencesInputSchema = notificationPreferencesSchema.strict();

export const notificationSettingsSchema = notificationPreferencesSchema.extend({
  /** Labs the user may choose a digest of: those they have a role in. */
  labs: z.array(z.object({ labId: labIdSchema, name: z.string() })),
  /** Whether anything has been chosen yet; until then these are the defaults. */
  saved: z.boolean(),
});
export type NotificationSettings = z.infer<typeof notificationSettingsSchema>;

export const unsubscribeInputSchema = z.object({ token: z.string().min(1, { message: 'is required' }).max(4000) }).strict();
export const unsubscribeResultSchema = z.object({ username: z.string(), labId: labIdSchema.nullable(), message: z.string() });

export const outboxMessageSchema = z.object({
  messageId: z.string(),
  channel: z.enum(['email', 'teams']),
  kind: z.enum(['digest', 'notice']),
  labId: labIdSchema,
  to: z.array(z.string()),
  subject: z.string(),
  writtenAt: z.string(),
  /** The e-mail's plain text, or the Teams post's Adaptive Card. */
  body: z.unknown(),
});
export type OutboxMessage = z.infer<typeof outboxMessageSchema>;

/** `folder` is where the server writes them, for Administrators only (null for anyone else). */
export const outboxListSchema = z.object({ messages: z.array(outboxMessageSchema), folder: z.string().nullable() });
