import { actorOf } from '../shared/auth/principal.js';
import { addEquipmentClass, assertMayReadClasses, assertMayWriteClasses, listClasses } from '../shared/catalog/manage-catalog.js';
import { principalOf } from '../shared/platform/http-pipeline.js';
import { http } from '../shared/platform/registry.js';
import { createEquipmentClassSchema, equipmentClassSchema, listClassesQuerySchema } from '../shared/schemas/catalog.js';
import { listOf } from '../shared/schemas/common.js';

http({
  name: 'equipmentClassesList',
  methods: ['GET'],
  route: 'equipment-classes',
  access: 'signed-in',
  summary: 'The equipment classes a model may belong to (every role that reads models)',
  tags: ['catalog'],
  query: listClassesQuerySchema,
  response: listOf(equipmentClassSchema),
  authorize: (input) => assertMayReadClasses(principalOf(input)),
  handler: async ({ query }) => ({ body: await listClasses(query.continuationToken) }),
});

http({
  name: 'equipmentClassesCreate',
  methods: ['POST'],
  route: 'equipment-classes',
  access: 'signed-in',
  summary: 'Add an equipment class (administrators)',
  tags: ['catalog'],
  body: createEquipmentClassSchema,
  response: equipmentClassSchema,
  successStatus: 201,
  authorize: (input) => assertMayWriteClasses(principalOf(input)),
  handler: async ({ body, ...facts }) => ({ status: 201, body: await addEquipmentClass(actorOf(principalOf(facts)), body.name, facts) }),
});
