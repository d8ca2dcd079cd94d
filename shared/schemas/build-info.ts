import { z } from 'zod';

/** What an installation reports about the build it runs, so a validation names exactly what it checked. */
export const buildInfoSchema = z.object({
  /** package.json's version. */
  version: z.string(),
  /** The git commit the bundle was built from; null when the product runs from its sources (tests). */
  commit: z.string().nullable(),
  /** True when the working tree held uncommitted changes at build time: the commit alone does not name it. */
  dirty: z.boolean(),
  /** When the bundle was built (ISO 8601); null when it runs from its sources. */
  builtAt: z.string().nullable(),
});
export type BuildInfo = z.infer<typeof buildInfoSchema>;
