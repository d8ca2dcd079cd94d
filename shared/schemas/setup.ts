import { z } from 'zod';
import { createLabSchema } from './labs.js';
import { labIdSchema, singleLineText, usernameSchema } from './common.js';

export const setupStatusSchema = z.object({ needed: z.literal(true) });

const localAdministratorSchema = z
  .object({
    username: usernameSchema,
    firstName: singleLineText(100),
    lastName: singleLineText(100),
    password: z.string().min(1, { message: 'is required' }).max(1024),
  })
  .strict();

const microsoftAdministratorSchema = z
  .object({
    /** The user principal name (name@company.com) or the object id of the Microsoft account. */
    microsoftUser: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^([^@\s]+@[^@\s]+\.[^@\s]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/, {
        message: 'must be a user principal name such as ada@contoso.com, or an object id',
      }),
  })
  .strict();

export const setupRequestSchema = z
  .object({
    token: singleLineText(200, 'is required: the one-time setup token'),
    lab: createLabSchema.omit({ active: true }),
    administrator: z.union([localAdministratorSchema, microsoftAdministratorSchema], {
      message: 'must be a local account (username, first and last name, password) or a Microsoft account (microsoftUser)',
    }),
  })
  .strict();
export type SetupRequest = z.infer<typeof setupRequestSchema>;

export const setupResultSchema = z.object({
  labId: z.string(),
  administrator: z.object({ username: z.string().nullable(), microsoftUser: z.string().nullable(), authMethod: z.enum(['local', 'microsoft']) }),
});
export type SetupResult = z.infer<typeof setupResultSchema>;

/**
 * Break-glass: the token, and the Administrator to let in. An existing local Administrator is
 * unlocked and gets this password; a name nobody holds becomes a new local Administrator, for which
 * the names and a lab are needed too.
 */
export const breakGlassRequestSchema = z
  .object({
    token: singleLineText(200, 'is required: the break-glass token'),
    username: usernameSchema,
    password: z.string().min(1, { message: 'is required' }).max(1024),
    firstName: singleLineText(100).optional(),
    lastName: singleLineText(100).optional(),
    primaryLabId: labIdSchema.optional(),
  })
  .strict();
export type BreakGlassRequest = z.infer<typeof breakGlassRequestSchema>;

export const breakGlassResultSchema = z.object({ username: z.string(), outcome: z.enum(['unlocked', 'created']) });
export type BreakGlassResult = z.infer<typeof breakGlassResultSchema>;
