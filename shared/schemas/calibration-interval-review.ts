import { z } from 'zod';

/** A recommended calibration interval and the history it was computed from (ISO/IEC 17025 §6.4.7, ILAC-G24). */
export const intervalReviewSchema = z.object({
  serialNumber: z.string(),
  labId: z.string(),
  method: z.string(),
  factors: z.object({ lengthen: z.number(), shorten: z.number(), minDays: z.number().int(), maxDays: z.number().int() }),
  /** The interval of the plan in force, in days; null when the plan has no interval (or there is no plan). */
  currentIntervalDays: z.number().int().nullable(),
  /** When the interval in force was set: only calibrations approved after it count. */
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
});
export type IntervalReview = z.infer<typeof intervalReviewSchema>;
