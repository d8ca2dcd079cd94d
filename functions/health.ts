import { z } from 'zod';
import { pingCosmos } from '../shared/data/cosmos.js';
import { buildInfo } from '../shared/platform/build-info.js';
import { http } from '../shared/platform/registry.js';
import { HttpProblem } from '../shared/platform/problems.js';
import { buildInfoSchema } from '../shared/schemas/build-info.js';

const healthSchema = z.object({ status: z.literal('ok') });

http({
  name: 'health',
  methods: ['GET'],
  route: 'health',
  access: 'public',
  summary: 'Liveness: the API process answers',
  tags: ['health'],
  response: healthSchema,
  handler: async () => ({ body: { status: 'ok' as const } }),
});

http({
  name: 'healthReady',
  methods: ['GET'],
  route: 'health/ready',
  access: 'public',
  summary: 'Readiness: the API can reach Cosmos DB',
  tags: ['health'],
  response: z.object({ status: z.literal('ready'), cosmos: z.literal('reachable') }),
  handler: async (input) => {
    try {
      await pingCosmos();
    } catch (error) {
      input.context.warn('Cosmos DB is not reachable', error);
      throw new HttpProblem(503, 'Not ready', 'The database cannot be reached right now.', { headers: { 'Retry-After': '5' } });
    }
    return { body: { status: 'ready' as const, cosmos: 'reachable' as const } };
  },
});

http({
  name: 'healthVersion',
  methods: ['GET'],
  route: 'health/version',
  access: 'public',
  summary: 'The build this installation runs: version, the commit it was built from, and when',
  tags: ['health'],
  response: buildInfoSchema,
  handler: async () => ({ body: buildInfo() }),
});
