import { z } from 'zod';
import { labIdSchema } from './common.js';
import { fitnessSchema, serialNumberSchema } from './equipment.js';

/**
 * The label stock a lab buys: small (A4, 5 × 13 at 38.1 × 21.2 mm), large (A4, 3 × 8 at 70 × 37 mm),
 * A4 3 × 7 at 63.5 × 38.1 mm, US Letter 3 × 10 at 2⅝ × 1 in (Avery 5160), and single labels on a
 * label printer's 62 mm continuous roll.
 */
export const labelSizes = ['small', 'large', 'a4-3x7', 'letter-3x10', 'roll-62mm'] as const;

export const labelsQuerySchema = z
  .object({
    serials: z
      .string()
      .max(20_000)
      .transform((text) =>
        text
          .split(',')
          .map((serial) => serial.trim())
          .filter(Boolean),
      )
      .pipe(z.array(serialNumberSchema).max(500, { message: 'may name at most 500 machines; print a lab in pages' }))
      .optional(),
    size: z.enum(labelSizes, { message: `must be one of ${labelSizes.join(', ')}` }).optional(),
  })
  .strict();

/** A machine as a label or the page it opens names it: where it is and whether it may be used. */
const machineFacts = {
  serialNumber: z.string(),
  modelId: z.string(),
  labId: labIdSchema,
  labName: z.string(),
  status: z.string(),
  fitness: fitnessSchema,
};

/** One label (ISO/IEC 17025 §6.4.8): the machine, its calibration status and due date, and a QR code of its stable address. */
export const labelSchema = z.object({
  ...machineFacts,
  /**
   * `<site>/e/{serialNumber}?k=<report key>`: the serial is unique in the company, so the address
   * survives transfers; the key lets whoever scans it report a problem without an account. A machine
   * given no key yet (registered before keys existed) has the address alone.
   */
  url: z.string(),
  /** The QR code of `url` as an SVG document, made here rather than by an outside service. */
  qrSvg: z.string(),
});
export type Label = z.infer<typeof labelSchema>;

export const labelSheetSchema = z.object({
  labId: labIdSchema,
  size: z.enum(labelSizes),
  printedAt: z.string(),
  items: z.array(labelSchema),
});
export type LabelSheet = z.infer<typeof labelSheetSchema>;

export const machineAtHandParamsSchema = z.object({ serialNumber: serialNumberSchema });

/** What a technician standing at the machine needs: is it fit, when is calibration due, what is open, and any fault. */
export const machineAtHandSchema = z.object({
  ...machineFacts,
  openChecklists: z.array(z.object({ recordNumber: z.string(), frequency: z.string(), periodStart: z.string(), dueEnd: z.string(), status: z.string() })),
  openNonconformities: z.array(z.string()),
});
export type MachineAtHand = z.infer<typeof machineAtHandSchema>;
