import { z } from 'zod';
import { recordFrequencySchema } from './catalog.js';
import { continuationTokenSchema, labIdSchema } from './common.js';

const dateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date as YYYY-MM-DD' });

/** Labs one request of a report across labs covers, unless told fewer or more. */
export const defaultLabsPerPage = 10;

/**
 * A report of every lab comes in pages of labs (SPEC §13: each request inside the time a linked
 * backend gets); the pages' labs and rows added together are the whole report.
 */
/** What every company-wide report opens with: its period, when and by whom it was made, and the labs it covers. */
export const reportHeadingShape = {
  /** The period, lab-local dates, both included. */
  from: z.string(),
  to: z.string(),
  generatedAt: z.string(),
  /** Who asked for the report: printed and exported with it. */
  generatedBy: z.object({ username: z.string(), displayName: z.string() }),
  labs: z.array(z.string()),
  /** Each reported lab's name, by lab id. */
  labNames: z.record(z.string(), z.string()),
};

export const labPagingShape = {
  /** Labs per page when no labId is given. */
  pageSize: z.coerce
    .number({ message: 'must be a number' })
    .int({ message: 'must be a whole number' })
    .min(1, { message: 'must be at least 1' })
    .max(50, { message: 'must be at most 50' })
    .optional(),
  /** The token the previous page gave out (in the body, or the X-Continuation-Token header of a CSV). */
  continuationToken: continuationTokenSchema,
};
export interface LabPaging {
  pageSize?: number | undefined;
  continuationToken?: string | undefined;
}

export const complianceQuerySchema = z
  .object({
    /** One lab; without it, every lab the caller may report on. */
    labId: labIdSchema.optional(),
    /** Periods starting on or after, and on or before, these lab-local dates (default: the last 30 days). */
    from: dateSchema.optional(),
    to: dateSchema.optional(),
    format: z.enum(['json', 'csv'], { message: 'must be json or csv' }).optional(),
    /** For CSV, which table: the figures per lab and frequency, or the list of missed and overdue records. */
    section: z.enum(['summary', 'missed'], { message: 'must be summary or missed' }).optional(),
    ...labPagingShape,
  })
  .strict();
export type ComplianceQuery = z.infer<typeof complianceQuerySchema>;

export const complianceRowSchema = z.object({
  labId: z.string(),
  frequency: recordFrequencySchema,
  total: z.number().int(),
  completedOnTime: z.number().int(),
  completedLate: z.number().int(),
  /** Completed and signed, but still waiting for the second signature its model asks for: not yet done. */
  awaitingVerification: z.number().int(),
  missed: z.number().int(),
  missedJustified: z.number().int(),
  cancelled: z.number().int(),
  open: z.number().int(),
  /** Completed (and verified where needed) ÷ (that + awaiting verification + missed); null while nothing was due. */
  completionRate: z.number().nullable(),
});
export type ComplianceRow = z.infer<typeof complianceRowSchema>;

export const missedRowSchema = z.object({
  labId: z.string(),
  recordNumber: z.string(),
  serialNumber: z.string(),
  modelId: z.string(),
  frequency: recordFrequencySchema,
  periodStart: z.string(),
  dueEnd: z.string(),
  /** Missed, or Open past its due time (overdue until the generator marks it). */
  status: z.enum(['Missed', 'Overdue']),
  justification: z.string().nullable(),
  justifiedBy: z.string().nullable(),
  justifiedByUsername: z.string().nullable(),
  justifiedAt: z.string().nullable(),
});
export type MissedRow = z.infer<typeof missedRowSchema>;

export const trendPointSchema = z.object({
  labId: z.string(),
  frequency: recordFrequencySchema,
  /** What a point covers: an ISO week for daily and weekly checklists, a month for longer ones. */
  per: z.enum(['week', 'month']),
  /** The first day of that week (a Monday) or month, as the periods' start dates fall. */
  start: z.string(),
  completed: z.number().int(),
  missed: z.number().int(),
  completionRate: z.number().nullable(),
});
export type TrendPoint = z.infer<typeof trendPointSchema>;

export const complianceReportSchema = z.object({
  ...reportHeadingShape,
  summary: z.array(complianceRowSchema),
  missed: z.array(missedRowSchema),
  trend: z.array(trendPointSchema),
  /** Null on the last page; otherwise ask again with it for the next labs. */
  continuationToken: z.string().nullable(),
});
export type ComplianceReport = z.infer<typeof complianceReportSchema>;
