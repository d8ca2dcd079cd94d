import { z } from 'zod';
import { labIdSchema, roleSchema } from './common.js';
import { authMethodSchema } from './users.js';

export const loginSchema = z
  .object({
    username: z.string().trim().toLowerCase().min(1, { message: 'is required' }).max(100),
    password: z.string().min(1, { message: 'is required' }).max(128, { message: 'must be at most 128 characters' }),
  })
  .strict();

export const changePasswordSchema = z
  .object({
    currentPassword: z.string().min(1, { message: 'is required' }).max(128),
    newPassword: z.string().min(1, { message: 'is required' }).max(1024),
  })
  .strict();

export const sessionUserSchema = z.object({
  username: z.string(),
  displayName: z.string(),
  primaryLabId: labIdSchema,
  mustChangePassword: z.boolean(),
  authMethod: authMethodSchema,
});

/** A lab the user may see, with the role there and the lab's time zone, in which the app shows its times. */
export const sessionLabSchema = z.object({ labId: labIdSchema, name: z.string(), timeZone: z.string(), role: roleSchema });

/** The answer of sign-in and of /api/auth/me. */
export const sessionSchema = z.object({
  user: sessionUserSchema,
  labs: z.array(sessionLabSchema),
  csrfToken: z.string(),
});
export type SessionView = z.infer<typeof sessionSchema>;

export const logoutSchema = z.object({ logoutUrl: z.string().nullable() });

export const passwordRuleSchema = z.object({ id: z.string(), description: z.string() });
export const passwordRulesSchema = z.object({ rules: z.array(passwordRuleSchema) });

export const signInMethodsSchema = z.object({
  local: z.literal(true),
  microsoft: z.boolean(),
  /** The installation has no Administrator yet: the app shows its first-run setup (SPEC §12). */
  setupNeeded: z.boolean(),
});

/** The app's question at every load, answered without an error when nobody is signed in. */
export const currentSessionSchema = z.object({ session: sessionSchema.nullable() });
export type SignInMethods = z.infer<typeof signInMethodsSchema>;

export const microsoftLoginQuerySchema = z
  .object({ purpose: z.enum(['sign-in', 'signature'], { message: 'must be sign-in or signature' }).optional() })
  .strict();

export const microsoftCallbackSchema = z
  .object({
    code: z.string().max(8192).optional(),
    state: z.string().max(512).optional(),
    error: z.string().max(256).optional(),
    error_description: z.string().max(2048).optional(),
    session_state: z.string().max(512).optional(),
    client_info: z.string().max(4096).optional(),
  })
  .passthrough();
