import type { z } from 'zod';

export interface FieldError {
  field: string;
  message: string;
}

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

export const badRequest = (detail: string, errors?: FieldError[]) =>
  new HttpProblem(400, 'Bad request', detail, errors ? { errors } : {});
export const unauthorized = (detail = 'Sign in to continue.') => new HttpProblem(401, 'Not signed in', detail);
export const forbidden = (detail = 'You do not have permission to do this.') => new HttpProblem(403, 'Forbidden', detail);
export const notFound = (detail = 'Not found.') => new HttpProblem(404, 'Not found', detail);
export const conflict = (detail: string) => new HttpProblem(409, 'Conflict', detail);
export const preconditionFailed = (detail: string) => new HttpProblem(412, 'Precondition failed', detail);
export const unsupportedMediaType = () =>
  new HttpProblem(415, 'Unsupported media type', 'Send the request body as JSON with Content-Type: application/json.');
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
      return issue.keys.map((key) => ({ field: [...issue.path, key].join('.'), message: 'is not a name this request takes; check its spelling' }));
    }
    return [{ field: issue.path.length > 0 ? issue.path.join('.') : '(body)', message: issue.message }];
  });
}

export function validationProblem(what: string, error: z.ZodError): HttpProblem {
  const errors = fieldErrors(error);
  const summary = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  return badRequest(`The ${what} is not valid: ${summary}`, errors);
}
