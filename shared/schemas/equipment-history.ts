import { z } from 'zod';
import { calibrationSchema, planVersionSchema } from './calibration.js';
import { equipmentEventSchema, equipmentSchema } from './equipment.js';
import { recordSchema } from './records.js';
import { evidenceProblemSchema } from './audit-verification.js';
import { nonconformitySchema, returnToServiceSchema } from './nonconformities.js';

/**
 * ISO/IEC 17025 §6.4.13: the machine, its life (registration, status, model, transfers), every PM
 * record and every calibration in every lab it was in, and every version of its calibration plan.
 */
export const equipmentHistorySchema = z.object({
  equipment: equipmentSchema,
  events: z.array(equipmentEventSchema),
  records: z.array(recordSchema),
  calibrationPlans: z.array(planVersionSchema),
  calibrations: z.array(calibrationSchema),
  /** SPEC §10: the nonconformities raised on it in this lab, with their repairs and dispositions, and each signed return to service. */
  nonconformities: z.array(nonconformitySchema),
  returnsToService: z.array(returnToServiceSchema),
  /** Its certificate versions and nonconformity attachments that storage no longer holds as recorded, as the audit verification names them. */
  evidenceProblems: z.array(evidenceProblemSchema),
});
export type EquipmentHistory = z.infer<typeof equipmentHistorySchema>;
