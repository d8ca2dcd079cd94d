import { z } from 'zod';
import { labIdSchema, singleLineText } from './common.js';
import { apiKeyScopes } from './vocabulary.js';

export { apiKeyScopes };
export type ApiKeyScope = (typeof apiKeyScopes)[number];

/** The header integrations send their key in: Static Web Apps rewrites `Authorization` on its way to the API. */
export const apiKeyHeader = 'x-api-key';

/** The header a Microsoft Entra app sends its access token in, for the same reason. */
export const entraTokenHeader = 'x-entra-token';

const dateSchema = z.iso.date();

export const createApiKeySchema = z
  .object({
    name: singleLineText(100),
    labIds: z.array(labIdSchema).min(1, { message: 'must name at least one lab' }).max(100),
    scopes: z.array(z.enum(apiKeyScopes, { message: 'must be feed:read, fitness:read or meters:write' })).min(1, { message: 'must hold at least one scope' }),
    /** The last day the key works (UTC); at most two years ahead, so a forgotten key ends on its own. */
    expiresOn: dateSchema,
  })
  .strict();

export type CreateApiKey = z.infer<typeof createApiKeySchema>;

export const apiKeyParamsSchema = z.object({
  keyId: z
    .string()
    .regex(/^[a-f0-9]{16}$/)
    .describe('The public id of an API key: the 16 characters after ems_'),
});

export const apiKeySchema = z.object({
  keyId: z.string(),
  name: z.string(),
  labIds: z.array(z.string()),
  scopes: z.array(z.enum(apiKeyScopes)),
  expiresOn: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  revokedAt: z.string().nullable(),
  revokedBy: z.string().nullable(),
  lastUsedOn: z.string().nullable(),
  /** Requests made with the key on each of its last days of use, oldest first. */
  usesByDay: z.array(z.object({ day: z.string(), uses: z.number().int() })),
});

export type ApiKey = z.infer<typeof apiKeySchema>;

/** The new key with its secret, which is shown this once and never stored. */
export const createdApiKeySchema = apiKeySchema.extend({ key: z.string() });

export const revokeApiKeySchema = z.object({ reason: singleLineText(500) }).strict();
