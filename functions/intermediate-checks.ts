import { intermediateChecksOf, recordIntermediateCheck } from '../shared/calibration/intermediate-checks.js';
import { assertMayReadCalibration, assertMayRecordCalibration } from '../shared/calibration/plans.js';
import { principalOf } from '../shared/platform/http-pipeline.js';
import { http } from '../shared/platform/registry.js';
import { equipmentParamsSchema } from '../shared/schemas/equipment.js';
import { intermediateCheckInputSchema, intermediateCheckSchema, intermediateChecksSchema } from '../shared/schemas/intermediate-checks.js';

http({
  name: 'intermediateCheckList',
  methods: ['GET'],
  route: 'labs/{labId}/equipment/{serialNumber}/intermediate-checks',
  access: 'signed-in',
  summary: "A machine's intermediate checks between calibrations (ISO/IEC 17025 §6.4.10), newest first, with the plan's check and when the next is due",
  tags: ['calibration'],
  params: equipmentParamsSchema,
  response: intermediateChecksSchema,
  authorize: (input) => assertMayReadCalibration(principalOf(input), input.params.labId),
  handler: async ({ params }) => ({ body: await intermediateChecksOf(params.labId, params.serialNumber) }),
});

http({
  name: 'intermediateCheckRecord',
  methods: ['POST'],
  route: 'labs/{labId}/equipment/{serialNumber}/intermediate-checks',
  access: 'signed-in',
  summary:
    'Record a signed intermediate check against the plan: the server judges each point; a check never moves the calibration due date, and a failing one makes the machine not fit and opens a nonconformity',
  tags: ['calibration'],
  params: equipmentParamsSchema,
  body: intermediateCheckInputSchema,
  response: intermediateCheckSchema,
  successStatus: 201,
  checksPassword: true,
  authorize: (input) => assertMayRecordCalibration(principalOf(input), input.params.labId),
  handler: async ({ params, body, ...facts }) => ({
    body: await recordIntermediateCheck(principalOf(facts), params.labId, params.serialNumber, body, facts),
  }),
});
