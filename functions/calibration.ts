import {
  decideCalibration,
  calibrationOf,
  calibrationsDue,
  calibrationsOf,
  recordCalibration,
  referenceStandardsFor,
} from '../shared/calibration/calibrations.js';
import {
  assertMayManageCalibration,
  assertMayReadCalibration,
  assertMayRecordCalibration,
  calibrationPlanOf,
  setCalibrationPlan,
} from '../shared/calibration/plans.js';
import { amendCalibration } from '../shared/calibration/amendments.js';
import { addCertificate, certificateDownload, certificateMaxBytes } from '../shared/calibration/certificates.js';
import { requestBodyChunks } from '../shared/platform/raw-body.js';
import { addProvider, assertMayReadProviders, assertMayWriteProviders, providersPage, updateProvider } from '../shared/calibration/providers.js';
import { principalOf } from '../shared/platform/http-pipeline.js';
import { http } from '../shared/platform/registry.js';
import {
  approvalInputSchema,
  calibrationAmendmentInputSchema,
  calibrationDueItemSchema,
  calibrationInputSchema,
  calibrationListQuerySchema,
  calibrationParamsSchema,
  calibrationPlanSchema,
  calibrationSchema,
  calibrationsDueQuerySchema,
  certificateContentTypes,
  certificateParamsSchema,
  certificateSchema,
  certificateUploadQuerySchema,
  planInputSchema,
  providerInputSchema,
  providerListQuerySchema,
  providerParamsSchema,
  providerPatchSchema,
  providerSchema,
  referenceStandardSchema,
} from '../shared/schemas/calibration.js';
import { listOf } from '../shared/schemas/common.js';
import { equipmentListParamsSchema, equipmentParamsSchema } from '../shared/schemas/equipment.js';

http({
  name: 'calibrationProviderList',
  methods: ['GET'],
  route: 'calibration-providers',
  access: 'signed-in',
  summary: 'The calibration providers, with their accreditation and whether they are approved (ISO/IEC 17025 §6.6)',
  tags: ['calibration'],
  query: providerListQuerySchema,
  response: listOf(providerSchema),
  authorize: (input) => assertMayReadProviders(principalOf(input)),
  handler: async ({ query }) => ({ body: await providersPage(query.continuationToken) }),
});

http({
  name: 'calibrationProviderCreate',
  methods: ['POST'],
  route: 'calibration-providers',
  access: 'signed-in',
  summary: 'Add a calibration provider; its id is made from its name',
  tags: ['calibration'],
  body: providerInputSchema,
  response: providerSchema,
  successStatus: 201,
  authorize: (input) => assertMayWriteProviders(principalOf(input)),
  handler: async ({ body, ...facts }) => ({ status: 201, body: await addProvider(principalOf(facts), body, facts) }),
});

http({
  name: 'calibrationProviderUpdate',
  methods: ['PATCH'],
  route: 'calibration-providers/{providerId}',
  access: 'signed-in',
  summary: "Change a provider's accreditation, scope or approval",
  tags: ['calibration'],
  params: providerParamsSchema,
  body: providerPatchSchema,
  response: providerSchema,
  authorize: (input) => assertMayWriteProviders(principalOf(input)),
  handler: async ({ params, body, ...facts }) => ({ body: await updateProvider(principalOf(facts), params.providerId, body, facts) }),
});

http({
  name: 'calibrationPlanGet',
  methods: ['GET'],
  route: 'labs/{labId}/equipment/{serialNumber}/calibration-plan',
  access: 'signed-in',
  summary: "A machine's calibration plan, every earlier version, its last approved calibration and its fitness for use",
  tags: ['calibration'],
  params: equipmentParamsSchema,
  response: calibrationPlanSchema,
  authorize: (input) => assertMayReadCalibration(principalOf(input), input.params.labId),
  handler: async ({ params }) => ({ body: await calibrationPlanOf(params.labId, params.serialNumber) }),
});

http({
  name: 'calibrationPlanSet',
  methods: ['PUT'],
  route: 'labs/{labId}/equipment/{serialNumber}/calibration-plan',
  access: 'signed-in',
  summary: 'Set the calibration plan as a new version: send the version you read; a changed interval needs changeReason',
  tags: ['calibration'],
  params: equipmentParamsSchema,
  body: planInputSchema,
  response: calibrationPlanSchema,
  alsoAnswers: [412],
  authorize: (input) => assertMayManageCalibration(principalOf(input), input.params.labId),
  handler: async ({ params, body, ...facts }) => ({ body: await setCalibrationPlan(principalOf(facts), params.labId, params.serialNumber, body, facts) }),
});

http({
  name: 'calibrationList',
  methods: ['GET'],
  route: 'labs/{labId}/equipment/{serialNumber}/calibrations',
  access: 'signed-in',
  summary: "A machine's calibrations at this lab, newest first",
  tags: ['calibration'],
  params: equipmentParamsSchema,
  query: calibrationListQuerySchema,
  response: listOf(calibrationSchema),
  authorize: (input) => assertMayReadCalibration(principalOf(input), input.params.labId),
  handler: async ({ params, query }) => ({ body: await calibrationsOf(params.labId, params.serialNumber, query.continuationToken) }),
});

http({
  name: 'calibrationRecord',
  methods: ['POST'],
  route: 'labs/{labId}/equipment/{serialNumber}/calibrations',
  access: 'signed-in',
  summary: 'Record a signed calibration with as-found and as-left values; the server judges each point and the result',
  tags: ['calibration'],
  params: equipmentParamsSchema,
  body: calibrationInputSchema,
  response: calibrationSchema,
  successStatus: 201,
  checksPassword: true,
  authorize: (input) => assertMayRecordCalibration(principalOf(input), input.params.labId),
  handler: async ({ params, body, ...facts }) => ({
    status: 201,
    body: await recordCalibration(principalOf(facts), params.labId, params.serialNumber, body, facts),
  }),
});

http({
  name: 'calibrationGet',
  methods: ['GET'],
  route: 'labs/{labId}/equipment/{serialNumber}/calibrations/{calibrationNumber}',
  access: 'signed-in',
  summary: 'One calibration with its points, results, standards, signature and approval',
  tags: ['calibration'],
  params: calibrationParamsSchema,
  response: calibrationSchema,
  authorize: (input) => assertMayReadCalibration(principalOf(input), input.params.labId),
  handler: async ({ params }) => ({ body: await calibrationOf(params.labId, params.serialNumber, params.calibrationNumber) }),
});

http({
  name: 'calibrationApproval',
  methods: ['POST'],
  route: 'labs/{labId}/equipment/{serialNumber}/calibrations/{calibrationNumber}/approval',
  access: 'signed-in',
  summary: 'Approve or reject a calibration, signed "Approved by" by a manager who did not sign it',
  tags: ['calibration'],
  params: calibrationParamsSchema,
  body: approvalInputSchema,
  response: calibrationSchema,
  checksPassword: true,
  authorize: (input) => assertMayManageCalibration(principalOf(input), input.params.labId),
  handler: async ({ params, body, ...facts }) => ({
    body: await decideCalibration(principalOf(facts), params.labId, params.serialNumber, params.calibrationNumber, body, facts),
  }),
});

http({
  name: 'calibrationsDue',
  methods: ['GET'],
  route: 'labs/{labId}/calibrations/due',
  access: 'signed-in',
  summary: "The lab's machines whose calibration is overdue, never done, awaiting approval or due within `within` days (default 30), overdue first",
  tags: ['calibration'],
  params: equipmentListParamsSchema,
  query: calibrationsDueQuerySchema,
  response: listOf(calibrationDueItemSchema),
  authorize: (input) => assertMayReadCalibration(principalOf(input), input.params.labId),
  handler: async ({ params, query }) => ({ body: await calibrationsDue(params.labId, query.within ?? 30, query.pageSize, query.continuationToken) }),
});

http({
  name: 'calibrationCertificateUpload',
  methods: ['POST'],
  route: 'labs/{labId}/equipment/{serialNumber}/calibrations/{calibrationNumber}/certificates',
  access: 'signed-in',
  summary: 'Upload a certificate (PDF, PNG or JPEG up to 20 MB) as the raw body; each upload is a new version, answered with its certificateId and SHA-256',
  tags: ['calibration'],
  params: calibrationParamsSchema,
  query: certificateUploadQuerySchema,
  rawBody: { maxBytes: certificateMaxBytes, contentTypes: certificateContentTypes },
  response: certificateSchema,
  successStatus: 201,
  authorize: (input) => assertMayRecordCalibration(principalOf(input), input.params.labId),
  handler: async ({ params, query, ...facts }) => ({
    status: 201,
    body: await addCertificate(
      principalOf(facts),
      params.labId,
      params.serialNumber,
      params.calibrationNumber,
      requestBodyChunks(facts.request, certificateMaxBytes),
      query.fileName,
      facts,
    ),
  }),
});

http({
  name: 'calibrationCertificateDownload',
  methods: ['GET'],
  route: 'labs/{labId}/equipment/{serialNumber}/calibrations/{calibrationNumber}/certificates/{certificateId}',
  access: 'signed-in',
  summary: 'Download one certificate version as it was uploaded, after checking it against its SHA-256',
  tags: ['calibration'],
  params: certificateParamsSchema,
  authorize: (input) => assertMayReadCalibration(principalOf(input), input.params.labId),
  handler: async ({ params }) => {
    const { certificate, content } = await certificateDownload(params.labId, params.serialNumber, params.calibrationNumber, params.certificateId);
    return {
      file: { contentType: certificate.contentType, fileName: certificate.fileName, content, size: certificate.size },
      headers: { 'X-Content-SHA256': certificate.sha256 },
    };
  },
});

http({
  name: 'calibrationAmend',
  methods: ['POST'],
  route: 'labs/{labId}/equipment/{serialNumber}/calibrations/{calibrationNumber}/amendments',
  access: 'signed-in',
  summary: 'Correct an approved calibration with a reason and a signature "Amended by"; the values as entered are kept and every point is judged again',
  tags: ['calibration'],
  params: calibrationParamsSchema,
  body: calibrationAmendmentInputSchema,
  response: calibrationSchema,
  checksPassword: true,
  authorize: (input) => assertMayManageCalibration(principalOf(input), input.params.labId),
  handler: async ({ params, body, ...facts }) => ({
    body: await amendCalibration(principalOf(facts), params.labId, params.serialNumber, params.calibrationNumber, body, facts),
  }),
});

http({
  name: 'calibrationStandards',
  methods: ['GET'],
  route: 'labs/{labId}/calibrations/standards',
  access: 'signed-in',
  summary: "The company's reference standards with their fitness on the lab's date, fit ones first: what a calibration at this lab may name",
  tags: ['calibration'],
  params: equipmentListParamsSchema,
  response: listOf(referenceStandardSchema),
  authorize: (input) => assertMayRecordCalibration(principalOf(input), input.params.labId),
  handler: async ({ params }) => ({ body: await referenceStandardsFor(params.labId) }),
});
