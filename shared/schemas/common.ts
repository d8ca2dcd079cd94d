import { z } from 'zod';
import { companyRoles, labRoles, roles } from './vocabulary.js';

export { companyRoles, labRoles, roles } from './vocabulary.js';

/** One field's refusal in a problem+json answer, the field named as its form labels it. */
export interface FieldError {
  field: string;
  message: string;
}

const articles: Record<string, string> = {
  object: 'a JSON object',
  array: 'a list',
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
  int: 'a whole number',
};

const counted = (count: number | bigint, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** "must be at most 200 characters", "may hold at most 50 items", "must be at most 1000": a limit said as a person says it. */
function sizeMessage(issue: { code: 'too_big' | 'too_small'; origin: string; inclusive?: boolean }, limit: number | bigint): string {
  const most = issue.code === 'too_big';
  if (issue.origin === 'string') {
    if (!most && limit === 1) return 'must not be empty';
    return `must be ${most ? 'at most' : 'at least'} ${counted(limit, 'character', 'characters')}`;
  }
  if (issue.origin === 'array' || issue.origin === 'set') {
    if (!most && limit === 1) return 'must hold at least one item';
    return `may hold ${most ? 'at most' : 'at least'} ${counted(limit, 'item', 'items')}`;
  }
  if (issue.inclusive === false) return `must be ${most ? 'less' : 'more'} than ${limit}`;
  return `must be ${most ? 'at most' : 'at least'} ${limit}`;
}

const formats: Record<string, string> = {
  email: 'must be an e-mail address',
  datetime: 'must be a date and time such as 2026-01-31T09:00:00Z',
  date: 'must be a date such as 2026-01-31',
  url: 'must be a web address',
};

const said = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/**
 * Messages a person can act on for the mistakes every schema shares: a missing field says so, a value
 * of the wrong kind says which kind is wanted, a value past a limit says the limit. Schemas give their
 * own messages where they know better; nothing a person reads is zod's own wording ("Too big: …").
 */
z.config({
  customError: (issue) => {
    switch (issue.code) {
      case 'invalid_type':
        if (issue.input === undefined) return 'is required';
        return `must be ${articles[issue.expected] ?? issue.expected}`;
      case 'too_big':
        return sizeMessage(issue, issue.maximum);
      case 'too_small':
        return sizeMessage(issue, issue.minimum);
      case 'invalid_format':
        return formats[issue.format] ?? 'is not in the form this field takes';
      case 'invalid_value':
        return `must be ${issue.values
          .map(said)
          .join(', ')
          .replace(/, ([^,]*)$/, ' or $1')}`;
      case 'not_multiple_of':
        return `must be a multiple of ${issue.divisor}`;
      case 'invalid_union':
        return 'is not in any of the forms this field takes';
      case 'invalid_key':
      case 'invalid_element':
        return 'holds a name or value this field does not take';
      case 'custom':
        return 'is not valid';
      default:
        return undefined;
    }
  },
});

/** C0 and C1 control characters, and the Unicode line and paragraph separators. */
const controlCharacter = /[\p{Cc}\u2028\u2029]/u;
/** The same, except the line feed a multi-line field keeps. */
const controlCharacterButLineFeed = /[^\P{Cc}\n]|[\u2028\u2029]/u;

export const singleLineMessage = 'cannot contain line breaks or other control characters';
export const multiLineMessage = 'cannot contain control characters other than line breaks';

/** Missing or empty says `required`; a value of the wrong kind keeps the shared "must be text". */
const requiredText = (required: string) => z.string({ error: (issue) => (issue.input === undefined ? required : undefined) });

/**
 * A name, a title, a unit: one line of text that ends up in subjects, display names and card titles,
 * so no line breaks or other control characters (a "Lab\r\nBcc: …" cannot become a mail header).
 */
export function singleLineText(max: number, required = 'is required') {
  return requiredText(required)
    .trim()
    .min(1, { message: required })
    .max(max, { message: `must be at most ${max} characters` })
    .refine((value) => !controlCharacter.test(value), { message: singleLineMessage });
}

/** A description, a reason, a note: line breaks kept (CRLF and CR become LF), no other control characters. */
export function multiLineText(max: number, required = 'is required') {
  return requiredText(required)
    .trim()
    .overwrite((value) => value.replace(/\r\n?/g, '\n'))
    .min(1, { message: required })
    .max(max, { message: `must be at most ${max} characters` })
    .refine((value) => !controlCharacterButLineFeed.test(value), { message: multiLineMessage });
}

export const labIdSchema = z.string().regex(/^[A-Z0-9-]{2,10}$/, { message: 'must be 2 to 10 capital letters, digits or hyphens, e.g. LAB01' });

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
