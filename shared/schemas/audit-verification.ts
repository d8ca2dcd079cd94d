import { z } from 'zod';
import { continuationTokenSchema, labIdSchema } from './common.js';

/** Documents one verification request checks at most, unless told fewer. */
export const defaultVerificationPageSize = 2000;

export const verificationQuerySchema = z
  .object({
    labId: labIdSchema,
    /** How many audit entries, records and signed documents one request checks at most. */
    pageSize: z.coerce
      .number({ message: 'must be a number' })
      .int({ message: 'must be a whole number' })
      .min(1, { message: 'must be at least 1' })
      .max(5000, { message: 'must be at most 5000' })
      .optional(),
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

/** A certificate version or nonconformity attachment that is not in storage as its audit entry recorded it. */
export const evidenceProblemSchema = z.object({
  kind: z.enum(['certificate', 'attachment']),
  /** The calibration or nonconformity that keeps the file. */
  recordNumber: z.string(),
  serialNumber: z.string(),
  /** The certificate's or attachment's id within it. */
  fileId: z.string(),
  fileName: z.string(),
  /** As recorded at upload. */
  sha256: z.string(),
  found: z.enum(['missing', 'altered']),
  reason: z.string(),
});
export type EvidenceProblem = z.infer<typeof evidenceProblemSchema>;

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
  /** Certificate versions and nonconformity attachments this page checked in storage. */
  evidenceChecked: z.number().int(),
  /**
   * Each of those this page found missing or altered: every one is named and the verification goes
   * on (a missing file does not hide the next); any of them, on any page, makes the lab not intact.
   */
  evidenceProblems: z.array(evidenceProblemSchema),
  continuationToken: z.string().nullable(),
});
export type VerificationPage = z.infer<typeof verificationPageSchema>;
