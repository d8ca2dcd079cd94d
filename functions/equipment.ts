import { actorOf } from '../shared/auth/principal.js';
import {
  assertMayReadEquipment,
  assertMayWriteEquipment,
  equipmentAnswer,
  listLabEquipment,
  registerEquipment,
  updateEquipment,
} from '../shared/equipment/manage-equipment.js';
import { equipmentHistory } from '../shared/reports/equipment-history.js';
import { transferEquipment } from '../shared/equipment/transfer.js';
import { equipmentHistoryCsv } from '../shared/reports/equipment-history-csv.js';
import { principalOf } from '../shared/platform/http-pipeline.js';
import { http } from '../shared/platform/registry.js';
import { listOf } from '../shared/schemas/common.js';
import { equipmentHistorySchema } from '../shared/schemas/equipment-history.js';
import {
  createEquipmentSchema,
  equipmentHistoryQuerySchema,
  equipmentListParamsSchema,
  equipmentParamsSchema,
  equipmentSchema,
  listEquipmentQuerySchema,
  transferEquipmentSchema,
  updateEquipmentSchema,
} from '../shared/schemas/equipment.js';

http({
  name: 'equipmentList',
  methods: ['GET'],
  route: 'labs/{labId}/equipment',
  access: 'signed-in',
  summary: "A lab's equipment, filtered by status or model; retired equipment with includeRetired=true",
  tags: ['equipment'],
  params: equipmentListParamsSchema,
  query: listEquipmentQuerySchema,
  response: listOf(equipmentSchema),
  authorize: (input) => assertMayReadEquipment(principalOf(input), input.params.labId),
  handler: async ({ params, query }) => ({ body: await listLabEquipment(params.labId, query) }),
});

http({
  name: 'equipmentCreate',
  methods: ['POST'],
  route: 'labs/{labId}/equipment',
  access: 'signed-in',
  summary: 'Register a machine at a lab (serial numbers are unique across the company)',
  tags: ['equipment'],
  params: equipmentListParamsSchema,
  body: createEquipmentSchema,
  response: equipmentSchema,
  successStatus: 201,
  authorize: (input) => assertMayWriteEquipment(principalOf(input), input.params.labId),
  handler: async ({ params, body, ...facts }) => ({ status: 201, body: await registerEquipment(actorOf(principalOf(facts)), params.labId, body, facts) }),
});

http({
  name: 'equipmentGet',
  methods: ['GET'],
  route: 'labs/{labId}/equipment/{serialNumber}',
  access: 'signed-in',
  summary: 'One machine',
  tags: ['equipment'],
  params: equipmentParamsSchema,
  response: equipmentSchema,
  authorize: (input) => assertMayReadEquipment(principalOf(input), input.params.labId),
  handler: async ({ params }) => ({ body: await equipmentAnswer(params.labId, params.serialNumber) }),
});

http({
  name: 'equipmentUpdate',
  methods: ['PATCH'],
  route: 'labs/{labId}/equipment/{serialNumber}',
  access: 'signed-in',
  summary: "Change a machine's status or model",
  tags: ['equipment'],
  params: equipmentParamsSchema,
  body: updateEquipmentSchema,
  response: equipmentSchema,
  authorize: (input) => assertMayWriteEquipment(principalOf(input), input.params.labId),
  handler: async ({ params, body, ...facts }) => ({ body: await updateEquipment(principalOf(facts), params.labId, params.serialNumber, body, facts) }),
});

http({
  name: 'equipmentTransfer',
  methods: ['POST'],
  route: 'labs/{labId}/equipment/{serialNumber}/transfer',
  access: 'signed-in',
  summary: 'Move a machine to another lab; repeating the request finishes a transfer that was interrupted',
  tags: ['equipment'],
  params: equipmentParamsSchema,
  body: transferEquipmentSchema,
  response: equipmentSchema,
  authorize: (input) => assertMayWriteEquipment(principalOf(input), input.params.labId),
  handler: async ({ params, body, ...facts }) => ({
    body: await transferEquipment(principalOf(facts), params.labId, params.serialNumber, body.toLabId, facts),
  }),
});

http({
  name: 'equipmentHistory',
  methods: ['GET'],
  route: 'labs/{labId}/equipment/{serialNumber}/history',
  access: 'signed-in',
  summary:
    'A machine with its registration, status changes, model changes, transfers, every PM record, calibration, calibration plan version, nonconformity and return to service (ISO/IEC 17025 §6.4.13); format=csv with section=records|responses|events|calibrations|nonconformities',
  tags: ['equipment'],
  params: equipmentParamsSchema,
  query: equipmentHistoryQuerySchema,
  response: equipmentHistorySchema,
  authorize: (input) => assertMayReadEquipment(principalOf(input), input.params.labId),
  handler: async ({ params, query }) => {
    const history = await equipmentHistory(params.labId, params.serialNumber);
    if (query.format !== 'csv') return { body: history };
    const section = query.section ?? 'records';
    const fileName = `equipment-history-${history.equipment.serialNumber}-${section}.csv`;
    return { file: { contentType: 'text/csv; charset=utf-8', fileName, content: equipmentHistoryCsv(history, section) } };
  },
});
