import { z } from 'zod';
import { assertMayReadAudit, readAuditTrail } from '../shared/audit/audit-trail.js';
import { verifyLabPage } from '../shared/audit/audit-verification.js';
import { principalOf } from '../shared/platform/http-pipeline.js';
import { http } from '../shared/platform/registry.js';
import { verificationPageSchema, verificationQuerySchema } from '../shared/schemas/audit-verification.js';
import { continuationTokenSchema, isoDateTimeSchema, labIdSchema } from '../shared/schemas/common.js';

const instant = z.union([isoDateTimeSchema, z.string().regex(/^\d{4}-\d{2}-\d{2}$/)], { message: 'must be a date (YYYY-MM-DD) or an ISO 8601 date and time' });

http({
  name: 'auditList',
  methods: ['GET'],
  route: 'audit',
  access: 'signed-in',
  summary: 'The audit trail, newest first: every lab for company-wide roles, own labs for managers and local auditors',
  tags: ['audit'],
  query: z
    .object({
      labId: labIdSchema.optional(),
      from: instant.optional(),
      to: instant.optional(),
      entityType: z.string().max(40).optional(),
      entityId: z.string().max(200).optional(),
      pageSize: z.coerce.number({ message: 'must be a number' }).int().min(1).max(500, { message: 'must be at most 500' }).optional(),
      continuationToken: continuationTokenSchema,
    })
    .strict(),
  authorize: (input) => assertMayReadAudit(principalOf(input), input.query.labId),
  handler: async ({ query, ...facts }) => ({ body: await readAuditTrail(principalOf(facts), query) }),
});

http({
  name: 'auditVerify',
  methods: ['GET'],
  route: 'audit/verify',
  access: 'signed-in',
  summary:
    'Verifies every audit chain of a lab and every record against its trail and signatures, in pages of at most pageSize documents: follow continuationToken until it is null; intact is known on the last page, and the first broken link ends the verification',
  tags: ['audit'],
  query: verificationQuerySchema,
  response: verificationPageSchema,
  authorize: (input) => assertMayReadAudit(principalOf(input), input.query.labId),
  handler: async ({ query }) => ({ body: await verifyLabPage(query) }),
});
