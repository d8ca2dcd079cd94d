import { z } from 'zod';
import { openApiDocument } from '../shared/platform/openapi.js';
import { http } from '../shared/platform/registry.js';

http({
  name: 'openapi',
  methods: ['GET'],
  route: 'openapi.json',
  access: 'public',
  summary: 'This API described as OpenAPI 3.1, generated from the declared functions',
  tags: ['meta'],
  response: z.record(z.string(), z.unknown()),
  handler: async (facts) => ({ body: openApiDocument(facts.origin) }),
});
