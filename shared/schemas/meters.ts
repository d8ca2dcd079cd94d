import { z } from 'zod';
import { labIdSchema, singleLineText } from './common.js';
import { serialNumberSchema } from './equipment.js';

/** Why a reading is lower than the one before: the meter was replaced, or reset to zero. */
export const readingReasons = ['replaced', 'reset'] as const;
export type ReadingReason = (typeof readingReasons)[number];

/** Where a reading came from (SPEC §15). */
export const readingSources = ['typed', 'task', 'api'] as const;
export type ReadingSource = (typeof readingSources)[number];

export const meterIdSchema = z.string().regex(/^M[1-9][0-9]{0,3}$/, { message: 'must be a meter id such as M1' });

export const createMeterSchema = z.object({ name: singleLineText(60), unit: singleLineText(20) }).strict();
export type CreateMeter = z.infer<typeof createMeterSchema>;

const readingValue = z
  .number({ message: 'must be a number' })
  .refine(Number.isFinite, { message: 'must be a finite number' })
  .refine((value) => value >= 0, { message: 'cannot be negative' });

const readingBody = {
  value: readingValue,
  /** Required when the value is lower than the meter's last reading. */
  reason: z.enum(readingReasons, { message: 'must be replaced or reset' }).optional(),
};

export const postReadingSchema = z.object(readingBody).strict();
export type PostReading = z.infer<typeof postReadingSchema>;

/** A reading an integration posts, naming the meter as the machine's page shows it. */
export const postApiReadingSchema = z.object({ meter: singleLineText(60), ...readingBody }).strict();
export type PostApiReading = z.infer<typeof postApiReadingSchema>;

/** What opens a usage record: the meter passing the schedule's units, or its months since the last service running out first. */
export const usageCauses = ['units', 'calendar'] as const;
export type UsageCause = (typeof usageCauses)[number];

/** One record a usage schedule opened, as kept on the meter until the lab run has seen the record stored. */
export const usageOpeningSchema = z.object({
  /** The record's id: the machine, the meter, the schedule and the occurrence. */
  id: z.string(),
  occurrence: z.number().int(),
  cause: z.enum(usageCauses),
  /** The meter total it opened at. */
  total: z.number(),
  /** The lab-local day it opened, YYYY-MM-DD: a window in days counts from it. */
  day: z.string(),
  at: z.string(),
  dueAtTotal: z.number().nullable(),
});
export type UsageOpening = z.infer<typeof usageOpeningSchema>;

/**
 * Where one usage schedule of the machine's model stands on this meter. The count restarts at each
 * opening: the next record is due `every` units after `sinceTotal`, or (whichever comes first) the
 * schedule's months after `sinceDay`.
 */
export const usageStateSchema = z.object({
  scheduleId: z.string(),
  /** How many records the schedule opened on this meter: the next is the one after. */
  opened: z.number().int(),
  sinceTotal: z.number(),
  sinceDay: z.string(),
  /** Openings whose records the lab run has not yet found stored: it opens any that a failure lost. */
  unconfirmed: z.array(usageOpeningSchema),
  /** Records due within units whose window the meter has not passed yet: the reading that passes it marks them Missed. */
  watching: z.array(z.object({ id: z.string(), dueAtTotal: z.number() })),
});
export type UsageState = z.infer<typeof usageStateSchema>;

export const meterSchema = z.object({
  meterId: z.string(),
  name: z.string(),
  unit: z.string(),
  /** The last reading, as the meter shows it; null before the first. */
  value: z.number().nullable(),
  /** Units counted since the meter was added, across replacements and resets: what usage schedules count. */
  total: z.number(),
  readings: z.number().int(),
  lastReadAt: z.string().nullable(),
  addedAt: z.string(),
});
export type Meter = z.infer<typeof meterSchema>;

/** A meter as kept on its machine: with where each usage schedule of the model stands on it, once a reading or lab run counted it. */
export type StoredMeter = Meter & { usage?: UsageState[] };

export const readingSchema = z.object({
  serialNumber: z.string(),
  meterId: z.string(),
  sequence: z.number().int(),
  value: z.number(),
  /** The meter's total after this reading. */
  total: z.number(),
  reason: z.enum(readingReasons).nullable(),
  source: z.enum(readingSources),
  readAt: z.string(),
  by: z.string(),
  /** The record whose reading task gave it, when it came from one. */
  recordNumber: z.string().nullable(),
});
export type Reading = z.infer<typeof readingSchema>;

export const readingResultSchema = z.object({
  meter: meterSchema,
  reading: readingSchema,
  /** Usage records this reading opened, by number: one per threshold it passed. */
  recordsOpened: z.array(z.string()),
});
export type ReadingResult = z.infer<typeof readingResultSchema>;

export const metersParamsSchema = z.object({ labId: labIdSchema, serialNumber: serialNumberSchema });
export const meterParamsSchema = metersParamsSchema.extend({ meterId: meterIdSchema });
export const machineParamsSchema = z.object({ serialNumber: serialNumberSchema });
