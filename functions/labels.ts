import { assertMayReadEquipment } from '../shared/equipment/manage-equipment.js';
import { labelSheet, machineAtHand } from '../shared/labels/labels.js';
import { principalOf } from '../shared/platform/http-pipeline.js';
import { http } from '../shared/platform/registry.js';
import { equipmentListParamsSchema } from '../shared/schemas/equipment.js';
import { labelSheetSchema, labelsQuerySchema, machineAtHandParamsSchema, machineAtHandSchema } from '../shared/schemas/labels.js';

http({
  name: 'equipmentLabels',
  methods: ['GET'],
  route: 'labs/{labId}/labels',
  access: 'signed-in',
  summary:
    "Labels for the lab's machines (all that are not retired, or those named in serials=): serial, model, lab, calibration status and due date, and a QR code (SVG) of the machine's stable address /e/{serialNumber}",
  tags: ['equipment'],
  params: equipmentListParamsSchema,
  query: labelsQuerySchema,
  response: labelSheetSchema,
  authorize: (input) => assertMayReadEquipment(principalOf(input), input.params.labId),
  handler: async ({ params, query, origin }) => ({ body: await labelSheet(params.labId, query.serials, query.size ?? 'small', origin) }),
});

http({
  name: 'machineAtHand',
  methods: ['GET'],
  route: 'machines/{serialNumber}',
  access: 'signed-in',
  summary:
    'The machine a label names, wherever it is: fitness, calibration due, its open checklists and open nonconformities; 404 for a machine in a lab the caller has no role in',
  tags: ['equipment'],
  params: machineAtHandParamsSchema,
  response: machineAtHandSchema,
  handler: async ({ params, ...facts }) => ({ body: await machineAtHand(principalOf(facts), params.serialNumber) }),
});
