import { z } from 'zod';
import { recordFrequencySchema, taskSchema } from './catalog.js';
import { continuationTokenSchema, labIdSchema, multiLineText } from './common.js';
import { fitnessSchema } from './equipment.js';
import { readingReasons, usageCauses } from './meters.js';
import { recordStatuses, completionMeanings, amendmentMeaning, justificationMeaning, verificationMeaning } from './vocabulary.js';

export { recordStatuses, completionMeanings, amendmentMeaning, justificationMeaning, verificationMeaning } from './vocabulary.js';

export const recordStatusSchema = z.enum(recordStatuses, { message: 'must be Open, Completed, Missed or Cancelled' });
export type RecordStatus = z.infer<typeof recordStatusSchema>;

export const recordNumberSchema = z.string().regex(/^[A-Z0-9-]{2,10}\d{6,}$/, { message: 'must be a record number such as LAB01000123' });

const actorSchema = z.object({ username: z.string(), displayName: z.string() });

export const responseSchema = z.object({
  taskId: z.string(),
  done: z.boolean(),
  value: z.number().optional(),
  note: z.string().optional(),
  /** A reading outside the task's limits: accepted, flagged, and explained in the note. */
  outOfRange: z.boolean().optional(),
  /** The technician found the machine faulty at this task: the note says how, and a nonconformity opens. */
  fault: z.boolean().optional(),
  /** Why a task's meter reads lower than its last reading: the meter was replaced or reset. */
  meterReason: z.enum(readingReasons).optional(),
});
export type Response = z.infer<typeof responseSchema>;

export const signatureSchema = z.object({
  username: z.string(),
  displayName: z.string(),
  meaning: z.string(),
  signedAt: z.string(),
  method: z.enum(['password', 'microsoft']),
  /** SHA-256 of the record's content as signed: a copied or altered signature no longer matches. */
  contentHash: z.string(),
});
export type Signature = z.infer<typeof signatureSchema>;

export const amendmentSchema = z.object({
  number: z.number().int(),
  reason: z.string(),
  /** The corrected responses, each beside the value it replaced. */
  changes: z.array(z.object({ taskId: z.string(), before: responseSchema, after: responseSchema })),
  signature: signatureSchema,
});

export const recordSchema = z.object({
  recordNumber: z.string(),
  labId: labIdSchema,
  serialNumber: z.string(),
  modelId: z.string(),
  modelVersion: z.number().int(),
  frequency: recordFrequencySchema,
  /** For a Usage record: the meter, the threshold its total passed, and the schedule; null for calendar records. */
  usage: z
    .object({
      scheduleId: z.string(),
      meterId: z.string(),
      meter: z.string(),
      unit: z.string(),
      /** The meter total at which it opened: the threshold it passed, or the total when the schedule's months ran out. */
      threshold: z.number(),
      dueAtTotal: z.number().nullable(),
      /** The n-th record of the schedule on this meter; absent on records opened before the count was kept. */
      occurrence: z.number().int().optional(),
      /** units: the meter passed its threshold; calendar: the schedule's months since the last service ran out first. */
      cause: z.enum(usageCauses).optional(),
      months: z.number().int().optional(),
    })
    .nullable(),
  /** The lab-local day the period starts; for a Usage record, the day it opened. */
  periodStart: z.string(),
  /** When the period starts; a record made ahead of it cannot be completed before. Null on records of earlier releases. */
  opensAt: z.string().nullable(),
  dueEnd: z.string(),
  status: recordStatusSchema,
  late: z.boolean(),
  tasks: z.array(taskSchema),
  /** As completed and signed; later corrections are in `amendments`, and `currentResponses` applies them. */
  responses: z.array(responseSchema),
  currentResponses: z.array(responseSchema),
  outOfRangeCount: z.number().int(),
  completedBy: actorSchema.nullable(),
  completedAt: z.string().nullable(),
  signature: signatureSchema.nullable(),
  /** Whether a second person must sign "Verified by" after completion, and their signature once they have. */
  needsVerification: z.boolean(),
  verification: signatureSchema.nullable(),
  amendments: z.array(amendmentSchema),
  missedAt: z.string().nullable(),
  cancelledAt: z.string().nullable(),
  cancelReason: z.string().nullable(),
  /** A manager's signed word on a missed record; older justifications carry no signature. */
  justification: z.object({ reason: z.string(), by: actorSchema, at: z.string(), signature: signatureSchema.optional() }).nullable(),
  /** Completion is still possible until then (late), for Open and Missed records. */
  completableUntil: z.string().nullable(),
  createdAt: z.string(),
});
export type PmRecord = z.infer<typeof recordSchema>;

const noteSchema = multiLineText(1000, 'cannot be empty; leave it out instead');

export const responseInputSchema = z
  .object({
    taskId: z.string().min(1, { message: 'is required' }).max(20),
    done: z.boolean(),
    value: z.number({ message: 'must be a number' }).refine(Number.isFinite, { message: 'must be a finite number' }).optional(),
    note: noteSchema.optional(),
    fault: z.boolean({ message: 'must be true or false' }).optional(),
    meterReason: z.enum(readingReasons, { message: 'must be replaced or reset' }).optional(),
  })
  .strict();
export type ResponseInput = z.infer<typeof responseInputSchema>;

const passwordSchema = z.string().min(1, { message: 'is required' }).max(128);

export const completeRecordSchema = z
  .object({
    responses: z.array(responseInputSchema).max(200, { message: 'may hold at most 200 responses' }),
    signature: z
      .object({
        password: passwordSchema.optional(),
        meaning: z
          .enum(completionMeanings, {
            message: `must be ${completionMeanings.join(' or ')}: a second person signs "${verificationMeaning}" afterwards, where the model asks for it`,
          })
          .default(completionMeanings[0]),
      })
      .strict(),
  })
  .strict();
export type CompleteRecord = z.infer<typeof completeRecordSchema>;

export const amendRecordSchema = z
  .object({
    responses: z.array(responseInputSchema).min(1, { message: 'must correct at least one task' }).max(200),
    reason: multiLineText(1000, 'is required: say why the record is corrected'),
    signature: z
      .object({
        password: passwordSchema.optional(),
        meaning: z.literal(amendmentMeaning, { message: `must be ${amendmentMeaning}` }).default(amendmentMeaning),
      })
      .strict(),
  })
  .strict();
export type AmendRecord = z.infer<typeof amendRecordSchema>;

export const justifyRecordSchema = z
  .object({
    reason: multiLineText(1000, 'is required: say why the PM was missed'),
    signature: z
      .object({
        password: passwordSchema.optional(),
        meaning: z.literal(justificationMeaning, { message: `must be ${justificationMeaning}` }).default(justificationMeaning),
      })
      .strict(),
  })
  .strict();
export type JustifyRecord = z.infer<typeof justifyRecordSchema>;

export const verifyRecordSchema = z
  .object({
    signature: z
      .object({
        password: passwordSchema.optional(),
        meaning: z.literal(verificationMeaning, { message: `must be ${verificationMeaning}` }).default(verificationMeaning),
      })
      .strict(),
  })
  .strict();
export type VerifyRecord = z.infer<typeof verifyRecordSchema>;

export const recordParamsSchema = z.object({ labId: labIdSchema, recordNumber: recordNumberSchema });
export const recordListParamsSchema = z.object({ labId: labIdSchema });

const dateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date as YYYY-MM-DD' });

export const listRecordsQuerySchema = z
  .object({
    /** One or more statuses, comma-separated, e.g. Open,Missed. */
    status: z
      .string()
      .transform((text) => text.split(',').map((part) => part.trim()))
      .pipe(z.array(recordStatusSchema).min(1))
      .optional(),
    frequency: recordFrequencySchema.optional(),
    serialNumber: z.string().max(64).optional(),
    /** Periods starting on or after, and on or before, these lab-local dates. */
    from: dateSchema.optional(),
    to: dateSchema.optional(),
    pageSize: z.coerce.number({ message: 'must be a number' }).int().min(1).max(1000, { message: 'must be at most 1000' }).optional(),
    continuationToken: continuationTokenSchema,
  })
  .strict();
export type ListRecordsQuery = z.infer<typeof listRecordsQuerySchema>;

/**
 * A row of the dashboard: what a lab's checklist tables show of a record. Opening the record
 * (GET .../records/{recordNumber}) brings its tasks; leaving them out here keeps a lab's dashboard,
 * hundreds of rows, small to read and to send.
 */
export const recordSummarySchema = recordSchema
  .pick({
    recordNumber: true,
    labId: true,
    serialNumber: true,
    modelId: true,
    frequency: true,
    periodStart: true,
    dueEnd: true,
    status: true,
    late: true,
    completableUntil: true,
  })
  .extend({
    /** On dashboard rows whose machine is not fit for use or whose calibration is due soon (SPEC §9); absent when it is simply fit. */
    fitness: fitnessSchema.optional(),
    /** On a Usage record's row: the meter and what opened it. */
    usage: recordSchema.shape.usage.unwrap().optional(),
  });
export type RecordSummary = z.infer<typeof recordSummarySchema>;

export const dashboardQuerySchema = z
  .object({
    pageSize: z.coerce.number({ message: 'must be a number' }).int().min(1).max(1000, { message: 'must be at most 1000' }).optional(),
    continuationToken: continuationTokenSchema,
  })
  .strict();
export type DashboardQuery = z.infer<typeof dashboardQuerySchema>;
