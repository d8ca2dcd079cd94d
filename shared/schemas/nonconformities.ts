import { z } from 'zod';
import { labPagingShape } from './reports.js';
import { calendarDateSchema, certificateSchema } from './calibration.js';
import { continuationTokenSchema, labIdSchema, multiLineText } from './common.js';
import { serialNumberSchema } from './equipment.js';
import { recordNumberSchema, signatureSchema } from './records.js';
import { dispositions, nonconformitySources, repairStatuses } from './vocabulary.js';

export { dispositions, nonconformitySources, repairStatuses } from './vocabulary.js';

/** `LAB01-NC-000001`: per lab, gapless, six digits and more after 999,999. */
export const ncNumberSchema = z.string().regex(/^[A-Z0-9-]{2,10}-NC-\d{6,}$/, { message: 'must be a nonconformity number such as LAB01-NC-000001' });

const actorSchema = z.object({ username: z.string(), displayName: z.string() });
const textSchema = (what: string, max = 2000) => multiLineText(max, `is required: ${what}`);
const passwordSchema = z.string().min(1, { message: 'is required' }).max(128);

export const dispositionMeaning = 'Disposed by';
export const closureMeaning = 'Closed by';
export const returnToServiceMeaning = 'Verified by';

/** A signature as sent: the password where the user has one; Microsoft accounts sign with a fresh sign-in. */
const signatureInput = (meaning: string) =>
  z.object({ password: passwordSchema.optional(), meaning: z.literal(meaning, { message: `must be ${meaning}` }).default(meaning as never) }).strict();

export const dispositionSchema = z.object({
  disposition: z.enum(dispositions),
  reason: z.string(),
  by: actorSchema,
  at: z.string(),
  signature: signatureSchema,
});

/**
 * What the exposure window touches (SPEC §10): a PM record of the machine, or a calibration of any
 * machine in any lab that used the machine as a reference standard. Disposed by a Manager of `labId`.
 */
export const impactItemSchema = z.object({
  itemId: z.string(),
  kind: z.enum(['pm-record', 'calibration']),
  labId: labIdSchema,
  serialNumber: z.string(),
  /** The record or calibration number. */
  reference: z.string(),
  /** When the result was produced: the record's completion, the calibration's performed date. */
  on: z.string(),
  summary: z.string(),
  disposition: dispositionSchema.nullable(),
});
export type ImpactItem = z.infer<typeof impactItemSchema>;

export const repairActionSchema = z.object({
  actionId: z.string(),
  text: z.string(),
  statusChange: z.enum(repairStatuses).nullable(),
  by: actorSchema,
  at: z.string(),
});

export const nonconformitySchema = z.object({
  ncNumber: z.string(),
  labId: labIdSchema,
  serialNumber: z.string(),
  modelId: z.string(),
  source: z.enum(nonconformitySources),
  /** The calibration or record that found it; null when reported by hand without one. */
  calibrationNumber: z.string().nullable(),
  recordNumber: z.string().nullable(),
  /** The problem reported at the machine (without an account) that it was turned from. */
  problemReportNumber: z.string().optional(),
  description: z.string(),
  openedBy: actorSchema,
  openedAt: z.string(),
  status: z.enum(['Open', 'Closed']),
  /** From the last result known good to the finding: what may have been affected. */
  window: z.object({ from: z.string(), to: z.string(), since: z.string() }),
  items: z.array(impactItemSchema),
  actions: z.array(repairActionSchema),
  attachments: z.array(certificateSchema),
  closure: z.object({ summary: z.string(), by: actorSchema, at: z.string(), signature: signatureSchema }).nullable(),
  /** The signed return to service that ended the quarantine it put the machine under; null while it holds (or before one was kept here). */
  returnedToService: z
    .object({ returnedAt: z.string(), by: actorSchema, nonconformities: z.array(z.string()), contentHash: z.string() })
    .nullable()
    .optional(),
});
export type Nonconformity = z.infer<typeof nonconformitySchema>;

export const nonconformityListParamsSchema = z.object({ labId: labIdSchema });
export const nonconformityParamsSchema = z.object({ labId: labIdSchema, ncNumber: ncNumberSchema });
export const nonconformityAttachmentParamsSchema = nonconformityParamsSchema.extend({
  attachmentId: z.string().regex(/^[1-9][0-9]{0,5}$/, { message: 'must be an attachment number such as 1' }),
});

export const nonconformityListQuerySchema = z
  .object({
    status: z.enum(['Open', 'Closed'], { message: 'must be Open or Closed' }).optional(),
    serialNumber: serialNumberSchema.optional(),
    continuationToken: continuationTokenSchema,
  })
  .strict();

export const reportNonconformitySchema = z
  .object({
    serialNumber: serialNumberSchema,
    description: textSchema('say what is wrong with the machine'),
    recordNumber: recordNumberSchema.optional(),
  })
  .strict();
export type ReportNonconformity = z.infer<typeof reportNonconformitySchema>;

export const dispositionInputSchema = z
  .object({
    itemId: z.string().min(1, { message: 'is required' }).max(80),
    disposition: z.enum(dispositions, { message: `must be ${dispositions.join(', ')}` }),
    reason: textSchema('say why this disposition is right'),
    signature: signatureInput(dispositionMeaning),
  })
  .strict();
export type DispositionInput = z.infer<typeof dispositionInputSchema>;

export const repairActionInputSchema = z
  .object({
    text: textSchema('say what was done'),
    statusChange: z.enum(repairStatuses, { message: `must be ${repairStatuses.join(' or ')}` }).optional(),
  })
  .strict();
export type RepairActionInput = z.infer<typeof repairActionInputSchema>;

export const closeNonconformitySchema = z
  .object({ summary: textSchema('sum up the cause, the repair and the impact'), signature: signatureInput(closureMeaning) })
  .strict();
export type CloseNonconformity = z.infer<typeof closeNonconformitySchema>;

export const returnToServiceInputSchema = z
  .object({
    /** The nonconformities the signer read and ends: refused with 409 when another holds the machine too. */
    nonconformities: z
      .array(ncNumberSchema, { message: 'is required: name the nonconformities this return to service ends' })
      .min(1, { message: 'must name at least one nonconformity' })
      .max(100),
    /** What was repaired or verified, in the verifier's words; required when no repair is logged on what it ends. */
    note: multiLineText(2000, 'cannot be empty; leave it out instead').optional(),
    calibrationNumber: z
      .string()
      .regex(/^[A-Z0-9-]{2,10}-CAL-\d{6,}$/, { message: 'must be a calibration number such as LAB01-CAL-000001' })
      .optional(),
    responses: z
      .array(
        z
          .object({
            taskId: z.string().min(1).max(20),
            done: z.boolean(),
            value: z.number({ message: 'must be a number' }).refine(Number.isFinite, { message: 'must be a finite number' }).optional(),
            note: multiLineText(1000, 'cannot be empty; leave it out instead').optional(),
          })
          .strict(),
      )
      .max(100)
      .optional(),
    signature: signatureInput(returnToServiceMeaning),
  })
  .strict();
export type ReturnToServiceInput = z.infer<typeof returnToServiceInputSchema>;

/** What a return to service proved and who signed it: kept in the machine's life. */
export const returnToServiceSchema = z.object({
  serialNumber: z.string(),
  labId: labIdSchema,
  returnedAt: z.string(),
  nonconformities: z.array(z.string()),
  calibrationNumber: z.string().nullable(),
  checks: z.array(
    z.object({
      taskId: z.string(),
      text: z.string(),
      done: z.boolean(),
      value: z.number().optional(),
      note: z.string().optional(),
      outOfRange: z.boolean().optional(),
    }),
  ),
  /** What was repaired or verified: the verifier's note, and the repair-log entries of what it ends. */
  note: z.string().nullable().optional(),
  repairs: z.array(z.object({ ncNumber: z.string(), actionId: z.string(), text: z.string() })).optional(),
  signature: signatureSchema,
});
export type ReturnToService = z.infer<typeof returnToServiceSchema>;

export const nonconformityReportQuerySchema = z
  .object({
    labId: labIdSchema.optional(),
    from: calendarDateSchema.optional(),
    to: calendarDateSchema.optional(),
    format: z.enum(['json', 'csv'], { message: 'must be json or csv' }).optional(),
    ...labPagingShape,
  })
  .strict();

export const nonconformityReportSchema = z.object({
  from: z.string(),
  to: z.string(),
  labs: z.array(
    z.object({
      labId: z.string(),
      opened: z.number().int(),
      open: z.number().int(),
      closed: z.number().int(),
      medianDaysToClose: z.number().nullable(),
      bySource: z.record(z.string(), z.number().int()),
      itemsByDisposition: z.record(z.string(), z.number().int()),
    }),
  ),
  nonconformities: z.array(
    z.object({
      ncNumber: z.string(),
      labId: z.string(),
      serialNumber: z.string(),
      source: z.string(),
      openedAt: z.string(),
      status: z.string(),
      closedAt: z.string().nullable(),
      daysToClose: z.number().nullable(),
      items: z.number().int(),
      undisposed: z.number().int(),
      description: z.string(),
    }),
  ),
  /** Null on the last page; otherwise ask again with it for the next labs. */
  continuationToken: z.string().nullable(),
});
export type NonconformityReport = z.infer<typeof nonconformityReportSchema>;

export const impactInboxItemSchema = impactItemSchema.extend({
  ncNumber: z.string(),
  ncLabId: z.string(),
  ncSerialNumber: z.string(),
  ncDescription: z.string(),
});
export type ImpactInboxItem = z.infer<typeof impactInboxItemSchema>;
