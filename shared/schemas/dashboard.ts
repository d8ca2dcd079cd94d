import { z } from 'zod';
import { listOf } from './common.js';
import { recordSummarySchema } from './records.js';

/** An intermediate check due today or overdue at the lab (ISO/IEC 17025 §6.4.10), as Today lists it. */
export const dueIntermediateCheckSchema = z.object({
  serialNumber: z.string(),
  modelId: z.string(),
  /** The check standard the plan's check is made against: the check's name in the lab. */
  checkStandard: z.string(),
  /** The lab-local day it falls due. */
  due: z.string(),
  /** Its due day is before the lab's today. */
  overdue: z.boolean(),
});
export type DueIntermediateCheck = z.infer<typeof dueIntermediateCheckSchema>;

/**
 * A page of a lab's dashboard: its checklists, and beside them on every page the intermediate checks
 * due today or overdue, so Today reads its whole page in one call.
 */
export const dashboardPageSchema = listOf(recordSummarySchema).extend({
  intermediateChecksDue: z.array(dueIntermediateCheckSchema),
});
export type DashboardPage = z.infer<typeof dashboardPageSchema>;
