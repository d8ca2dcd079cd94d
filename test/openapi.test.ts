import { createConfig, lintFromString } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from './helpers/api-client.js';
import { startTestProduct, type TestProduct } from './helpers/test-product.js';

/**
 * The served contract, read by a linter nobody here wrote: Redocly's recommended rules (the engine of
 * `redocly lint`). Every operation documents the errors it can answer.
 */
let product: TestProduct;
let anonymous: ApiClient;

interface Document {
  servers?: { url: string }[];
  components: { securitySchemes: Record<string, { type: string; in: string; name: string }> };
  paths: Record<
    string,
    Record<
      string,
      {
        operationId: string;
        description?: string;
        security?: Record<string, string[]>[];
        parameters: { name: string; description?: string }[];
        responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, unknown> }>;
      }
    >
  >;
}

beforeAll(async () => {
  product = await startTestProduct();
  anonymous = product.client();
});
afterAll(async () => product.cleanup());

describe('the published contract', () => {
  it('URS-113 describes the security of the endpoints integrations call: an API key or a Microsoft Entra access token, not open to anyone', async () => {
    const { body } = await anonymous.get<Document>('/api/openapi.json');
    const fitness = body.paths['/api/machines/{serialNumber}/fitness']!.get!;
    expect(fitness.security).toEqual([{ apiKey: [] }, { entraAccessToken: [] }]);
    expect(fitness.description).not.toContain('Open to anyone');
    expect(fitness.description).toContain('API key allowing fitness:read (X-Api-Key) or a Microsoft Entra access token of an app with the role Fitness.Read');
    expect(body.components.securitySchemes.apiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-Api-Key' });
    expect(body.components.securitySchemes.entraAccessToken).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-Entra-Token' });
    const stillOpen = Object.values(body.paths)
      .flatMap((operations) => Object.values(operations))
      .filter((operation) => operation.description?.includes('Open to anyone') && operation.description.includes('API key'));
    expect(stillOpen.map((operation) => operation.operationId)).toEqual([]);
  });

  it('passes Redocly’s recommended rules with no error and no operation lacking a 4XX answer', async () => {
    const { body } = await anonymous.get<Document>('/api/openapi.json');
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: JSON.stringify(body), absoluteRef: `${product.url}/api/openapi.json`, config });
    const described = problems.map((problem) => `${problem.severity} ${problem.ruleId}: ${problem.message} at ${problem.location[0]?.pointer ?? ''}`);
    expect(described.filter((line) => line.startsWith('error'))).toEqual([]);
    expect(described.filter((line) => line.includes('operation-4xx-response'))).toEqual([]);
  });

  it('documents every error as application/problem+json with the one Problem schema, 503 with Retry-After, and a description for every operation and parameter', async () => {
    const { body } = await anonymous.get<Document>('/api/openapi.json');
    expect(body.servers?.[0]?.url).toBe(product.url);
    for (const [path, methods] of Object.entries(body.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect(operation.description, where).toBeTruthy();
        for (const parameter of operation.parameters) expect(parameter.description, `${where} ${parameter.name}`).not.toBe(parameter.name);
        const errors = Object.entries(operation.responses).filter(([status]) => Number(status) >= 400);
        expect(
          errors.map(([status]) => status),
          where,
        ).toContain('503');
        expect(operation.responses['503']!.headers, where).toHaveProperty('Retry-After');
        for (const [, response] of errors)
          expect(response.content, where).toEqual({ 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } });
      }
    }
    const complete = body.paths['/api/labs/{labId}/records/{recordNumber}/complete']!.post!;
    expect(Object.keys(complete.responses)).toEqual(expect.arrayContaining(['400', '401', '403', '404', '409', '412', '413', '415', '423', '429', '503']));
    expect(Object.keys(body.paths['/api/health']!.get!.responses)).not.toContain('401');
  });
});
