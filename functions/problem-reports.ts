import { actorOf } from '../shared/auth/principal.js';
import { assertMayWriteEquipment } from '../shared/equipment/manage-equipment.js';
import { rotateReportKey } from '../shared/equipment/report-keys.js';
import { reportAddress } from '../shared/labels/labels.js';
import {
  assertMayReadRequests,
  assertMayTriageRequests,
  closeRequest,
  machineForReport,
  receiveProblemReport,
  requestFor,
  requestsPage,
  requestToNonconformity,
} from '../shared/nonconformities/problem-reports.js';
import { principalOf } from '../shared/platform/http-pipeline.js';
import { http } from '../shared/platform/registry.js';
import { listOf } from '../shared/schemas/common.js';
import { equipmentParamsSchema } from '../shared/schemas/equipment.js';
import { nonconformitySchema } from '../shared/schemas/nonconformities.js';
import {
  closeRequestSchema,
  machineForReportSchema,
  problemReportInputSchema,
  problemReportMachineParamsSchema,
  problemReportReceiptSchema,
  problemReportSchema,
  reportKeyAnswerSchema,
  reportKeyQuerySchema,
  requestListParamsSchema,
  requestListQuerySchema,
  requestParamsSchema,
} from '../shared/schemas/problem-reports.js';

http({
  name: 'problemReportMachine',
  methods: ['GET'],
  route: 'machines/{serialNumber}/problem-reports',
  access: 'public',
  summary:
    "What the label's page shows someone without an account: the machine's serial number and model, with the report key k from the QR code; a wrong or missing key is the same 404 as an unknown machine",
  tags: ['problem reports'],
  params: problemReportMachineParamsSchema,
  query: reportKeyQuerySchema,
  response: machineForReportSchema,
  alsoAnswers: [404],
  handler: async ({ params, query }) => ({ body: await machineForReport(params.serialNumber, query.k) }),
});

http({
  name: 'problemReportSend',
  methods: ['POST'],
  route: 'machines/{serialNumber}/problem-reports',
  access: 'public',
  summary:
    "Report a problem at the machine without an account, with the report key k from the label: what is wrong, an optional name, contact and photo (JPEG or PNG, base64, at most 700 KB); limited per address and per machine an hour; lands in the lab's requests",
  tags: ['problem reports'],
  params: problemReportMachineParamsSchema,
  query: reportKeyQuerySchema,
  body: problemReportInputSchema,
  response: problemReportReceiptSchema,
  successStatus: 201,
  alsoAnswers: [404, 413, 429],
  handler: async ({ params, query, body, ...facts }) => ({ status: 201, body: await receiveProblemReport(params.serialNumber, query.k, body, facts) }),
});

http({
  name: 'requestList',
  methods: ['GET'],
  route: 'labs/{labId}/requests',
  access: 'signed-in',
  summary: "The lab's request inbox: problems reported at its machines without an account, newest first; status=New|Nonconformity|Closed narrows it",
  tags: ['problem reports'],
  params: requestListParamsSchema,
  query: requestListQuerySchema,
  response: listOf(problemReportSchema),
  authorize: (input) => assertMayReadRequests(principalOf(input), input.params.labId),
  handler: async ({ params, query }) => ({ body: await requestsPage(params.labId, query) }),
});

http({
  name: 'requestGet',
  methods: ['GET'],
  route: 'labs/{labId}/requests/{reportNumber}',
  access: 'signed-in',
  summary: 'One request from the machine, with the reporter’s words as received and what became of it',
  tags: ['problem reports'],
  params: requestParamsSchema,
  response: problemReportSchema,
  authorize: (input) => assertMayReadRequests(principalOf(input), input.params.labId),
  handler: async ({ params }) => ({ body: await requestFor(params.labId, params.reportNumber) }),
});

http({
  name: 'requestToNonconformity',
  methods: ['POST'],
  route: 'labs/{labId}/requests/{reportNumber}/nonconformity',
  access: 'signed-in',
  summary:
    'Turn a new request into a nonconformity (a technician or manager of the lab): the machine is quarantined, the nonconformity names the request and keeps its photo; 409 once the request was triaged',
  tags: ['problem reports'],
  params: requestParamsSchema,
  response: nonconformitySchema,
  successStatus: 201,
  authorize: (input) => assertMayTriageRequests(principalOf(input), input.params.labId),
  handler: async ({ params, ...facts }) => ({ status: 201, body: await requestToNonconformity(principalOf(facts), params.labId, params.reportNumber, facts) }),
});

http({
  name: 'requestClose',
  methods: ['POST'],
  route: 'labs/{labId}/requests/{reportNumber}/close',
  access: 'signed-in',
  summary: 'Close a new request without a nonconformity, with the reason (a technician or manager of the lab); 409 once the request was triaged',
  tags: ['problem reports'],
  params: requestParamsSchema,
  body: closeRequestSchema,
  response: problemReportSchema,
  authorize: (input) => assertMayTriageRequests(principalOf(input), input.params.labId),
  handler: async ({ params, body, ...facts }) => ({ body: await closeRequest(principalOf(facts), params.labId, params.reportNumber, body.reason, facts) }),
});

http({
  name: 'equipmentReportKey',
  methods: ['POST'],
  route: 'labs/{labId}/equipment/{serialNumber}/report-key',
  access: 'signed-in',
  summary:
    'Give the machine a new report key for a new label (a manager): reports through the old label are refused from now on; answers the address its new QR code carries',
  tags: ['problem reports'],
  params: equipmentParamsSchema,
  response: reportKeyAnswerSchema,
  authorize: (input) => assertMayWriteEquipment(principalOf(input), input.params.labId),
  handler: async ({ params, ...facts }) => {
    const principal = principalOf(facts);
    const key = await rotateReportKey(params.labId, params.serialNumber, actorOf(principal), facts);
    return { body: { serialNumber: params.serialNumber, reportUrl: reportAddress(params.serialNumber, key, facts.origin) } };
  },
});
