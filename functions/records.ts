import { principalOf } from '../shared/platform/http-pipeline.js';
import { http } from '../shared/platform/registry.js';
import {
  amendRecord,
  assertMayCompleteRecords,
  assertMayCorrectRecords,
  assertMayReadRecords,
  completeRecord,
  findLabRecord,
  justifyMissedRecord,
  verifyRecord,
  labDashboard,
  listLabRecords,
  recordView,
} from '../shared/records/manage-records.js';
import { listOf } from '../shared/schemas/common.js';
import {
  amendRecordSchema,
  completeRecordSchema,
  dashboardQuerySchema,
  justifyRecordSchema,
  verifyRecordSchema,
  listRecordsQuerySchema,
  recordListParamsSchema,
  recordParamsSchema,
  recordSchema,
} from '../shared/schemas/records.js';
import { dashboardPageSchema } from '../shared/schemas/dashboard.js';

http({
  name: 'recordsList',
  methods: ['GET'],
  route: 'labs/{labId}/records',
  access: 'signed-in',
  summary: "A lab's PM records by status (comma-separated), frequency, machine and period, newest period first",
  tags: ['records'],
  params: recordListParamsSchema,
  query: listRecordsQuerySchema,
  response: listOf(recordSchema),
  authorize: (input) => assertMayReadRecords(principalOf(input), input.params.labId),
  handler: async ({ params, query }) => ({ body: await listLabRecords(params.labId, query) }),
});

http({
  name: 'recordsDashboard',
  methods: ['GET'],
  route: 'labs/{labId}/dashboard',
  access: 'signed-in',
  summary:
    "A lab's checklists in one call: every open record and every missed one that may still be completed late, soonest due first, as summary rows; and the intermediate checks due today or overdue",
  tags: ['records'],
  params: recordListParamsSchema,
  query: dashboardQuerySchema,
  response: dashboardPageSchema,
  authorize: (input) => assertMayReadRecords(principalOf(input), input.params.labId),
  handler: async ({ params, query }) => ({ body: await labDashboard(params.labId, query) }),
});

http({
  name: 'recordsGet',
  methods: ['GET'],
  route: 'labs/{labId}/records/{recordNumber}',
  access: 'signed-in',
  summary: 'One record with its tasks, responses, signature and amendments; its ETag guards later changes',
  tags: ['records'],
  params: recordParamsSchema,
  response: recordSchema,
  authorize: (input) => assertMayReadRecords(principalOf(input), input.params.labId),
  handler: async ({ params }) => {
    const found = await findLabRecord(params.labId, params.recordNumber);
    return { body: recordView(found.document), headers: { ETag: found.etag } };
  },
});

http({
  name: 'recordsComplete',
  methods: ['POST'],
  route: 'labs/{labId}/records/{recordNumber}/complete',
  access: 'signed-in',
  summary: 'Complete and sign a record (password, or a fresh Microsoft sign-in); late within the late-completion window',
  tags: ['records'],
  params: recordParamsSchema,
  body: completeRecordSchema,
  response: recordSchema,
  authorize: (input) => assertMayCompleteRecords(principalOf(input), input.params.labId),
  checksPassword: true,
  usesEtag: true,
  handler: async ({ params, body, ...facts }) => ({
    body: await completeRecord(principalOf(facts), params.labId, params.recordNumber, body, facts, facts.request.headers.get('if-match')),
  }),
});

http({
  name: 'recordsAmend',
  methods: ['POST'],
  route: 'labs/{labId}/records/{recordNumber}/amendments',
  access: 'signed-in',
  summary: 'Correct a completed record, with a reason and a signature meaning "Amended by" (managers, administrators)',
  tags: ['records'],
  params: recordParamsSchema,
  body: amendRecordSchema,
  response: recordSchema,
  authorize: (input) => assertMayCorrectRecords(principalOf(input), input.params.labId),
  checksPassword: true,
  usesEtag: true,
  handler: async ({ params, body, ...facts }) => ({
    body: await amendRecord(principalOf(facts), params.labId, params.recordNumber, body, facts, facts.request.headers.get('if-match')),
  }),
});

http({
  name: 'recordsVerify',
  methods: ['POST'],
  route: 'labs/{labId}/records/{recordNumber}/verification',
  access: 'signed-in',
  summary:
    'The second signature, meaning "Verified by", on a completed record whose model asks for one; by anyone who may complete records of the lab except who performed it',
  tags: ['records'],
  params: recordParamsSchema,
  body: verifyRecordSchema,
  response: recordSchema,
  authorize: (input) => assertMayCompleteRecords(principalOf(input), input.params.labId),
  checksPassword: true,
  usesEtag: true,
  handler: async ({ params, body, ...facts }) => ({
    body: await verifyRecord(principalOf(facts), params.labId, params.recordNumber, body, facts, facts.request.headers.get('if-match')),
  }),
});

http({
  name: 'recordsJustify',
  methods: ['POST'],
  route: 'labs/{labId}/records/{recordNumber}/justification',
  access: 'signed-in',
  summary: "A manager's signed justification of a missed record (password again, meaning Justified by)",
  tags: ['records'],
  params: recordParamsSchema,
  body: justifyRecordSchema,
  response: recordSchema,
  authorize: (input) => assertMayCorrectRecords(principalOf(input), input.params.labId),
  checksPassword: true,
  handler: async ({ params, body, ...facts }) => ({ body: await justifyMissedRecord(principalOf(facts), params.labId, params.recordNumber, body, facts) }),
});
