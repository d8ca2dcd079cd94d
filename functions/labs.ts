import { assertMayAdministerLabs, addLab, labsVisibleTo, updateLab } from '../shared/labs/manage-labs.js';
import { actorOf } from '../shared/auth/principal.js';
import { principalOf } from '../shared/platform/http-pipeline.js';
import { http } from '../shared/platform/registry.js';
import { listOf } from '../shared/schemas/common.js';
import { createLabSchema, labParamsSchema, labSchema, updateLabSchema, visibleLabSchema } from '../shared/schemas/labs.js';

http({
  name: 'labsList',
  methods: ['GET'],
  route: 'labs',
  access: 'signed-in',
  summary: 'The labs the caller may see, with the role that applies in each',
  tags: ['labs'],
  response: listOf(visibleLabSchema),
  handler: async (facts) => ({ body: { items: await labsVisibleTo(principalOf(facts)), continuationToken: null } }),
});

http({
  name: 'labsCreate',
  methods: ['POST'],
  route: 'labs',
  access: 'signed-in',
  summary: 'Add a lab (administrators)',
  tags: ['labs'],
  body: createLabSchema,
  response: labSchema,
  successStatus: 201,
  authorize: (input) => assertMayAdministerLabs(principalOf(input)),
  handler: async ({ body, ...facts }) => ({ status: 201, body: await addLab(actorOf(principalOf(facts)), body, facts) }),
});

http({
  name: 'labsUpdate',
  methods: ['PATCH'],
  route: 'labs/{labId}',
  access: 'signed-in',
  summary: 'Rename a lab, change its time zone, or deactivate it (administrators)',
  tags: ['labs'],
  params: labParamsSchema,
  body: updateLabSchema,
  response: labSchema,
  authorize: (input) => assertMayAdministerLabs(principalOf(input)),
  handler: async ({ params, body, ...facts }) => ({ body: await updateLab(principalOf(facts), params.labId, body, facts) }),
});
