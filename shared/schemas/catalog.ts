import { z } from 'zod';
import { defaultPlanSchema } from './calibration-plan.js';
import { continuationTokenSchema, singleLineText } from './common.js';
import { frequencies, taskKinds } from './vocabulary.js';

export { frequencies, taskKinds } from './vocabulary.js';

export const frequencySchema = z.enum(frequencies, { message: 'must be Daily, Weekly, Monthly, Quarterly or Annual' });
export type Frequency = z.infer<typeof frequencySchema>;

/** What brings a record: a calendar frequency, or a meter passing a usage schedule's threshold (SPEC §15). */
export const recordFrequencies = [...frequencies, 'Usage'] as const;
export const recordFrequencySchema = z.enum(recordFrequencies, { message: 'must be Daily, Weekly, Monthly, Quarterly, Annual or Usage' });
export type RecordFrequency = z.infer<typeof recordFrequencySchema>;

export const equipmentClassNameSchema = z
  .string()
  .trim()
  .min(2, { message: 'must be at least 2 characters' })
  .max(60, { message: 'must be at most 60 characters' })
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._&/()-]*$/u, { message: 'may hold letters, digits, spaces and . _ & / ( ) -, starting with a letter or digit' });

export const equipmentClassSchema = z.object({ name: z.string(), createdAt: z.string() });
export type EquipmentClass = z.infer<typeof equipmentClassSchema>;
export const createEquipmentClassSchema = z.object({ name: equipmentClassNameSchema }).strict();

/** Appears in paths (/api/models/{modelId}), so no slash. */
export const modelIdSchema = z
  .string()
  .trim()
  .min(1, { message: 'is required' })
  .max(64, { message: 'must be at most 64 characters' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._+()-]*$/, { message: 'may hold letters, digits, spaces and . _ + ( ) -, starting with a letter or digit' });

export const taskIdSchema = z.string().regex(/^T[1-9][0-9]{0,5}$/, { message: 'must be a task id this model gave out, such as T3' });

/** A task as stored and shown: every task of a model has a stable id. */
export const taskSchema = z.object({
  taskId: z.string(),
  text: z.string(),
  kind: z.enum(taskKinds),
  unit: z.string().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  /** Digits after the decimal point that readings are shown with: 2 shows 0.2 as 0.20. */
  decimals: z.number().optional(),
  /** The machine's meter, by name, that this reading task reads: its value becomes a reading of that meter (SPEC §15). */
  meter: z.string().optional(),
});
export type Task = z.infer<typeof taskSchema>;

const finiteNumber = z.number({ message: 'must be a number' }).refine(Number.isFinite, { message: 'must be a finite number' });

/** A task as sent: new tasks come without an id; kept tasks keep theirs (reordering keeps ids). */
export const taskInputSchema = z
  .object({
    taskId: taskIdSchema.optional(),
    text: singleLineText(500),
    kind: z.enum(taskKinds, { message: 'must be check or reading' }),
    unit: singleLineText(20, 'cannot be empty; leave it out instead').optional(),
    min: finiteNumber.optional(),
    max: finiteNumber.optional(),
    decimals: z
      .number({ message: 'must be a whole number from 0 to 6' })
      .int({ message: 'must be a whole number from 0 to 6' })
      .min(0, { message: 'must be a whole number from 0 to 6' })
      .max(6, { message: 'must be a whole number from 0 to 6' })
      .optional(),
    meter: singleLineText(60, 'cannot be empty; leave it out for a reading kept on the record only').optional(),
  })
  .strict()
  .superRefine((task, context) => {
    if (task.kind === 'check') {
      for (const field of ['unit', 'min', 'max', 'decimals'] as const) {
        if (task[field] !== undefined) context.addIssue({ code: 'custom', path: [field], message: 'only reading tasks have a unit, limits and decimals' });
      }
      if (task.meter !== undefined) context.addIssue({ code: 'custom', path: ['meter'], message: 'only a reading task reads a meter' });
    }
    // The meter is added to a machine that lacks it at the first reading, in the task's unit.
    if (task.kind === 'reading' && task.meter !== undefined && task.unit === undefined)
      context.addIssue({ code: 'custom', path: ['unit'], message: `is required for a task reading the meter ${task.meter}: give the meter's unit` });
    if (task.min !== undefined && task.max !== undefined && task.min > task.max) {
      context.addIssue({ code: 'custom', path: ['min'], message: `must not be greater than max (${task.max})` });
    }
  });
export type TaskInput = z.infer<typeof taskInputSchema>;

const frequencyTasksInputSchema = z
  .object({
    tasks: z.array(taskInputSchema).max(100, { message: 'may hold at most 100 tasks' }),
    /** A second person signs "Verified by" after completion; only then does the record count as done. */
    needsVerification: z.boolean({ message: 'must be true or false' }).optional(),
  })
  .strict();

export const frequencyPlanSchema = z.object({
  tasks: z.array(taskSchema),
  /** When this frequency last became required: backfill never reaches before it. */
  requiredSince: z.string(),
  needsVerification: z.boolean().optional(),
});

const frequenciesInputSchema = z
  .object(
    Object.fromEntries(frequencies.map((frequency) => [frequency, frequencyTasksInputSchema.optional()])) as Record<
      Frequency,
      z.ZodOptional<typeof frequencyTasksInputSchema>
    >,
  )
  .strict();

const manufacturerSchema = singleLineText(100);

const positiveNumber = (what: string) =>
  z
    .number({ message: `must be a number of ${what}` })
    .refine(Number.isFinite, { message: 'must be a finite number' })
    .refine((value) => value > 0, { message: `must be more than 0 ${what}` });

/**
 * Maintenance by use (SPEC §15): the tasks fall due each time the named meter of a machine passes
 * another `every` units, and are to be done within `dueWithin` units more or days after.
 */
export const usageScheduleInputSchema = z
  .object({
    meter: singleLineText(60),
    every: positiveNumber('units'),
    dueWithin: z
      .object({
        units: positiveNumber('units').optional(),
        days: z
          .number({ message: 'must be a whole number of days from 1 to 366' })
          .int({ message: 'must be a whole number of days from 1 to 366' })
          .min(1, { message: 'must be a whole number of days from 1 to 366' })
          .max(366, { message: 'must be a whole number of days from 1 to 366' })
          .optional(),
      })
      .strict()
      .refine((window) => (window.units === undefined) !== (window.days === undefined), { message: 'must give either units or days' }),
    /**
     * "Or every N months, whichever comes first": a whole number of months like a calibration interval,
     * since the issue's six months is none of Monthly, Quarterly or Annual.
     */
    orEveryMonths: z
      .number({ message: 'must be a whole number of months from 1 to 120' })
      .int({ message: 'must be a whole number of months from 1 to 120' })
      .min(1, { message: 'must be a whole number of months from 1 to 120' })
      .max(120, { message: 'must be a whole number of months from 1 to 120' })
      .optional(),
    tasks: z.array(taskInputSchema).min(1, { message: 'must hold at least one task' }).max(100, { message: 'may hold at most 100 tasks' }),
    needsVerification: z.boolean({ message: 'must be true or false' }).optional(),
  })
  .strict();
export type UsageScheduleInput = z.infer<typeof usageScheduleInputSchema>;

/** A usage schedule as stored: numbered U1, U2, ... by position, its tasks T1, T2, ... */
export const usageScheduleSchema = z.object({
  scheduleId: z.string(),
  meter: z.string(),
  every: z.number(),
  dueWithin: z.object({ units: z.number().optional(), days: z.number().optional() }),
  /** Whichever comes first: a record also opens this many months after the last one. */
  orEveryMonths: z.number().int().optional(),
  tasks: z.array(taskSchema),
  needsVerification: z.boolean().optional(),
});
export type UsageSchedule = z.infer<typeof usageScheduleSchema>;

const modelBody = {
  manufacturer: manufacturerSchema,
  equipmentClass: equipmentClassNameSchema,
  active: z.boolean().default(true),
  frequencies: frequenciesInputSchema,
  /** The calibration plan a machine of this model starts with when it is registered (SPEC §9). */
  calibrationPlan: defaultPlanSchema.optional(),
  /** What a Manager checks before a machine of this model returns to service after a nonconformity (SPEC §10), where calibration is not required. */
  returnToServiceChecks: z.array(taskInputSchema).max(50, { message: 'may hold at most 50 checks' }).optional(),
  usageSchedules: z.array(usageScheduleInputSchema).max(10, { message: 'may hold at most 10 schedules' }).optional(),
};

export const createModelSchema = z.object({ modelId: modelIdSchema, ...modelBody }).strict();
export type CreateModel = z.infer<typeof createModelSchema>;

export const updateModelSchema = z
  .object({ modelId: modelIdSchema.optional(), version: z.number().int({ message: 'must be a whole number' }).min(1), ...modelBody })
  .strict();
export type UpdateModel = z.infer<typeof updateModelSchema>;

export const modelSchema = z.object({
  modelId: z.string(),
  manufacturer: z.string(),
  equipmentClass: z.string(),
  active: z.boolean(),
  version: z.number().int(),
  /** Only the frequencies that require PM, each with its ordered tasks. */
  frequencies: z.partialRecord(frequencySchema, frequencyPlanSchema),
  calibrationPlan: defaultPlanSchema.optional(),
  /** Numbered R1, R2, … in order: each return to service keeps the checks it answered. */
  returnToServiceChecks: z.array(taskSchema).optional(),
  usageSchedules: z.array(usageScheduleSchema).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Model = z.infer<typeof modelSchema>;

export const modelParamsSchema = z.object({ modelId: modelIdSchema });

export const listModelsQuerySchema = z
  .object({
    includeInactive: z.enum(['true', 'false'], { message: 'must be true or false' }).optional(),
    equipmentClass: equipmentClassNameSchema.optional(),
    continuationToken: continuationTokenSchema,
  })
  .strict();

export const listClassesQuerySchema = z.object({ continuationToken: continuationTokenSchema }).strict();
