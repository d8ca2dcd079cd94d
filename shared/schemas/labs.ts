import { z } from 'zod';
import { labIdSchema, roleSchema, singleLineText } from './common.js';

const timeZoneSchema = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be an IANA time zone such as Europe/Berlin or UTC' },
);

export const labSchema = z.object({
  labId: labIdSchema,
  name: z.string(),
  timeZone: z.string(),
  active: z.boolean(),
});

export const visibleLabSchema = labSchema.extend({ role: roleSchema });

export const createLabSchema = z
  .object({
    labId: labIdSchema,
    name: singleLineText(100),
    timeZone: timeZoneSchema.default('UTC'),
    active: z.boolean().default(true),
  })
  .strict();

export const updateLabSchema = z
  .object({
    name: singleLineText(100, 'cannot be empty'),
    timeZone: timeZoneSchema,
    active: z.boolean(),
  })
  .partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, { message: 'send at least one of name, timeZone, active' });

export const labParamsSchema = z.object({ labId: labIdSchema });

export type Lab = z.infer<typeof labSchema>;
export type VisibleLab = z.infer<typeof visibleLabSchema>;
export type CreateLab = z.infer<typeof createLabSchema>;
export type UpdateLab = z.infer<typeof updateLabSchema>;
