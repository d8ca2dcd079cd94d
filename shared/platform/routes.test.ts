import { describe, expect, it } from 'vitest';
import { compileRoute, matchRoute } from './routes.js';

describe('route templates', () => {
  it('extracts and decodes parameters', () => {
    const route = compileRoute('users/{username}/labs/{labId}');
    expect(matchRoute(route, '/users/jane%40contoso.com/labs/LAB01')).toEqual({ username: 'jane@contoso.com', labId: 'LAB01' });
    expect(matchRoute(route, '/users/jane/labs')).toBeUndefined();
    expect(matchRoute(route, '/users/jane/labs/LAB01/extra')).toBeUndefined();
  });

  it('matches catch-alls, and ranks literals above parameters above catch-alls', () => {
    const catchAll = compileRoute('{*path}');
    expect(matchRoute(catchAll, '/anything/at/all')).toEqual({ path: 'anything/at/all' });
    const literal = compileRoute('health/ready');
    const parameter = compileRoute('health/{check}');
    expect(literal.precedence).toBeGreaterThan(parameter.precedence);
    expect(parameter.precedence).toBeGreaterThan(catchAll.precedence);
  });

  it('treats regular-expression characters in literals literally', () => {
    const route = compileRoute('openapi.json');
    expect(matchRoute(route, '/openapi.json')).toEqual({});
    expect(matchRoute(route, '/openapiXjson')).toBeUndefined();
  });
});
