import { HttpProblem } from './problems.js';
import { registeredHttpFunctions } from './registry.js';
import { matchRoute } from './routes.js';

export const apiPrefix = '/api';

/** 405 with the methods the path does accept, or 404 when no function serves the path at all. */
export function unknownRouteProblem(method: string, pathname: string): HttpProblem {
  const path = pathname.startsWith(apiPrefix) ? pathname.slice(apiPrefix.length) : pathname;
  const allowed = registeredHttpFunctions()
    .filter((fn) => !fn.compiled.template.startsWith('{*') && matchRoute(fn.compiled, path))
    .flatMap((fn) => fn.declaration.methods);
  if (allowed.length > 0) {
    const allow = [...new Set(allowed)].join(', ');
    return new HttpProblem(405, 'Method not allowed', `${method} is not allowed here. Allowed: ${allow}.`, {
      headers: { Allow: allow },
    });
  }
  return new HttpProblem(404, 'Not found', `There is no API at ${pathname}.`);
}
