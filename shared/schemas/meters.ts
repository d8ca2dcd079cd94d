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
