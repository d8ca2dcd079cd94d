import { z } from 'zod';
import { companyRoles, labRoles, roles } from './vocabulary.js';

export { companyRoles, labRoles, roles } from './vocabulary.js';

const articles: Record<string, string> = { object: 'a JSON object', array: 'a list', string: 'text', number: 'a number', boolean: 'true or false', int: 'a whole number' };

/**
 * Messages a person can act on for the mistakes every schema shares: a missing field says so, and a
 * value of the wrong kind says which kind is wanted. Schemas give their own messages for the rest.
 */
z.config({
  customError: (issue) => {
    if (issue.code !== 'invalid_type') return undefined;
    if (issue.input === undefined) return 'is required';
    return `must be ${articles[issue.expected] ?? issue.expected}`;
  },
});

export const labIdSchema = z
  .string()
  .regex(/^[A-Z0-9-]{2,10}$/, { message: 'must be 2 to 10 capital letters, digits or hyphens, e.g. LAB01' });

export const usernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._@-]{1,99}$/, {
    message: 'must be 2 to 100 characters: letters, digits, dot, underscore, hyphen or @, starting with a letter or digit',
  });


export const companyRoleSchema = z.enum(companyRoles);
export const labRoleSchema = z.enum(labRoles, { message: 'must be Manager, Local Audit or Technician' });
export const roleSchema = z.enum(roles, {
  message: 'must be Administrator, Global Audit, Manager, Local Audit or Technician',
});

export type CompanyRole = z.infer<typeof companyRoleSchema>;
export type LabRole = z.infer<typeof labRoleSchema>;
export type Role = z.infer<typeof roleSchema>;

export const isoDateTimeSchema = z.iso.datetime({ offset: true });

export const continuationTokenSchema = z.string().max(4096).optional();

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), continuationToken: z.string().nullable() });
}

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  requestId: z.string(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});
