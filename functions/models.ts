import { actorOf } from '../shared/auth/principal.js';
import { addModel, assertMayReadModels, assertMayWriteModels, findModel, listModelsFor, replaceModel } from '../shared/catalog/manage-catalog.js';
import { principalOf } from '../shared/platform/http-pipeline.js';
import { http } from '../shared/platform/registry.js';
import { createModelSchema, listModelsQuerySchema, modelParamsSchema, modelSchema, updateModelSchema } from '../shared/schemas/catalog.js';
import { listOf } from '../shared/schemas/common.js';

http({
  name: 'modelsList',
  methods: ['GET'],
  route: 'models',
  access: 'signed-in',
  summary: 'Equipment models with their tasks per frequency (disabled ones with includeInactive=true)',
  tags: ['catalog'],
  query: listModelsQuerySchema,
  response: listOf(modelSchema),
  authorize: (input) => assertMayReadModels(principalOf(input)),
  handler: async ({ query }) => ({ body: await listModelsFor(query) }),
});

http({
  name: 'modelsCreate',
  methods: ['POST'],
  route: 'models',
  access: 'signed-in',
  summary: 'Add a model with its tasks per frequency (administrators)',
  tags: ['catalog'],
  body: createModelSchema,
  response: modelSchema,
  successStatus: 201,
  authorize: (input) => assertMayWriteModels(principalOf(input)),
  handler: async ({ body, ...facts }) => ({ status: 201, body: await addModel(actorOf(principalOf(facts)), body, facts) }),
});

http({
  name: 'modelsGet',
  methods: ['GET'],
  route: 'models/{modelId}',
  access: 'signed-in',
  summary: 'One model with its tasks per frequency',
  tags: ['catalog'],
  params: modelParamsSchema,
  response: modelSchema,
  authorize: (input) => assertMayReadModels(principalOf(input)),
  handler: async ({ params }) => ({ body: await findModel(params.modelId) }),
});

http({
  name: 'modelsReplace',
  methods: ['PUT'],
  route: 'models/{modelId}',
  access: 'signed-in',
  summary: "Replace a model's details and tasks; send the version you read (412 when someone changed it since)",
  tags: ['catalog'],
  params: modelParamsSchema,
  body: updateModelSchema,
  response: modelSchema,
  authorize: (input) => assertMayWriteModels(principalOf(input)),
  handler: async ({ params, body, ...facts }) => ({ body: await replaceModel(principalOf(facts), params.modelId, body, facts) }),
});
