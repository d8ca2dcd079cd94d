import { z } from 'zod';
import { problemSchema } from '../schemas/common.js';
import { settings } from './config.js';
import { registeredHttpFunctions, type HttpDeclaration } from './registry.js';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function parametersOf(declaration: HttpDeclaration): JsonSchema[] {
  const parameters: JsonSchema[] = [];
  const add = (schema: z.ZodType | undefined, location: 'path' | 'query') => {
    if (!schema) return;
    const described = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, property] of Object.entries(described.properties ?? {})) {
      parameters.push({ name, in: location, required: location === 'path' || (described.required ?? []).includes(name), schema: property });
    }
  };
  add(declaration.params, 'path');
  add(declaration.query, 'query');
  return parameters;
}

const problemResponse = { description: 'A problem', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };

function operationOf(declaration: HttpDeclaration): JsonSchema {
  const success = String(declaration.successStatus ?? 200);
  return {
    operationId: declaration.name,
    summary: declaration.summary,
    tags: declaration.tags ?? [],
    ...(declaration.access === 'public' ? { security: [] } : {}),
    parameters: parametersOf(declaration),
    ...(declaration.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(declaration.body, 'input') } } } }
      : {}),
    responses: {
      [success]: declaration.response
        ? { description: 'Success', content: { 'application/json': { schema: jsonSchema(declaration.response, 'output') } } }
        : { description: 'Success' },
      default: problemResponse,
    },
  };
}

/** The published contract, generated from the same declarations that serve the requests. */
export function openApiDocument(): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const { declaration } of registeredHttpFunctions()) {
    if (declaration.route.includes('{*')) continue;
    const path = `/api/${declaration.route}`;
    paths[path] ??= {};
    for (const method of declaration.methods) paths[path][method.toLowerCase()] = operationOf(declaration);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'EquipManSys API', version: '1.0.0', description: 'Preventive maintenance and equipment tracking across labs.' },
    paths,
    components: {
      schemas: { Problem: jsonSchema(problemSchema, 'output') },
      securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: settings().SESSION_COOKIE_NAME } },
    },
    security: [{ session: [] }],
  };
}
