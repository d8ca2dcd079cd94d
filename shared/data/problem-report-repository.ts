import type { JSONObject, OperationInput } from '@azure/cosmos';
import type { ProblemReport } from '../schemas/problem-reports.js';
import { stripSystemProperties } from './audited-write.js';
import type { StoredCertificate } from './calibration-repository.js';
import { container } from './cosmos.js';
import { queryPage, type Page } from './paging.js';
import type { Versioned } from './versioned.js';

/**
 * A problem reported at the machine lives in its lab's equipment partition, beside the machine, so
 * turning it into a nonconformity changes the report, the nonconformity and the machine in one batch.
 */
export interface ProblemReportDocument extends Omit<ProblemReport, 'photo'> {
  id: string;
  type: 'problem-report';
  serialKey: string;
  photo: Omit<StoredCertificate, 'certificateId' | 'uploadedAt' | 'uploadedBy'> | null;
}

export function problemReportId(reportNumber: string): string {
  return `req:${reportNumber}`;
}

export async function readProblemReport(labId: string, reportNumber: string): Promise<Versioned<ProblemReportDocument> | null> {
  const { resource, etag } = await (await container('equipment')).item(problemReportId(reportNumber), labId).read<ProblemReportDocument>();
  return resource?.type === 'problem-report' ? { document: resource, etag } : null;
}

export function problemReportOperation(document: ProblemReportDocument, etag?: string): OperationInput {
  const resourceBody = stripSystemProperties(document) as unknown as JSONObject;
  return etag
    ? { operationType: 'Replace', id: document.id, resourceBody, ifMatch: etag, partitionKey: document.labId }
    : { operationType: 'Create', resourceBody, partitionKey: document.labId };
}

/** One lab's problem reports, newest first, one partition. */
export async function listProblemReports(query: {
  labId: string;
  status?: ProblemReport['status'] | undefined;
  pageSize: number;
  continuationToken?: string | undefined;
}): Promise<Page<ProblemReportDocument>> {
  const conditions = ['c.labId = @labId', "c.type = 'problem-report'"];
  const parameters = [{ name: '@labId', value: query.labId }];
  if (query.status) {
    conditions.push('c.status = @status');
    parameters.push({ name: '@status', value: query.status });
  }
  return queryPage<ProblemReportDocument>(
    await container('equipment'),
    { query: `SELECT * FROM c WHERE ${conditions.join(' AND ')} ORDER BY c.reportNumber DESC`, parameters },
    query.pageSize,
    query.continuationToken,
    query.labId,
  );
}
