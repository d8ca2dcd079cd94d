import type { z } from 'zod';
import type { FieldError } from '../schemas/common.js';

export type { FieldError };

/** An error that becomes an application/problem+json response with its status and message. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly extra: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail ?? title);
  }
}

export const badRequest = (detail: string, errors?: FieldError[]) => new HttpProblem(400, 'Bad request', detail, errors ? { errors } : {});
export const unauthorized = (detail = 'Sign in to continue.') => new HttpProblem(401, 'Not signed in', detail);
export const forbidden = (detail = 'You do not have permission to do this.') => new HttpProblem(403, 'Forbidden', detail);
export const notFound = (detail = 'Not found.') => new HttpProblem(404, 'Not found', detail);
export const conflict = (detail: string) => new HttpProblem(409, 'Conflict', detail);
export const preconditionFailed = (detail: string) => new HttpProblem(412, 'Precondition failed', detail);
export const unsupportedMediaType = (detail = 'Send the request body as JSON with Content-Type: application/json.') =>
  new HttpProblem(415, 'Unsupported media type', detail);
export const payloadTooLarge = (detail: string) => new HttpProblem(413, 'Payload too large', detail);
export const locked = (detail: string) => new HttpProblem(423, 'Locked', detail);
export const tooManyRequests = (retryAfterSeconds: number) =>
  new HttpProblem(429, 'Too many requests', `Too many attempts. Try again in ${retryAfterSeconds} seconds.`, {
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });

/**
 * Field-level messages a person can act on, e.g. `password: must be at least 12 characters`. A name
 * the request does not take (a misspelt field or query parameter) is reported under that name.
 */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: [...issue.path, key].join('.'), message: 'is not a name this request takes (check its spelling)' }));
    }
    return [{ field: issue.path.length > 0 ? issue.path.join('.') : '(body)', message: issue.message }];
  });
}

const wordsOf = (name: string): string =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .replace(/\bid\b/g, 'ID')
    .replace(/\burl\b/g, 'URL');
/** One of a list: "tasks" → "task", "statuses" → "status"; "status" and "address" are one already. */
const singular = (word: string): string => {
  if (word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (/(ss|us|is)$/.test(word)) return word;
  if (/(ss|us|x|ch|sh)es$/.test(word)) return word.slice(0, -2);
  return word.endsWith('s') ? word.slice(0, -1) : word;
};

/**
 * A field's path as a person reads it: `serialNumber` is "Serial number", `frequencies.Daily.tasks.1.text`
 * is "Daily task 2 text" (positions count from 1, as the form numbers them), `signature.password` is
 * "Signature password". The path itself stays in `errors[].field` for the app.
 */
export function fieldLabel(path: string): string {
  if (path === '(body)') return '';
  const parts = path.split('.');
  const label: string[] = [];
  parts.forEach((part, index) => {
    if (/^\d+$/.test(part)) {
      label.push(`${singular(label.pop() ?? 'item')} ${Number(part) + 1}`);
      return;
    }
    // A container named by what it holds ("frequencies") before the name of one ("Daily") says it twice.
    if (/^[A-Z]/.test(parts[index + 1] ?? '')) return;
    label.push(/^[A-Z]/.test(part) ? part : wordsOf(part));
  });
  // A field named after its container ("lab.labId") says the word once: "Lab ID", not "Lab lab ID".
  const text = label.join(' ').replace(/\b(\w+) \1\b/gi, '$1');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * One sentence a person can act on, naming each field by its label with everything wrong with it,
 * e.g. "Some of what was sent needs correcting: Serial number is required." The machine-readable
 * paths stay in `errors`.
 */
export function validationProblem(intro: string, error: z.ZodError): HttpProblem {
  return fieldsProblem(intro, fieldErrors(error));
}

/** The same sentence for field errors the product found itself (readings that do not fit a plan, say). */
export function fieldsProblem(intro: string, errors: FieldError[]): HttpProblem {
  const byField = new Map<string, string[]>();
  for (const { field, message } of errors) {
    const messages = byField.get(field) ?? [];
    if (!messages.includes(message)) messages.push(message);
    byField.set(field, messages);
  }
  // What is wrong with the request as a whole ("send at least one field to change") is said as it is.
  const parts = [...byField].map(([field, messages]) => {
    const label = fieldLabel(field);
    const said = messages.join(' and ');
    return label ? `${label} ${said}` : said.charAt(0).toUpperCase() + said.slice(1);
  });
  const sentence = parts.join('; ');
  return badRequest(`${intro}: ${sentence}${/[.!?]$/.test(sentence) ? '' : '.'}`, errors);
}
