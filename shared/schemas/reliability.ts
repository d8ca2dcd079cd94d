import { z } from 'zod';
import { calendarDateSchema } from './calibration.js';
import { modelIdSchema } from './catalog.js';
import { labIdSchema } from './common.js';
import { serialNumberSchema } from './equipment.js';
import { labPagingShape, reportHeadingShape } from './reports.js';

export { downStatuses } from './vocabulary.js';

/** The longest period one reliability report covers: a year, leap day included. */
export const reliabilityMaxDays = 366;

export const reliabilityQuerySchema = z
  .object({
    /** One lab; without it, every lab the caller may report on. */
    labId: labIdSchema.optional(),
    /** Only the machines of this model. */
    modelId: modelIdSchema.optional(),
    /** Only this machine. */
    serialNumber: serialNumberSchema.optional(),
    /** Lab-local dates, both included (default: the 365 days to the lab's today); at most 366 days. */
    from: calendarDateSchema.optional(),
    to: calendarDateSchema.optional(),
    format: z.enum(['json', 'csv'], { message: 'must be json or csv' }).optional(),
    /** For CSV, which table: a row per machine, per model of a lab, or per lab. */
    section: z.enum(['machines', 'models', 'labs'], { message: 'must be machines, models or labs' }).optional(),
    ...labPagingShape,
  })
  .strict();
export type ReliabilityQuery = z.infer<typeof reliabilityQuerySchema>;

const hours = z.number();

/** The figures of a machine, or of the machines of a model or a lab added together, over the period. */
export const reliabilityFiguresSchema = z.object({
  /** Machines counted (1 on a machine's row). */
  machines: z.number().int(),
  /** Hours in the lab and not retired, within the period (up to now): the time the figures are about. */
  inLabHours: hours,
  /** Hours In Service within that time: the operating time MTBF divides. */
  inServiceHours: hours,
  /** Hours in each status out of service (quarantined machines are Out of Service until repaired or returned). */
  outOfServiceHours: z.object({ 'Out of Service': hours, 'Repair onsite': hours, 'Repair offsite': hours }),
  /** All hours out of service, the three above together. */
  downHours: hours,
  /** Nonconformities from PM faults and from reported problems (the request inbox or by hand) opened in the period. */
  failures: z.number().int(),
  /** Mean time between failures: In Service hours ÷ failures; null when nothing failed (no figure, not infinity). */
  mtbfHours: hours.nullable(),
  /** Returns to service signed in the period. */
  repairs: z.number().int(),
  /** Mean time to repair: the mean, over those returns, of hours from the quarantine's first nonconformity to the return; null without one. */
  mttrHours: hours.nullable(),
  /** PM checklists due in the period (done, awaiting their second signature, or missed), as the compliance report counts them. */
  pmDue: z.number().int(),
  /** Of those, completed (and verified where the model asks). */
  pmDone: z.number().int(),
  /** pmDone ÷ pmDue, the compliance report's completion rate; null while nothing was due. */
  pmCompliance: z.number().nullable(),
});
export type ReliabilityFigures = z.infer<typeof reliabilityFiguresSchema>;

/** A stretch of one status within the period, for the machine page's chart. */
export const statusStretchSchema = z.object({ status: z.string(), from: z.string(), to: z.string() });

export const reliabilityReportSchema = z.object({
  ...reportHeadingShape,
  labFigures: z.array(reliabilityFiguresSchema.extend({ labId: z.string() })),
  models: z.array(reliabilityFiguresSchema.extend({ labId: z.string(), modelId: z.string() })),
  machines: z.array(
    reliabilityFiguresSchema.extend({
      labId: z.string(),
      serialNumber: z.string(),
      modelId: z.string(),
      /** Its statuses over the period (UTC instants), retired time left out. */
      stretches: z.array(statusStretchSchema),
    }),
  ),
  continuationToken: z.string().nullable(),
});
export type ReliabilityReport = z.infer<typeof reliabilityReportSchema>;
export type ReliabilityMachineRow = ReliabilityReport['machines'][number];
