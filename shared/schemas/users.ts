import { z } from 'zod';
import { companyRoleSchema, labIdSchema, labRoleSchema, roleSchema, singleLineText, usernameSchema } from './common.js';
import { userStatuses } from './vocabulary.js';

export { userStatuses } from './vocabulary.js';

export const userStatusSchema = z.enum(userStatuses, { message: 'must be Active, Locked or Disabled' });
export type UserStatus = z.infer<typeof userStatusSchema>;

export const authMethodSchema = z.enum(['local', 'microsoft']);
export type AuthMethod = z.infer<typeof authMethodSchema>;

export const labAccessSchema = z.object({ labId: labIdSchema, role: labRoleSchema });
export type LabAccess = z.infer<typeof labAccessSchema>;

const nameSchema = singleLineText(100);
/** Length only here: the full password rules depend on settings and the username, see domain/password-rules. */
const passwordSchema = z.string().min(1, { message: 'is required' }).max(128, { message: 'must be at most 128 characters' });

/** A user as the API shows it: never a password hash. */
export const userSchema = z.object({
  username: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  displayName: z.string(),
  primaryLabId: labIdSchema,
  companyRole: companyRoleSchema.nullable(),
  labAccess: z.array(labAccessSchema),
  status: userStatusSchema,
  authMethod: authMethodSchema,
  requirePasswordChange: z.boolean(),
  passwordChangedAt: z.string().nullable(),
  lastLoginAt: z.string().nullable(),
  createdAt: z.string(),
});
export type User = z.infer<typeof userSchema>;

export const createUserSchema = z
  .object({
    username: usernameSchema,
    firstName: nameSchema,
    lastName: nameSchema,
    primaryLabId: labIdSchema,
    role: roleSchema,
    password: passwordSchema,
    requirePasswordChange: z.boolean().default(true),
  })
  .strict();
export type CreateUser = z.infer<typeof createUserSchema>;

export const updateUserSchema = z
  .object({
    firstName: nameSchema,
    lastName: nameSchema,
    primaryLabId: labIdSchema,
    status: userStatusSchema,
    password: passwordSchema,
    requirePasswordChange: z.boolean(),
  })
  .partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, { message: 'send at least one field to change' });
export type UpdateUser = z.infer<typeof updateUserSchema>;

export const grantLabAccessSchema = z.object({ role: labRoleSchema }).strict();

export const userParamsSchema = z.object({ username: usernameSchema });
export const userLabParamsSchema = z.object({ username: usernameSchema, labId: labIdSchema });

export const listUsersQuerySchema = z
  .object({
    labId: labIdSchema.optional(),
    includeDisabled: z.enum(['true', 'false']).optional(),
    continuationToken: z.string().max(4096).optional(),
  })
  .strict();
