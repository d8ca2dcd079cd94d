/** Azure Functions route templates ("labs/{labId}/records/{*rest}") matched against request paths. */

export interface CompiledRoute {
  template: string;
  pattern: RegExp;
  paramNames: string[];
  /** Higher wins: literal segments beat parameters, which beat catch-alls, as in the Functions host. */
  precedence: number;
}

const segmentPattern = /^\{(\*?)([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?(\?)?\}$/;

export function compileRoute(template: string): CompiledRoute {
  const paramNames: string[] = [];
  let precedence = 0;
  const parts = template
    .split('/')
    .filter(Boolean)
    .map((segment) => {
      const match = segmentPattern.exec(segment);
      if (!match) {
        precedence += 3;
        return `/${escapeRegExp(segment)}`;
      }
      const [, catchAll, name, optional] = match;
      paramNames.push(name!);
      if (catchAll) return `(?:/(.*))?`;
      precedence += 2;
      return optional ? `(?:/([^/]+))?` : `/([^/]+)`;
    });
  return { template, pattern: new RegExp(`^${parts.join('')}/?$`), paramNames, precedence };
}

export function matchRoute(route: CompiledRoute, path: string): Record<string, string> | undefined {
  const match = route.pattern.exec(path);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  route.paramNames.forEach((name, index) => {
    const raw = match[index + 1];
    if (raw !== undefined) params[name] = safeDecode(raw);
  });
  return params;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
