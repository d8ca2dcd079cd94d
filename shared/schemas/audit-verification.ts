import { z } from 'zod';
import { continuationTokenSchema, labIdSchema } from './common.js';

/** Documents one verification request checks at most, unless told fewer. */
export const defaultVerificationPageSize = 2000;

export const verificationQuerySchema = z
  .object({
    labId: labIdSchema,
    /** How many audit entries, records and signed documents one request checks at most. */
    pageSize: z.coerce.number({ message: 'must be a number' }).int({ message: 'must be a whole number' }).min(1, { message: 'must be at least 1' }).max(5000, { message: 'must be at most 5000' }).optional(),
    /** The token the previous page gave out: the verification goes on where that page stopped. */
    continuationToken: continuationTokenSchema,
  })
  .strict();
export type VerificationQuery = z.infer<typeof verificationQuerySchema>;

export const brokenLinkSchema = z.object({
  /** The container holding the chain or document: labs, equipment, records or users. */
  source: z.string(),
  partition: z.string(),
  seq: z.number().int().optional(),
  recordNumber: z.string().optional(),
  reason: z.string(),
});
export type BrokenLink = z.infer<typeof brokenLinkSchema>;

export const verificationPageSchema = z.object({
  labId: z.string(),
  /** When the verification started (its first page): the answer holds as of then. */
  verifiedAt: z.string(),
  /** True or false on the last page (no continuation token); null while pages remain. */
  intact: z.boolean().nullable(),
  /** The chains this page read, with the entries it read of each: add them up over the pages. */
  chains: z.array(z.object({ source: z.string(), partition: z.string(), entries: z.number().int() })),
  /** Records this page checked against their trail and signatures. */
  recordsChecked: z.number().int(),
  /** The first broken link, which ends the verification; null while everything holds. */
  firstBroken: brokenLinkSchema.nullable(),
  continuationToken: z.string().nullable(),
});
export type VerificationPage = z.infer<typeof verificationPageSchema>;
