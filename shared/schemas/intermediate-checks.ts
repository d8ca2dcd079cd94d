import { z } from 'zod';
import { eventDateSchema } from './calibration.js';
import { finiteNumber } from './calibration-plan.js';
import { signatureSchema } from './records.js';

export const intermediateCheckMeanings = ['Performed by', 'Entered by'] as const;

/** An intermediate check as recorded (ISO/IEC 17025 §6.4.10): each point judged within its limits, signed. */
export const intermediateCheckSchema = z.object({
  /** Numbered per machine: IC-0001, IC-0002, ... */
  checkId: z.string(),
  serialNumber: z.string(),
  labId: z.string(),
  performedOn: z.string(),
  planVersion: z.number().int(),
  checkStandard: z.string(),
  points: z.array(
    z.object({
      pointId: z.string(),
      name: z.string(),
      unit: z.string(),
      nominal: z.number(),
      lowerLimit: z.number(),
      upperLimit: z.number(),
      value: z.number(),
      pass: z.boolean(),
    }),
  ),
  result: z.enum(['Pass', 'Fail']),
  /** The nonconformity a failing check opened. */
  ncNumber: z.string().nullable(),
  signature: signatureSchema,
});
export type IntermediateCheck = z.infer<typeof intermediateCheckSchema>;

export const intermediateCheckInputSchema = z
  .object({
    performedOn: eventDateSchema,
    readings: z
      .array(z.object({ pointId: z.string().min(1, { message: 'is required' }).max(20), value: finiteNumber }).strict())
      .min(1, { message: 'must give a reading for each point of the check' })
      .max(20),
    signature: z
      .object({
        password: z.string().min(1, { message: 'is required' }).max(128).optional(),
        meaning: z.enum(intermediateCheckMeanings, { message: 'must be Performed by or Entered by' }).default('Performed by'),
      })
      .strict(),
  })
  .strict();
export type IntermediateCheckInput = z.infer<typeof intermediateCheckInputSchema>;

/** A machine's intermediate checks, with when the next is due. */
export const intermediateChecksSchema = z.object({
  serialNumber: z.string(),
  labId: z.string(),
  /** The plan's check, or null when the plan defines none. */
  plan: z.object({ intervalDays: z.number().int(), checkStandard: z.string() }).nullable(),
  /** Null when the plan defines no check. */
  nextDue: z.string().nullable(),
  /** Newest first. */
  items: z.array(intermediateCheckSchema),
});
export type IntermediateChecks = z.infer<typeof intermediateChecksSchema>;
