import { z } from 'zod';
import { multiLineText, singleLineText } from './common.js';

/** One line: a point's name, a unit, a certificate number. */
export const text = (label: string, max = 200) => singleLineText(max, `is required: ${label}`);
/** A reason or an account of what was done, which may run over lines. */
export const longText = (label: string, max = 1000) => multiLineText(max, `is required: ${label}`);

export const finiteNumber = z.number({ message: 'must be a number' }).refine(Number.isFinite, { message: 'must be a finite number' });
export const uncertaintySchema = finiteNumber.refine((value) => value >= 0, { message: 'must be zero or more' });
// A machine's calibration plan (§6.4.6, §6.4.7): versioned, every version kept.

export const decisionRules = ['simple', 'guard-band'] as const;

export const planPointInputSchema = z
  .object({
    pointId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,20}$/, { message: 'may hold 1 to 20 letters, digits, underscores or hyphens' })
      .optional(),
    name: text('name the point, e.g. 100 °C', 100),
    unit: text('the unit, e.g. °C', 20),
    nominal: finiteNumber,
    lowerLimit: finiteNumber,
    upperLimit: finiteNumber,
    maxUncertainty: uncertaintySchema.optional(),
  })
  .strict()
  .refine((point) => point.lowerLimit <= point.upperLimit, { message: 'Lower limit must not be above the upper limit', path: ['lowerLimit'] })
  .refine((point) => point.nominal >= point.lowerLimit && point.nominal <= point.upperLimit, {
    message: 'Nominal must lie within the limits',
    path: ['nominal'],
  });

const days = (max: number) =>
  z
    .number({ message: 'must be a number' })
    .int({ message: 'must be a whole number of days' })
    .min(0, { message: 'must be zero or more' })
    .max(max, { message: `must be at most ${max}` });

const planFields = {
  required: z.boolean({ message: 'must be true or false' }),
  reason: longText('say why calibration is or is not required (ISO/IEC 17025 §6.4.6)'),
  intervalMonths: z
    .number({ message: 'must be a number' })
    .int({ message: 'must be a whole number of months' })
    .min(1, { message: 'must be at least 1' })
    .max(120, { message: 'must be at most 120' })
    .optional(),
  intervalDays: z
    .number({ message: 'must be a number' })
    .int({ message: 'must be a whole number of days' })
    .min(1, { message: 'must be at least 1' })
    .max(3650, { message: 'must be at most 3650' })
    .optional(),
  warningDays: days(365),
  graceDays: days(365),
  decisionRule: z.enum(decisionRules, { message: 'must be simple or guard-band' }),
  referenceStandard: z.boolean({ message: 'must be true or false' }),
  points: z.array(planPointInputSchema).max(50, { message: 'may hold at most 50 points' }),
};

/** The rules every plan keeps, whether a machine's or a model's default. */
function withPlanRules<T extends z.ZodType<{ required: boolean; intervalMonths?: number | undefined; intervalDays?: number | undefined; points: unknown[] }>>(
  schema: T,
) {
  return schema
    .refine((plan) => !(plan.intervalMonths !== undefined && plan.intervalDays !== undefined), {
      message: 'Give the interval in months or in days, not both',
      path: ['intervalDays'],
    })
    .refine((plan) => !plan.required || plan.intervalMonths !== undefined || plan.intervalDays !== undefined, {
      message: 'A plan that requires calibration needs an interval: intervalMonths or intervalDays',
      path: ['intervalMonths'],
    })
    .refine((plan) => !plan.required || plan.points.length > 0, { message: 'A plan that requires calibration needs at least one point', path: ['points'] });
}

/**
 * Intermediate checks (ISO/IEC 17025 §6.4.10): in-house checks against a check standard between
 * calibrations, every `intervalDays`; they keep confidence and never move the calibration due date.
 */
export const intermediateCheckPlanInputSchema = z
  .object({
    intervalDays: z
      .number({ message: 'must be a number' })
      .int({ message: 'must be a whole number of days' })
      .min(1, { message: 'must be at least 1' })
      .max(3650, { message: 'must be at most 3650' }),
    checkStandard: text('name the check standard, e.g. a reference thermometer or a check weight'),
    points: z.array(planPointInputSchema).min(1, { message: 'must hold at least one point' }).max(20, { message: 'may hold at most 20 points' }),
  })
  .strict();

export const planInputSchema = withPlanRules(
  z
    .object({
      ...planFields,
      intermediateCheck: intermediateCheckPlanInputSchema.optional(),
      version: z.number().int().min(1).optional(),
      changeReason: multiLineText(1000, 'cannot be empty; leave it out instead').optional(),
    })
    .strict(),
);
export type PlanInput = z.infer<typeof planInputSchema>;

/** A model's default plan (SPEC §9), which registering a machine of the model copies as its first version. */
export const defaultPlanSchema = withPlanRules(z.object(planFields).strict());
export type DefaultPlan = z.infer<typeof defaultPlanSchema>;
