import { z } from 'zod';
import { problemSchema } from '../schemas/common.js';
import { settings } from './config.js';
import type { HttpDeclaration } from './http-pipeline.js';
import { registeredHttpFunctions } from './registry.js';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** What each parameter the API takes means, wherever it appears. */
const parameterDescriptions: Record<string, string> = {
  labId: 'Lab id, e.g. LAB01',
  modelId: 'Model id as the catalogue names it, e.g. Form 3B',
  recordNumber: 'Record number, e.g. LAB01000042',
  serialNumber: 'Serial number of the machine',
  meterId: 'Id of the meter on the machine, e.g. M1',
  serials: 'Serial numbers, comma-separated; leave out for every machine of the lab that is not retired',
  size: 'Label size: small (38 × 21 mm, 65 to an A4 sheet) or large (70 × 37 mm, 24 to a sheet)',
  calibrationNumber: 'Calibration number, e.g. LAB01-CAL-000042',
  certificateId: 'Version of the certificate: 1 for the first upload, 2 for the next',
  ncNumber: 'Nonconformity number, e.g. LAB01-NC-000007',
  reviewNumber: 'Periodic review number, e.g. LAB01-REV-000003',
  kind: 'Which review: audit-trail or user-access',
  reportNumber: 'Request number of a problem reported at the machine, e.g. LAB01-REQ-000003',
  k: 'The report key from the label’s QR code',
  attachmentId: 'Number of the attachment: 1 for the first photo or file, 2 for the next',
  fileName: 'The name the certificate is downloaded under; its extension follows the file’s real type',
  providerId: 'Id of the calibration provider, e.g. acme-metrology',
  within: 'Days ahead to include machines whose calibration falls due (0 to 366, default 30)',
  username: 'Username of the account',
  continuationToken: 'Where the previous page ended: the continuationToken of its answer',
  pageSize: 'Items per page',
  entityId: 'Only entries about this entity',
  entityType: 'Only entries about this kind of entity (user, lab, model, equipment, record, …)',
  equipmentClass: 'Only models of this equipment class',
  format: 'json (the default) or csv',
  section: 'Which table of the export: see the operation',
  frequency: 'Only this frequency (Daily, Weekly, Monthly, Quarterly, Annual)',
  from: 'First day, as YYYY-MM-DD',
  to: 'Last day, as YYYY-MM-DD',
  includeDisabled: 'Also list disabled accounts',
  includeInactive: 'Also list inactive models',
  includeRetired: 'Also list retired machines',
  status: 'Only items in this status',
  purpose: 'sign-in, or signature to sign in again at Microsoft before signing',
  code: 'Authorization code from Microsoft',
  state: 'The state this product sent to Microsoft',
  session_state: 'Microsoft session state',
  client_info: 'Microsoft client information',
  error: 'Error code from Microsoft',
  error_description: 'Error description from Microsoft',
};

function parametersOf(declaration: HttpDeclaration): JsonSchema[] {
  const parameters: JsonSchema[] = [];
  const add = (schema: z.ZodType | undefined, location: 'path' | 'query') => {
    if (!schema) return;
    const described = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, property] of Object.entries(described.properties ?? {})) {
      const description = (property.description as string | undefined) ?? parameterDescriptions[name] ?? name;
      parameters.push({ name, in: location, description, required: location === 'path' || (described.required ?? []).includes(name), schema: property });
    }
  };
  add(declaration.params, 'path');
  add(declaration.query, 'query');
  return parameters;
}

/** Why each error status is answered, as the contract tells a client. */
const statusMeanings: Record<number, string> = {
  400: 'The request is not valid: `detail` says why in a sentence, `errors[]` names each field (its path in `field`).',
  401: 'Not signed in, the session ended, or a password given was not correct.',
  403: 'The caller may not do this (role and lab), must change their password first, or the request came without its Origin or CSRF token.',
  404: 'Nothing of that name, or nothing the caller may see.',
  409: 'In conflict with the current state, e.g. it already exists or was already completed.',
  412: 'If-Match named an older version: read it again and retry.',
  413: 'The request body is larger than 1 MiB.',
  415: 'The request body must be JSON (Content-Type: application/json).',
  423: 'The account is locked after too many wrong passwords.',
  429: 'Too many attempts: wait for the seconds Retry-After gives.',
  503: 'The database is busy or unreachable: retry after the seconds Retry-After gives.',
};

const stateChanging = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The error statuses an operation can answer, from what its declaration says it does. */
export function errorStatusesOf(declaration: HttpDeclaration, method: string): number[] {
  // Every operation refuses query parameters it does not take (400), and answers 503 when the database is busy.
  const statuses = new Set<number>([400, 503]);
  const changes = stateChanging.has(method.toUpperCase());
  if (declaration.access !== 'public') [401, 403].forEach((status) => statuses.add(status));
  if (declaration.params || declaration.authorize) statuses.add(404);
  if (declaration.authorize) statuses.add(403);
  if (changes && !declaration.csrfExempt) statuses.add(403);
  if (changes && declaration.access !== 'public') statuses.add(409);
  if (declaration.body || declaration.rawBody) [400, 413, 415].forEach((status) => statuses.add(status));
  if (declaration.checksPassword) [401, 423, 429].forEach((status) => statuses.add(status));
  if (declaration.usesEtag) statuses.add(412);
  for (const status of declaration.alsoAnswers ?? []) statuses.add(status);
  return [...statuses].sort((a, b) => a - b);
}

function problemResponse(status: number): JsonSchema {
  const retry = status === 429 || status === 503;
  return {
    description: statusMeanings[status] ?? 'A problem',
    ...(retry ? { headers: { 'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } } } } : {}),
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  };
}

/** Who may call, in words, and the security requirements that say the same to a client generator. */
function securityOf(declaration: HttpDeclaration): { words: string; security?: JsonSchema[] } {
  const integration = declaration.integrationCallers;
  if (integration?.entraAppRole) {
    const words = ` Needs an API key allowing ${integration.keyScope} (X-Api-Key) or a Microsoft Entra access token of an app with the role ${integration.entraAppRole} (X-Entra-Token).`;
    return { words, security: [{ apiKey: [] }, { entraAccessToken: [] }] };
  }
  if (integration) return { words: ` Needs an API key allowing ${integration.keyScope} (X-Api-Key).`, security: [{ apiKey: [] }] };
  if (declaration.access === 'public') return { words: ' Open to anyone.', security: [] };
  return { words: ' Needs a session (the session cookie).' };
}

function operationOf(declaration: HttpDeclaration, method: string): JsonSchema {
  const success = String(declaration.successStatus ?? 200);
  const errors = Object.fromEntries(errorStatusesOf(declaration, method).map((status) => [String(status), problemResponse(status)]));
  const { words, security } = securityOf(declaration);
  return {
    operationId: declaration.name,
    summary: declaration.summary,
    description: `${declaration.summary}.${words}`,
    tags: declaration.tags ?? [],
    ...(security ? { security } : {}),
    parameters: parametersOf(declaration),
    ...(declaration.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(declaration.body, 'input') } } } } : {}),
    ...(declaration.rawBody
      ? {
          requestBody: {
            required: true,
            description: `The file itself, at most ${declaration.rawBody.maxBytes} bytes; its type is judged by its content.`,
            content: Object.fromEntries(declaration.rawBody.contentTypes.map((type) => [type, { schema: { type: 'string', contentMediaType: type } }])),
          },
        }
      : {}),
    responses: {
      [success]: declaration.response
        ? { description: 'Success', content: { 'application/json': { schema: jsonSchema(declaration.response, 'output') } } }
        : { description: 'Success' },
      ...errors,
    },
  };
}

/** The published contract, generated from the same declarations that serve the requests. */
export function openApiDocument(origin?: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const { declaration } of registeredHttpFunctions()) {
    if (declaration.route.includes('{*')) continue;
    const path = `/api/${declaration.route}`;
    paths[path] ??= {};
    for (const method of declaration.methods) paths[path][method.toLowerCase()] = operationOf(declaration, method);
  }
  const tags = [...new Set(registeredHttpFunctions().flatMap(({ declaration }) => declaration.tags ?? []))].sort();
  return {
    openapi: '3.1.0',
    info: {
      title: 'EquipManSys API',
      version: '1.0.0',
      description: 'Preventive maintenance and equipment tracking across labs. Every error is application/problem+json with the same Problem schema.',
      license: { name: 'Proprietary', identifier: 'LicenseRef-EquipManSys' },
    },
    servers: [
      {
        url: origin ?? settings().PUBLIC_ORIGINS?.[0] ?? `http://localhost:${settings().PORT}`,
        description: 'This installation: the web app and its API share one origin',
      },
    ],
    tags: tags.map((name) => ({ name, description: `Operations on ${name}` })),
    paths,
    components: {
      schemas: { Problem: jsonSchema(problemSchema, 'output') },
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: settings().SESSION_COOKIE_NAME, description: 'The session cookie that sign-in sets' },
        apiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Api-Key',
          description: 'An API key an Administrator made for an integration (ems_…), with its scopes and labs',
        },
        // Not an http bearer scheme: Static Web Apps rewrites Authorization on its way to the API, so the token travels in a header of its own.
        entraAccessToken: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Entra-Token',
          description:
            'A Microsoft Entra access token of an app registration (client credentials flow) for this API, with the app role Feed.Read or Fitness.Read; "Bearer " before it is optional',
        },
      },
    },
    security: [{ session: [] }],
  };
}
