import { z } from 'zod';
import { continuationTokenSchema, labIdSchema, multiLineText, singleLineText } from './common.js';
import { serialNumberSchema } from './equipment.js';

/** `LAB01-REQ-000001`: per lab, gapless, like every numbered document of a lab. */
export const reportNumberSchema = z.string().regex(/^[A-Z0-9-]{2,10}-REQ-\d{6,}$/, { message: 'must be a request number such as LAB01-REQ-000001' });

import { problemPhotoMaxBytes } from './vocabulary.js';

export { problemPhotoMaxBytes } from './vocabulary.js';
export const problemPhotoContentTypes = ['image/jpeg', 'image/png'] as const;

/** The report key from the label's QR code: unguessable, so the address alone opens nothing. */
export const reportKeyQuerySchema = z.object({ k: z.string().max(100).optional() }).strict();
export const problemReportMachineParamsSchema = z.object({ serialNumber: serialNumberSchema });

/** What someone without an account sees of the machine: its serial number and model, nothing else. */
export const machineForReportSchema = z.object({ serialNumber: z.string(), manufacturer: z.string(), modelId: z.string() });
export type MachineForReport = z.infer<typeof machineForReportSchema>;

export const problemReportInputSchema = z
  .object({
    description: multiLineText(2000, 'is required: say what is wrong with the machine'),
    reporterName: singleLineText(100).optional(),
    reporterContact: singleLineText(200).optional(),
    photo: z
      .object({
        contentType: z.enum(problemPhotoContentTypes, { message: 'must be a JPEG or PNG photo' }),
        /** The photo's bytes in base64. */
        data: z
          .string()
          .max(Math.ceil(problemPhotoMaxBytes / 3) * 4, { message: `must be a photo of at most ${problemPhotoMaxBytes / 1024} KB` })
          .regex(/^[A-Za-z0-9+/]+={0,2}$/, { message: 'must be the photo in base64' }),
      })
      .strict()
      .optional(),
  })
  .strict();
export type ProblemReportInput = z.infer<typeof problemReportInputSchema>;

/** The answer to the person at the machine: a number to quote, nothing of the lab's work. */
export const problemReportReceiptSchema = z.object({ reportNumber: z.string(), receivedAt: z.string() });

const actorSchema = z.object({ username: z.string(), displayName: z.string() });

export const problemReportSchema = z.object({
  reportNumber: z.string(),
  labId: labIdSchema,
  serialNumber: z.string(),
  modelId: z.string(),
  /** The reporter's words exactly as received: shown as text, never as markup. */
  description: z.string(),
  reporterName: z.string().nullable(),
  reporterContact: z.string().nullable(),
  photo: z.object({ contentType: z.string(), size: z.number().int(), sha256: z.string() }).nullable(),
  receivedAt: z.string(),
  status: z.enum(['New', 'Nonconformity', 'Closed']),
  /** The nonconformity it was turned into. */
  ncNumber: z.string().nullable(),
  closedReason: z.string().nullable(),
  triagedBy: actorSchema.nullable(),
  triagedAt: z.string().nullable(),
});
export type ProblemReport = z.infer<typeof problemReportSchema>;

export const requestListParamsSchema = z.object({ labId: labIdSchema });
export const requestParamsSchema = z.object({ labId: labIdSchema, reportNumber: reportNumberSchema });
export const requestListQuerySchema = z
  .object({
    status: z.enum(['New', 'Nonconformity', 'Closed'], { message: 'must be New, Nonconformity or Closed' }).optional(),
    continuationToken: continuationTokenSchema,
  })
  .strict();

export const closeRequestSchema = z.object({ reason: multiLineText(2000, 'is required: say why no nonconformity is needed') }).strict();

/** The machine's new report key, as its new label carries it. */
export const reportKeyAnswerSchema = z.object({ serialNumber: z.string(), reportUrl: z.string() });
