import { reviewCalibrationInterval } from '../shared/calibration/interval-review.js';
import { assertMayReadCalibration } from '../shared/calibration/plans.js';
import { principalOf } from '../shared/platform/http-pipeline.js';
import { http } from '../shared/platform/registry.js';
import { intervalReviewSchema } from '../shared/schemas/calibration-interval-review.js';
import { equipmentParamsSchema } from '../shared/schemas/equipment.js';

http({
  name: 'calibrationIntervalReview',
  methods: ['GET'],
  route: 'labs/{labId}/equipment/{serialNumber}/calibration-plan/interval-review',
  access: 'signed-in',
  summary: "A recommended calibration interval for a machine by ILAC-G24's simple response method, with the calibrations it used",
  tags: ['calibration'],
  params: equipmentParamsSchema,
  response: intervalReviewSchema,
  authorize: (input) => assertMayReadCalibration(principalOf(input), input.params.labId),
  handler: async ({ params }) => ({ body: await reviewCalibrationInterval(params.labId, params.serialNumber) }),
});
