import { z } from 'zod';
import { labPagingShape, reportHeadingShape } from './reports.js';
import { continuationTokenSchema, labIdSchema, singleLineText } from './common.js';
import { fitnessSchema, serialNumberSchema } from './equipment.js';
import { signatureSchema } from './records.js';
import { decisionRules, finiteNumber, longText, text, uncertaintySchema } from './calibration-plan.js';

export { decisionRules, defaultPlanSchema, planInputSchema, planPointInputSchema, type DefaultPlan, type PlanInput } from './calibration-plan.js';

/** A calendar date, `YYYY-MM-DD`, that exists. */
export const calendarDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date written YYYY-MM-DD' })
  // Zod runs this check even after the pattern failed: it leaves such text to the pattern's message
  // (one message a field), and must not throw on it.
  .refine(
    (date) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return true;
      const parsed = new Date(`${date}T00:00:00Z`);
      return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(date);
    },
    { message: 'must be a date that exists' },
  );

/** The first date the product accepts for something that happened: nothing it keeps predates 2000. */
export const earliestEventDate = '2000-01-01';

/** A date something happened on: a real date, not before 2000. */
export const eventDateSchema = calendarDateSchema.refine((date) => !/^\d{4}-\d{2}-\d{2}$/.test(date) || date >= earliestEventDate, {
  message: `must be on or after ${earliestEventDate}`,
});

const passwordSchema = z.string().min(1, { message: 'is required' }).max(128);

// Calibration providers (ISO/IEC 17025 §6.6): company-wide, kept by Administrators.

export const providerIdSchema = z.string().regex(/^[a-z0-9-]{3,60}$/, { message: 'must be a provider id such as acme-metrology' });

export const providerInputSchema = z
  .object({
    name: text('the provider’s name'),
    accreditationBody: text('who accredits the provider, e.g. UKAS or A2LA'),
    accreditationNumber: text('the number of the accreditation certificate', 60),
    scope: longText('what the accreditation covers'),
    accreditationExpires: calendarDateSchema,
    approved: z.boolean({ message: 'must be true or false' }),
  })
  .strict();
export type ProviderInput = z.infer<typeof providerInputSchema>;

export const providerPatchSchema = providerInputSchema
  .partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, { message: 'send at least one field to change' });
export type ProviderPatch = z.infer<typeof providerPatchSchema>;

export const providerSchema = providerInputSchema.extend({
  providerId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Provider = z.infer<typeof providerSchema>;

export const providerParamsSchema = z.object({ providerId: providerIdSchema });
export const providerListQuerySchema = z.object({ continuationToken: continuationTokenSchema }).strict();

const actorSchema = z.object({ username: z.string(), displayName: z.string() });

export const planPointSchema = z.object({
  pointId: z.string(),
  name: z.string(),
  unit: z.string(),
  nominal: z.number(),
  lowerLimit: z.number(),
  upperLimit: z.number(),
  maxUncertainty: z.number().optional(),
});
export type PlanPoint = z.infer<typeof planPointSchema>;

export const planVersionSchema = z.object({
  version: z.number().int(),
  required: z.boolean(),
  reason: z.string(),
  intervalMonths: z.number().int().optional(),
  intervalDays: z.number().int().optional(),
  warningDays: z.number().int(),
  graceDays: z.number().int(),
  decisionRule: z.enum(decisionRules),
  referenceStandard: z.boolean(),
  points: z.array(planPointSchema),
  /** Checks between calibrations (§6.4.10), when the plan defines them. */
  intermediateCheck: z.object({ intervalDays: z.number().int(), checkStandard: z.string(), points: z.array(planPointSchema) }).optional(),
  changedAt: z.string(),
  changedBy: actorSchema,
  changeReason: z.string().nullable(),
});
export type PlanVersion = z.infer<typeof planVersionSchema>;

export const calibrationPlanSchema = z.object({
  serialNumber: z.string(),
  labId: labIdSchema,
  /** Null until a plan is set. */
  current: planVersionSchema.nullable(),
  /** Every version, oldest first (ISO/IEC 17025 §6.4.7). */
  versions: z.array(planVersionSchema),
  lastCalibration: z.object({ calibrationNumber: z.string(), labId: z.string(), performedOn: z.string() }).nullable(),
  /** The nonconformities that hold it out of service until a signed return to service names them. */
  quarantinedBy: z.array(z.string()),
  fitness: fitnessSchema,
});
export type CalibrationPlan = z.infer<typeof calibrationPlanSchema>;

// Calibration events (§6.4.10–6.4.13, §6.5).

export const calibrationNumberSchema = z.string().regex(/^[A-Z0-9-]{2,10}-CAL-\d{6,}$/, { message: 'must be a calibration number such as LAB01-CAL-000001' });

const measurementInputSchema = z
  .object({
    pointId: z.string().min(1, { message: 'is required' }).max(20),
    value: finiteNumber,
    uncertainty: uncertaintySchema.optional(),
  })
  .strict();

export const calibrationMeanings = ['Performed by', 'Entered by'] as const;
export const approvalMeaning = 'Approved by';

export const calibrationInputSchema = z
  .object({
    performedOn: eventDateSchema,
    kind: z.enum(['internal', 'external'], { message: 'must be internal or external' }),
    providerId: providerIdSchema.optional(),
    certificateNumber: text('the certificate’s number', 100).optional(),
    initial: z.boolean({ message: 'must be true or false' }).default(false),
    initialReason: longText('say why this is an initial calibration').optional(),
    asFound: z.array(measurementInputSchema).max(50).default([]),
    adjusted: z.boolean({ message: 'must be true or false' }),
    adjustment: longText('say what was adjusted').optional(),
    asLeft: z.array(measurementInputSchema).max(50).default([]),
    standards: z.array(serialNumberSchema).max(20, { message: 'may name at most 20 standards' }).default([]),
    overrideReason: longText('say why the provider is used anyway').optional(),
    signature: z
      .object({
        password: passwordSchema.optional(),
        meaning: z.enum(calibrationMeanings, { message: 'must be Performed by or Entered by' }).default('Performed by'),
      })
      .strict(),
  })
  .strict()
  .refine((input) => input.kind === 'internal' || input.providerId !== undefined, {
    message: 'An external calibration names its provider',
    path: ['providerId'],
  })
  .refine((input) => input.kind === 'external' || input.providerId === undefined, {
    message: 'An internal calibration has no provider; leave it out',
    path: ['providerId'],
  })
  .refine((input) => !input.initial || input.initialReason !== undefined, { message: 'An initial calibration needs a reason', path: ['initialReason'] })
  .refine((input) => !input.initial || input.asFound.length === 0, {
    message: 'An initial calibration has no as-found values; give what it left as as-left',
    path: ['asFound'],
  })
  .refine((input) => !input.adjusted || input.adjustment !== undefined, { message: 'Say what was adjusted', path: ['adjustment'] })
  .refine((input) => input.initial || input.adjusted || input.asLeft.length === 0, {
    message: 'As-left values come only with an adjustment',
    path: ['asLeft'],
  });
export type CalibrationInput = z.infer<typeof calibrationInputSchema>;

const verdictSchema = z.object({ pass: z.boolean(), why: z.string().optional() });

export const calibrationStatuses = ['Awaiting approval', 'Approved', 'Rejected'] as const;

const readingSchema = z.object({ value: z.number(), uncertainty: z.number().optional() });

/** A signed correction of an approved calibration: what changed, why, and the result it led to. */
export const calibrationAmendmentSchema = z.object({
  number: z.number().int(),
  reason: z.string(),
  changes: z.array(z.object({ field: z.string(), before: z.unknown(), after: z.unknown() })),
  result: z.enum(['Pass', 'Pass after adjustment', 'Fail']),
  outOfTolerance: z.boolean(),
  signature: signatureSchema,
});
export type CalibrationAmendment = z.infer<typeof calibrationAmendmentSchema>;

export const frozenStandardSchema = z.object({
  serialNumber: z.string(),
  labId: z.string(),
  /** The standard's calibration that made it fit on the day, and when that one fell due. */
  calibrationNumber: z.string(),
  calibratedOn: z.string(),
  dueOn: z.string(),
});

/** The file types a certificate may be, judged by the file's first bytes. */
export const certificateContentTypes = ['application/pdf', 'image/png', 'image/jpeg'] as const;

/** One uploaded version of a calibration's certificate; a new upload is a new version beside it. */
export const certificateSchema = z.object({
  certificateId: z.string(),
  fileName: z.string(),
  contentType: z.enum(certificateContentTypes),
  size: z.number().int(),
  /** Of the bytes as uploaded; checked again before every download. */
  sha256: z.string(),
  uploadedAt: z.string(),
  uploadedBy: actorSchema,
});
export type Certificate = z.infer<typeof certificateSchema>;

export const certificateParamsSchema = z.object({
  labId: labIdSchema,
  serialNumber: serialNumberSchema,
  calibrationNumber: calibrationNumberSchema,
  certificateId: z.string().regex(/^[1-9]\d{0,3}$/),
});
export const certificateUploadQuerySchema = z.object({ fileName: singleLineText(200, 'cannot be empty; leave it out instead').optional() }).strict();

export const calibrationSchema = z.object({
  calibrationNumber: z.string(),
  labId: labIdSchema,
  serialNumber: z.string(),
  modelId: z.string(),
  performedOn: z.string(),
  kind: z.enum(['internal', 'external']),
  provider: z
    .object({
      providerId: z.string(),
      name: z.string(),
      accreditationBody: z.string(),
      accreditationNumber: z.string(),
      accreditationExpires: z.string(),
      approved: z.boolean(),
    })
    .nullable(),
  certificateNumber: z.string().nullable(),
  override: z.object({ reason: z.string(), by: actorSchema }).nullable(),
  initial: z.boolean(),
  initialReason: z.string().nullable(),
  adjusted: z.boolean(),
  adjustment: z.string().nullable(),
  planVersion: z.number().int(),
  decisionRule: z.enum(decisionRules),
  points: z.array(
    planPointSchema.extend({
      asFound: readingSchema.nullable(),
      asFoundResult: verdictSchema.nullable(),
      asLeft: readingSchema.nullable(),
      asLeftResult: verdictSchema.nullable(),
    }),
  ),
  result: z.enum(['Pass', 'Pass after adjustment', 'Fail']),
  outOfTolerance: z.boolean(),
  standards: z.array(frozenStandardSchema),
  status: z.enum(calibrationStatuses),
  /** Performed on + the plan's interval; counts once the event is approved and passing. */
  nextDue: z.string().nullable(),
  signature: signatureSchema,
  approval: z.object({ decision: z.enum(['approve', 'reject']), reason: z.string().nullable(), signature: signatureSchema }).nullable(),
  certificates: z.array(certificateSchema),
  /** Corrections after approval, oldest first; the fields above are as they stand after the last one. */
  amendments: z.array(calibrationAmendmentSchema),
  createdAt: z.string(),
});
export type Calibration = z.infer<typeof calibrationSchema>;

export const amendmentMeaning = 'Amended by';

/** Corrects an approved calibration: only what is sent changes; readings by point, judged again. */
export const calibrationAmendmentInputSchema = z
  .object({
    reason: longText('say why the calibration is corrected'),
    certificateNumber: text('the certificate’s number', 100).optional(),
    adjustment: longText('say what was adjusted').optional(),
    asFound: z.array(measurementInputSchema).max(50).default([]),
    asLeft: z.array(measurementInputSchema).max(50).default([]),
    signature: z
      .object({
        password: passwordSchema.optional(),
        meaning: z.literal(amendmentMeaning, { message: `must be ${amendmentMeaning}` }).default(amendmentMeaning),
      })
      .strict(),
  })
  .strict();
export type CalibrationAmendmentInput = z.infer<typeof calibrationAmendmentInputSchema>;

export const approvalInputSchema = z
  .object({
    decision: z.enum(['approve', 'reject'], { message: 'must be approve or reject' }),
    reason: longText('say why').optional(),
    signature: z
      .object({ password: passwordSchema.optional(), meaning: z.literal(approvalMeaning, { message: `must be ${approvalMeaning}` }).default(approvalMeaning) })
      .strict(),
  })
  .strict()
  .refine((input) => input.decision === 'approve' || input.reason !== undefined, { message: 'A rejection needs a reason', path: ['reason'] });
export type ApprovalInput = z.infer<typeof approvalInputSchema>;

export const calibrationParamsSchema = z.object({ labId: labIdSchema, serialNumber: serialNumberSchema, calibrationNumber: calibrationNumberSchema });
export const calibrationListQuerySchema = z.object({ continuationToken: continuationTokenSchema }).strict();

export const calibrationsDueQuerySchema = z
  .object({
    within: z
      .string()
      .regex(/^\d{1,3}$/, { message: 'must be a whole number of days from 0 to 366' })
      .transform(Number)
      .refine((value) => value <= 366, { message: 'must be a whole number of days from 0 to 366' })
      .optional(),
    pageSize: z.coerce.number({ message: 'must be a number' }).int().min(1).max(1000, { message: 'must be at most 1000' }).optional(),
    continuationToken: continuationTokenSchema,
  })
  .strict();

export const calibrationDueItemSchema = z.object({
  serialNumber: z.string(),
  modelId: z.string(),
  status: z.string(),
  calibrationDue: z.string().nullable(),
  /** Days until due; negative when overdue. Null when it was never calibrated. */
  daysLeft: z.number().int().nullable(),
  fitness: fitnessSchema,
  awaitingApproval: z.array(z.string()),
  /** When the plan's next intermediate check is due (§6.4.10); null when the plan defines none or nothing has started the count. */
  intermediateCheckDue: z.string().nullable(),
});
export type CalibrationDueItem = z.infer<typeof calibrationDueItemSchema>;

/** A machine whose plan makes it a reference standard, with its fitness on the asking lab's date. */
export const referenceStandardSchema = z.object({
  serialNumber: z.string(),
  labId: z.string(),
  modelId: z.string(),
  /** What it measures in, from its own plan's points: the form offers it only to plans in one of these units. */
  units: z.array(z.string()),
  fitness: fitnessSchema,
});
export type ReferenceStandard = z.infer<typeof referenceStandardSchema>;

export const calibrationReportQuerySchema = z
  .object({
    /** One lab; without it, every lab the caller may report on. */
    labId: labIdSchema.optional(),
    /** Calibrations performed on or after, and on or before, these dates (default: the last 365 days). */
    from: calendarDateSchema.optional(),
    to: calendarDateSchema.optional(),
    format: z.enum(['json', 'csv'], { message: 'must be json or csv' }).optional(),
    /** For CSV, which table. */
    section: z
      .enum(['due', 'certificates', 'rate', 'findings', 'interval-reviews'], { message: 'must be due, certificates, rate, findings or interval-reviews' })
      .optional(),
    ...labPagingShape,
  })
  .strict();
export type CalibrationReportQuery = z.infer<typeof calibrationReportQuerySchema>;

export const calibrationReportSchema = z.object({
  ...reportHeadingShape,
  /** Machines overdue, never calibrated, awaiting approval or due within 90 days, per lab, overdue first. */
  due: z.array(calibrationDueItemSchema.extend({ labId: z.string() })),
  /** Every calibration performed in the period with its provider and certificate (§6.4.13). */
  certificates: z.array(
    z.object({
      labId: z.string(),
      serialNumber: z.string(),
      calibrationNumber: z.string(),
      performedOn: z.string(),
      kind: z.enum(['internal', 'external']),
      provider: z.string().nullable(),
      accreditation: z.string().nullable(),
      certificateNumber: z.string().nullable(),
      /** Each uploaded version: its id, file name and SHA-256. */
      certificateFiles: z.array(z.string()),
      result: z.string(),
      status: z.string(),
    }),
  ),
  /** Approved passing calibrations in the period, and how many came by the previous one's due date plus grace. */
  rate: z.array(
    z.object({ labId: z.string(), approved: z.number().int(), onTime: z.number().int(), late: z.number().int(), onTimeRate: z.number().nullable() }),
  ),
  /** Calibrations that found a machine out of tolerance or failed, with the points outside their limits. */
  findings: z.array(
    z.object({
      labId: z.string(),
      serialNumber: z.string(),
      calibrationNumber: z.string(),
      performedOn: z.string(),
      result: z.string(),
      outOfTolerance: z.boolean(),
      points: z.array(z.string()),
      status: z.string(),
    }),
  ),
  /**
   * Machines whose calibration interval review is due (ILAC-G24): CALIBRATION_INTERVAL_REVIEW_AFTER approved
   * calibrations since the interval was set or last decided, or one found out of tolerance.
   */
  intervalReviews: z.array(
    z.object({
      labId: z.string(),
      serialNumber: z.string(),
      modelId: z.string(),
      currentIntervalDays: z.number().int(),
      recommendedIntervalDays: z.number().int(),
      calibrations: z.array(z.string()),
      outOfTolerance: z.number().int(),
      lastDecidedOn: z.string().nullable(),
    }),
  ),
  /** Null on the last page; otherwise ask again with it for the next labs. */
  continuationToken: z.string().nullable(),
});
export type CalibrationReport = z.infer<typeof calibrationReportSchema>;
