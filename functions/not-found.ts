import { http } from '../shared/platform/registry.js';
import { unknownRouteProblem } from '../shared/platform/unknown-route.js';

/**
 * Catches every /api path no other function serves, so unknown routes and methods answer as JSON
 * problems (404, or 405 with Allow) in Azure as locally. Catch-all routes lose to every other route.
 */
http({
  name: 'notFound',
  methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'],
  route: '{*path}',
  access: 'public',
  csrfExempt: true,
  summary: 'Answers unknown routes and methods',
  tags: ['meta'],
  handler: async (input) => {
    throw unknownRouteProblem(input.request.method, new URL(input.request.url).pathname);
  },
});
