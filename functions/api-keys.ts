import { z } from 'zod';
import { assertMayAdministerApiKeys, createKey, listKeys, revokeKey } from '../shared/integrations/api-keys.js';
import { principalOf } from '../shared/platform/http-pipeline.js';
import { http } from '../shared/platform/registry.js';
import { apiKeyParamsSchema, apiKeySchema, createApiKeySchema, createdApiKeySchema, revokeApiKeySchema } from '../shared/schemas/api-keys.js';
import { continuationTokenSchema, listOf } from '../shared/schemas/common.js';

http({
  name: 'apiKeysList',
  methods: ['GET'],
  route: 'api-keys',
  access: 'signed-in',
  summary: 'API keys of integrations (Power BI, a LIMS), with their uses per day over the last 30 days (administrators)',
  tags: ['integrations'],
  query: z
    .object({
      pageSize: z.coerce.number({ message: 'must be a number' }).int().min(1).max(500, { message: 'must be at most 500' }).default(100),
      continuationToken: continuationTokenSchema,
    })
    .strict(),
  response: listOf(apiKeySchema),
  authorize: (input) => assertMayAdministerApiKeys(principalOf(input)),
  handler: async ({ query }) => ({ body: await listKeys(query.pageSize, query.continuationToken) }),
});

http({
  name: 'apiKeysCreate',
  methods: ['POST'],
  route: 'api-keys',
  access: 'signed-in',
  summary: 'Create an API key for some labs and scopes (feed:read, fitness:read) until a day; the answer holds the key, shown this once (administrators)',
  tags: ['integrations'],
  body: createApiKeySchema,
  response: createdApiKeySchema,
  successStatus: 201,
  authorize: (input) => assertMayAdministerApiKeys(principalOf(input)),
  handler: async ({ body, ...facts }) => ({ status: 201, body: await createKey(principalOf(facts), body, facts) }),
});

http({
  name: 'apiKeysRevoke',
  methods: ['POST'],
  route: 'api-keys/{keyId}/revoke',
  access: 'signed-in',
  summary: 'Revoke an API key with a reason: it stops working at once (administrators)',
  tags: ['integrations'],
  params: apiKeyParamsSchema,
  body: revokeApiKeySchema,
  response: apiKeySchema,
  authorize: (input) => assertMayAdministerApiKeys(principalOf(input)),
  handler: async ({ params, body, ...facts }) => ({ body: await revokeKey(principalOf(facts), params.keyId, body.reason, facts) }),
});
