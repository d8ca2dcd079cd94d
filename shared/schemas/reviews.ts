import { z } from 'zod';
import { calendarDateSchema } from './calibration.js';
import { labIdSchema, multiLineText } from './common.js';
import { signatureSchema } from './records.js';
import { auditReviewCategories, reviewKinds, reviewMeaning } from './vocabulary.js';

/**
 * Periodic reviews (SPEC §16; EU GMP Annex 11, PIC/S PI 041): a lab's audit trail over a period, and
 * who holds access to the lab, each read by a reviewer who records findings and signs "Reviewed by".
 */
export { auditReviewCategories, auditReviewCategoryWords, reviewKinds, reviewKindWords, reviewMeaning } from './vocabulary.js';
export type { AuditReviewCategory, ReviewKind } from './vocabulary.js';

/** `LAB01-REV-000001`: per lab, gapless. */
export const reviewNumberSchema = z.string().regex(/^[A-Z0-9-]{2,10}-REV-\d{6,}$/, { message: 'must be a review number such as LAB01-REV-000001' });

export const reviewParamsSchema = z.object({ labId: labIdSchema }).strict();
export const reviewDocumentParamsSchema = z.object({ labId: labIdSchema, reviewNumber: reviewNumberSchema }).strict();

const periodShape = {
  kind: z.enum(reviewKinds, { message: 'must be audit-trail or user-access' }),
  /** The first and last lab-local days the review covers. */
  from: calendarDateSchema,
  to: calendarDateSchema,
};

const periodInOrder = (period: { from: string; to: string }) => period.from <= period.to;
const periodMessage = { message: 'must not be before From', path: ['to'] };

/**
 * The period to show: by default an audit-trail review from the day after the last period of its kind
 * (or REVIEW_INTERVAL_MONTHS back) to the lab's today.
 */
export const reviewPreviewQuerySchema = z
  .object({ kind: periodShape.kind.default('audit-trail'), from: periodShape.from.optional(), to: periodShape.to.optional() })
  .strict()
  .refine((period) => !period.from || !period.to || periodInOrder({ from: period.from, to: period.to }), periodMessage);
export type ReviewPreviewQuery = z.infer<typeof reviewPreviewQuerySchema>;
export type ReviewPeriod = Pick<SignReview, 'kind' | 'from' | 'to'>;

export const signReviewSchema = z
  .object({
    ...periodShape,
    findings: multiLineText(4000, 'is required: write what the review found, or that it found nothing to act on'),
    signature: z
      .object({
        password: z.string().min(1, { message: 'is required' }).max(128).optional(),
        meaning: z.literal(reviewMeaning, { message: `must be ${reviewMeaning}` }).default(reviewMeaning as never),
      })
      .strict(),
  })
  .strict()
  .refine(periodInOrder, periodMessage);
export type SignReview = z.infer<typeof signReviewSchema>;

/** An audit entry the reviewer should look at, with where to find it. */
export const reviewEntrySchema = z.object({
  at: z.string(),
  action: z.string(),
  actionWords: z.string(),
  actor: z.string().nullable(),
  entityType: z.string(),
  entityId: z.string(),
  reason: z.string().nullable(),
  /** The audit trail page filtered to this entry's subject. */
  link: z.string(),
});
export type ReviewEntry = z.infer<typeof reviewEntrySchema>;

export const auditTrailFiguresSchema = z.object({
  kind: z.literal('audit-trail'),
  counts: z.record(z.enum(auditReviewCategories), z.number().int()),
  /** Per category the entries to look at, newest first; at most `entriesShown` each (the count stays exact). */
  entries: z.record(z.enum(auditReviewCategories), z.array(reviewEntrySchema)),
  entriesShown: z.number().int(),
  entriesRead: z.number().int(),
});
export type AuditTrailFigures = z.infer<typeof auditTrailFiguresSchema>;

export const accessAccountSchema = z.object({
  username: z.string(),
  displayName: z.string(),
  role: z.string(),
  primaryLab: z.boolean(),
  status: z.string(),
  authMethod: z.string(),
  createdAt: z.string(),
  lastSignInAt: z.string().nullable(),
  dormant: z.boolean(),
  neverUsed: z.boolean(),
});
export type AccessAccount = z.infer<typeof accessAccountSchema>;

export const userAccessFiguresSchema = z.object({
  kind: z.literal('user-access'),
  /** An account is dormant when its last sign-in is more than this many days before the review. */
  dormantAfterDays: z.number().int(),
  counts: z.object({
    accounts: z.number().int(),
    byRole: z.record(z.string(), z.number().int()),
    dormant: z.number().int(),
    neverUsed: z.number().int(),
    locked: z.number().int(),
    disabled: z.number().int(),
  }),
  accounts: z.array(accessAccountSchema),
});
export type UserAccessFigures = z.infer<typeof userAccessFiguresSchema>;

export const reviewFiguresSchema = z.discriminatedUnion('kind', [auditTrailFiguresSchema, userAccessFiguresSchema]);
export type ReviewFigures = z.infer<typeof reviewFiguresSchema>;

export const reviewPreviewSchema = z.object({ labId: labIdSchema, kind: z.enum(reviewKinds), from: z.string(), to: z.string(), figures: reviewFiguresSchema });
export type ReviewPreview = z.infer<typeof reviewPreviewSchema>;

export const reviewSchema = reviewPreviewSchema.extend({
  reviewNumber: z.string(),
  findings: z.string(),
  /** "Reviewed by": the signature over the period, the figures as shown and the findings. */
  signature: signatureSchema,
});
export type Review = z.infer<typeof reviewSchema>;

export const reviewDueSchema = z.object({
  kind: z.enum(reviewKinds),
  /** The last signed review of this kind, or null before the first. */
  lastReviewNumber: z.string().nullable(),
  lastPeriodTo: z.string().nullable(),
  /** The lab-local day the next review is due: the last period's end plus the interval; today before the first. */
  nextDue: z.string(),
  due: z.boolean(),
});
export type ReviewDue = z.infer<typeof reviewDueSchema>;

export const reviewListSchema = z.object({
  labId: labIdSchema,
  intervalMonths: z.number().int(),
  due: z.array(reviewDueSchema),
  items: z.array(reviewSchema),
});
export type ReviewList = z.infer<typeof reviewListSchema>;

/**
 * The company-wide accounts (Administrator, Global Audit) as they stand: what no lab's access review
 * lists. The reviewer is one of them and is named, so their own account is looked at like the rest.
 */
export const companyAccessPreviewSchema = z.object({
  asOf: z.string(),
  /** The username of whoever asked; their account is in `figures.accounts`. */
  reviewer: z.string(),
  figures: userAccessFiguresSchema,
});
export type CompanyAccessPreview = z.infer<typeof companyAccessPreviewSchema>;
