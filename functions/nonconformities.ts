import {
  addAttachment,
  addRepairAction,
  assertMayDecideNonconformities,
  assertMayReadNonconformities,
  assertMayReportNonconformities,
  attachmentDownload,
  closeNonconformity,
  disposeItem,
  impactInbox,
  nonconformitiesPage,
  nonconformityFor,
  reportNonconformity,
} from '../shared/nonconformities/nonconformities.js';
import { returnToService } from '../shared/nonconformities/return-to-service.js';
import { assertMayReport } from '../shared/reports/compliance.js';
import { continuationHeaders } from '../shared/reports/lab-pages.js';
import { nonconformityReport, nonconformityReportCsv } from '../shared/reports/nonconformity-report.js';
import { canAnywhere } from '../shared/domain/permissions.js';
import { principalOf } from '../shared/platform/http-pipeline.js';
import { forbidden } from '../shared/platform/problems.js';
import { requestBodyChunks } from '../shared/platform/raw-body.js';
import { http } from '../shared/platform/registry.js';
import { evidenceMaxBytes } from '../shared/storage/verified-files.js';
import { certificateContentTypes, certificateSchema, certificateUploadQuerySchema } from '../shared/schemas/calibration.js';
import { listOf } from '../shared/schemas/common.js';
import { equipmentParamsSchema, equipmentSchema } from '../shared/schemas/equipment.js';
import {
  closeNonconformitySchema,
  dispositionInputSchema,
  impactInboxItemSchema,
  nonconformityAttachmentParamsSchema,
  nonconformityListParamsSchema,
  nonconformityListQuerySchema,
  nonconformityParamsSchema,
  nonconformityReportQuerySchema,
  nonconformityReportSchema,
  nonconformitySchema,
  repairActionInputSchema,
  reportNonconformitySchema,
  returnToServiceInputSchema,
} from '../shared/schemas/nonconformities.js';

http({
  name: 'nonconformityList',
  methods: ['GET'],
  route: 'labs/{labId}/nonconformities',
  access: 'signed-in',
  summary: "The lab's nonconformities, newest first; status=Open|Closed and serialNumber narrow the list",
  tags: ['nonconformities'],
  params: nonconformityListParamsSchema,
  query: nonconformityListQuerySchema,
  response: listOf(nonconformitySchema),
  authorize: (input) => assertMayReadNonconformities(principalOf(input), input.params.labId),
  handler: async ({ params, query }) => ({ body: await nonconformitiesPage(params.labId, query) }),
});

http({
  name: 'nonconformityReport',
  methods: ['POST'],
  route: 'labs/{labId}/nonconformities',
  access: 'signed-in',
  summary: 'Report a fault on a machine by hand: opens a nonconformity and quarantines the machine (Out of Service, not fit) in one write',
  tags: ['nonconformities'],
  params: nonconformityListParamsSchema,
  body: reportNonconformitySchema,
  response: nonconformitySchema,
  successStatus: 201,
  authorize: (input) => assertMayReportNonconformities(principalOf(input), input.params.labId),
  handler: async ({ params, body, ...facts }) => ({ status: 201, body: await reportNonconformity(principalOf(facts), params.labId, body, facts) }),
});

http({
  name: 'nonconformityGet',
  methods: ['GET'],
  route: 'labs/{labId}/nonconformities/{ncNumber}',
  access: 'signed-in',
  summary:
    'One nonconformity: its exposure window, the results it may have touched with their dispositions, the repair log, photos and closure; a lab whose results it touched reads what was found and its own items only',
  tags: ['nonconformities'],
  params: nonconformityParamsSchema,
  response: nonconformitySchema,
  handler: async ({ params, ...facts }) => ({ body: await nonconformityFor(principalOf(facts), params.labId, params.ncNumber) }),
});

http({
  name: 'nonconformityDisposition',
  methods: ['POST'],
  route: 'labs/{labId}/nonconformities/{ncNumber}/dispositions',
  access: 'signed-in',
  summary:
    "A signed disposition (No impact, Re-test, Recalibrate, Customer notified) of one item, by a manager of the item's lab; Recalibrate makes that machine not fit until its next approved calibration",
  tags: ['nonconformities'],
  params: nonconformityParamsSchema,
  body: dispositionInputSchema,
  response: nonconformitySchema,
  checksPassword: true,
  authorize: (input) => {
    if (!canAnywhere(principalOf(input), 'nonconformities', 'write')) throw forbidden('Only managers and administrators dispose the items of a nonconformity.');
  },
  handler: async ({ params, body, ...facts }) => ({ body: await disposeItem(principalOf(facts), params.labId, params.ncNumber, body, facts) }),
});

http({
  name: 'nonconformityAction',
  methods: ['POST'],
  route: 'labs/{labId}/nonconformities/{ncNumber}/actions',
  access: 'signed-in',
  summary: 'Log repair work on a nonconformity; a manager may also move the machine to Repair onsite or Repair offsite',
  tags: ['nonconformities'],
  params: nonconformityParamsSchema,
  body: repairActionInputSchema,
  response: nonconformitySchema,
  authorize: (input) => assertMayReportNonconformities(principalOf(input), input.params.labId),
  handler: async ({ params, body, ...facts }) => ({ body: await addRepairAction(principalOf(facts), params.labId, params.ncNumber, body, facts) }),
});

http({
  name: 'nonconformityAttachmentUpload',
  methods: ['POST'],
  route: 'labs/{labId}/nonconformities/{ncNumber}/attachments',
  access: 'signed-in',
  summary: 'Add a photo (PNG or JPEG) or a PDF up to 20 MB as the raw body; checked by content, kept with its SHA-256, never replaced',
  tags: ['nonconformities'],
  params: nonconformityParamsSchema,
  query: certificateUploadQuerySchema,
  rawBody: { maxBytes: evidenceMaxBytes, contentTypes: certificateContentTypes },
  response: certificateSchema,
  successStatus: 201,
  authorize: (input) => assertMayReportNonconformities(principalOf(input), input.params.labId),
  handler: async ({ params, query, ...facts }) => ({
    status: 201,
    body: await addAttachment(principalOf(facts), params.labId, params.ncNumber, requestBodyChunks(facts.request, evidenceMaxBytes), query.fileName, facts),
  }),
});

http({
  name: 'nonconformityAttachmentDownload',
  methods: ['GET'],
  route: 'labs/{labId}/nonconformities/{ncNumber}/attachments/{attachmentId}',
  access: 'signed-in',
  summary: 'Download one attachment as it was uploaded, after checking it against its SHA-256',
  tags: ['nonconformities'],
  params: nonconformityAttachmentParamsSchema,
  authorize: (input) => assertMayReadNonconformities(principalOf(input), input.params.labId),
  handler: async ({ params }) => {
    const { attachment, content } = await attachmentDownload(params.labId, params.ncNumber, params.attachmentId);
    return {
      file: { contentType: attachment.contentType, fileName: attachment.fileName, content, size: attachment.size },
      headers: { 'X-Content-SHA256': attachment.sha256 },
    };
  },
});

http({
  name: 'nonconformityClose',
  methods: ['POST'],
  route: 'labs/{labId}/nonconformities/{ncNumber}/close',
  access: 'signed-in',
  summary: 'Close a nonconformity with a summary, signed "Closed by"; refused (409, naming them) while any item has no disposition',
  tags: ['nonconformities'],
  params: nonconformityParamsSchema,
  body: closeNonconformitySchema,
  response: nonconformitySchema,
  checksPassword: true,
  authorize: (input) => assertMayDecideNonconformities(principalOf(input), input.params.labId),
  handler: async ({ params, body, ...facts }) => ({ body: await closeNonconformity(principalOf(facts), params.labId, params.ncNumber, body, facts) }),
});

http({
  name: 'nonconformityItemsAwaiting',
  methods: ['GET'],
  route: 'labs/{labId}/nonconformity-items',
  access: 'signed-in',
  summary: "Results of this lab that open nonconformities (its own and other labs') may have touched and that still wait for its disposition",
  tags: ['nonconformities'],
  params: nonconformityListParamsSchema,
  response: listOf(impactInboxItemSchema),
  authorize: (input) => assertMayReadNonconformities(principalOf(input), input.params.labId),
  handler: async ({ params }) => ({ body: await impactInbox(params.labId) }),
});

http({
  name: 'equipmentReturnToService',
  methods: ['POST'],
  route: 'labs/{labId}/equipment/{serialNumber}/return-to-service',
  access: 'signed-in',
  summary:
    'Return a quarantined machine to service, signed "Verified by" a manager: with an approved passing calibration made since, where its plan requires calibration, otherwise with the answers to its model\'s return-to-service checks',
  tags: ['nonconformities'],
  params: equipmentParamsSchema,
  body: returnToServiceInputSchema,
  response: equipmentSchema,
  checksPassword: true,
  authorize: (input) => assertMayDecideNonconformities(principalOf(input), input.params.labId),
  handler: async ({ params, body, ...facts }) => ({ body: await returnToService(principalOf(facts), params.labId, params.serialNumber, body, facts) }),
});

http({
  name: 'reportsNonconformities',
  methods: ['GET'],
  route: 'reports/nonconformities',
  access: 'signed-in',
  summary:
    'Nonconformities per lab opened in a period: open and closed, median days to close, by source, items by disposition; JSON or CSV. Without labId, a page of pageSize labs: follow continuationToken (body or X-Continuation-Token header)',
  tags: ['reports'],
  query: nonconformityReportQuerySchema,
  response: nonconformityReportSchema,
  authorize: (input) => assertMayReport(principalOf(input), input.query.labId),
  handler: async ({ query, ...facts }) => {
    const report = await nonconformityReport(principalOf(facts), query);
    if (query.format !== 'csv') return { body: report };
    return {
      file: {
        contentType: 'text/csv; charset=utf-8',
        fileName: `nonconformities-${query.labId ?? 'all-labs'}-${report.from}-to-${report.to}.csv`,
        content: nonconformityReportCsv(report),
      },
      headers: continuationHeaders(report.continuationToken),
    };
  },
});
