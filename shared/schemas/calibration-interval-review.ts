import { z } from 'zod';
import { longText } from './calibration-plan.js';
import { signatureSchema } from './records.js';

export const intervalDecisionMeaning = 'Reviewed by';

/** A Manager's signed decision on an interval review: accepted as a new plan version, or rejected with a reason. */
export const intervalDecisionSchema = z.object({
  decision: z.enum(['accept', 'reject']),
  reason: z.string().nullable(),
  method: z.string(),
  /** The interval in force when the review was decided, and the one recommended. */
  intervalDays: z.number().int(),
  recommendedIntervalDays: z.number().int(),
  /** The approved calibrations the review was computed from. */
  calibrationNumbers: z.array(z.string()),
  /** The plan version an accepted review set; null for a rejection, or when the recommendation was the interval in force. */
  planVersion: z.number().int().nullable(),
  signature: signatureSchema,
});
export type IntervalDecision = z.infer<typeof intervalDecisionSchema>;

/** A recommended calibration interval and the history it was computed from (ISO/IEC 17025 §6.4.7, ILAC-G24). */
export const intervalReviewSchema = z.object({
  serialNumber: z.string(),
  labId: z.string(),
  method: z.string(),
  factors: z.object({ lengthen: z.number(), shorten: z.number(), minDays: z.number().int(), maxDays: z.number().int() }),
  /** The interval of the plan in force, in days; null when the plan has no interval (or there is no plan). */
  currentIntervalDays: z.number().int().nullable(),
  /** When the interval in force was set: only calibrations approved after it (and after the last decision) count. */
  intervalSetAt: z.string().nullable(),
  recommendedIntervalDays: z.number().int().nullable(),
  /** Each approved calibration used, in the order performed, with the interval before and after it. */
  history: z.array(
    z.object({
      calibrationNumber: z.string(),
      performedOn: z.string(),
      outOfTolerance: z.boolean(),
      intervalBefore: z.number().int(),
      intervalAfter: z.number().int(),
    }),
  ),
  /** What the recommendation means, as a sentence. */
  summary: z.string(),
  /**
   * Whether a Manager should decide the review now: once CALIBRATION_INTERVAL_REVIEW_AFTER calibrations
   * were approved since the interval was set or last decided, or at once after one found out of tolerance.
   */
  due: z.boolean(),
  /** The last signed decision, if any. */
  lastDecision: intervalDecisionSchema.nullable(),
});
export type IntervalReview = z.infer<typeof intervalReviewSchema>;

export const intervalDecisionInputSchema = z
  .object({
    decision: z.enum(['accept', 'reject'], { message: 'must be accept or reject' }),
    reason: longText('say why').optional(),
    /** What the review showed: a decision on a review whose history has changed since is refused. */
    reviewed: z
      .object({
        currentIntervalDays: z.number({ message: 'must be the interval the review showed' }).int(),
        recommendedIntervalDays: z.number({ message: 'must be the interval the review recommended' }).int(),
        calibrationNumbers: z.array(z.string().max(40)).max(500),
      })
      .strict(),
    signature: z
      .object({
        password: z.string().min(1, { message: 'is required' }).max(128).optional(),
        meaning: z.literal(intervalDecisionMeaning, { message: `must be ${intervalDecisionMeaning}` }).default(intervalDecisionMeaning),
      })
      .strict(),
  })
  .strict()
  .refine((input) => input.decision === 'accept' || input.reason !== undefined, { message: 'A rejection needs a reason', path: ['reason'] });
export type IntervalDecisionInput = z.infer<typeof intervalDecisionInputSchema>;
