import { z } from 'zod';
import { serialNumberSchema } from './equipment.js';

export const machineFitnessParamsSchema = z.object({ serialNumber: serialNumberSchema });

/** What a LIMS asks before it accepts a result from an instrument (SPEC §14). */
export const machineFitnessSchema = z.object({
  serialNumber: z.string(),
  labId: z.string(),
  state: z.enum(['fit', 'due soon', 'not fit']),
  /** True for fit and due soon: the instrument may be used. */
  fitForUse: z.boolean(),
  reasons: z.array(z.string()),
  /** The calibration due date (lab-local), or null when the machine needs no calibration. */
  calibrationDue: z.string().nullable(),
  /**
   * The lab-local day the latest fact behind the state took effect (a status change, a quarantine, a
   * calibration, a due date passing): the state has held since then at least.
   */
  since: z.string().nullable(),
  /** The lab-local day the state was worked out for. */
  asOfLabDay: z.string(),
});

export type MachineFitness = z.infer<typeof machineFitnessSchema>;
