import { decideIntervalReview, reviewCalibrationInterval } from '../shared/calibration/interval-review.js';
import { assertMayManageCalibration, assertMayReadCalibration } from '../shared/calibration/plans.js';
import { principalOf } from '../shared/platform/http-pipeline.js';
import { http } from '../shared/platform/registry.js';
import { intervalDecisionInputSchema, intervalReviewSchema } from '../shared/schemas/calibration-interval-review.js';
import { equipmentParamsSchema } from '../shared/schemas/equipment.js';

http({
  name: 'calibrationIntervalReview',
  methods: ['GET'],
  route: 'labs/{labId}/equipment/{serialNumber}/calibration-plan/interval-review',
  access: 'signed-in',
  summary:
    "A recommended calibration interval for a machine by ILAC-G24's simple response method, with the calibrations it used, whether it is due and its last decision",
  tags: ['calibration'],
  params: equipmentParamsSchema,
  response: intervalReviewSchema,
  authorize: (input) => assertMayReadCalibration(principalOf(input), input.params.labId),
  handler: async ({ params }) => ({ body: await reviewCalibrationInterval(params.labId, params.serialNumber) }),
});

http({
  name: 'calibrationIntervalDecision',
  methods: ['POST'],
  route: 'labs/{labId}/equipment/{serialNumber}/calibration-plan/interval-review/decision',
  access: 'signed-in',
  summary:
    'Accept (a new plan version with the recommended interval, its change reason citing the review) or reject (with a reason) the interval review, signed "Reviewed by"; send what the review showed: 409 when it changed since',
  tags: ['calibration'],
  params: equipmentParamsSchema,
  body: intervalDecisionInputSchema,
  response: intervalReviewSchema,
  checksPassword: true,
  authorize: (input) => assertMayManageCalibration(principalOf(input), input.params.labId),
  handler: async ({ params, body, ...facts }) => ({
    body: await decideIntervalReview(principalOf(facts), params.labId, params.serialNumber, body, facts),
  }),
});
