import { z } from 'zod';
import { modelIdSchema } from './catalog.js';
import { continuationTokenSchema, labIdSchema } from './common.js';
import { equipmentStatuses } from './vocabulary.js';

export { equipmentStatuses } from './vocabulary.js';

export const equipmentStatusSchema = z.enum(equipmentStatuses, {
  message: 'must be In Service, Out of Service, Repair onsite, Repair offsite, Retired onsite or Retired offsite',
});
export type EquipmentStatus = z.infer<typeof equipmentStatusSchema>;

/** Appears in paths, and is unique across the company. */
export const serialNumberSchema = z
  .string()
  .trim()
  .min(1, { message: 'is required' })
  .max(64, { message: 'must be at most 64 characters' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'may hold letters, digits, dot, underscore and hyphen, starting with a letter or digit' });

const actorSchema = z.object({ username: z.string(), displayName: z.string() });

/** One line of an equipment's life (ISO/IEC 17025 §6.4.13): registered, status changes, model changes, transfers. */
export const equipmentEventSchema = z.object({
  at: z.string(),
  by: actorSchema.nullable(),
  kind: z.enum(['registered', 'status', 'model', 'transfer']),
  labId: labIdSchema,
  fromStatus: equipmentStatusSchema.optional(),
  toStatus: equipmentStatusSchema.optional(),
  fromModelId: z.string().optional(),
  toModelId: z.string().optional(),
  fromLabId: labIdSchema.optional(),
  toLabId: labIdSchema.optional(),
  /** Why the status changed, when the product changed it: a nonconformity, a return to service. */
  reason: z.string().optional(),
});
export type EquipmentEvent = z.infer<typeof equipmentEventSchema>;

/** Fit for use (SPEC §9): computed from status, calibration and nonconformities on the lab's today. */
export const fitnessSchema = z.object({
  state: z.enum(['fit', 'due soon', 'not fit']),
  reasons: z.array(z.string()),
  calibrationDue: z.string().nullable(),
});
export type FitnessView = z.infer<typeof fitnessSchema>;

export const equipmentSchema = z.object({
  serialNumber: z.string(),
  modelId: z.string(),
  labId: labIdSchema,
  status: equipmentStatusSchema,
  createdAt: z.string(),
  /** When it last entered service in this lab (registered, transferred in, or back to In Service). */
  inServiceSince: z.string().nullable(),
  statusChangedAt: z.string(),
  /** A transfer that has started and not yet finished; repeat it to finish. */
  transferInProgress: z.object({ toLabId: labIdSchema, startedAt: z.string() }).nullable(),
  /** The nonconformities that hold it out of service, open or closed, until a signed return to service names them. */
  quarantinedBy: z.array(z.string()),
  fitness: fitnessSchema,
});
export type Equipment = z.infer<typeof equipmentSchema>;

export const equipmentHistoryQuerySchema = z
  .object({
    format: z.enum(['json', 'csv'], { message: 'must be json or csv' }).optional(),
    section: z
      .enum(['records', 'responses', 'events', 'calibrations', 'nonconformities'], {
        message: 'must be records, responses, events, calibrations or nonconformities',
      })
      .optional(),
  })
  .strict();

export const createEquipmentSchema = z
  .object({ serialNumber: serialNumberSchema, modelId: modelIdSchema, status: equipmentStatusSchema.default('In Service') })
  .strict();
export type CreateEquipment = z.infer<typeof createEquipmentSchema>;

export const updateEquipmentSchema = z
  .object({ modelId: modelIdSchema, status: equipmentStatusSchema })
  .partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, { message: 'send modelId, status or both' });
export type UpdateEquipment = z.infer<typeof updateEquipmentSchema>;

export const transferEquipmentSchema = z.object({ toLabId: labIdSchema }).strict();

export const equipmentListParamsSchema = z.object({ labId: labIdSchema });
export const equipmentParamsSchema = z.object({ labId: labIdSchema, serialNumber: serialNumberSchema });

export const listEquipmentQuerySchema = z
  .object({
    status: equipmentStatusSchema.optional(),
    modelId: modelIdSchema.optional(),
    includeRetired: z.enum(['true', 'false'], { message: 'must be true or false' }).optional(),
    continuationToken: continuationTokenSchema,
  })
  .strict();
export type ListEquipmentQuery = z.infer<typeof listEquipmentQuerySchema>;
