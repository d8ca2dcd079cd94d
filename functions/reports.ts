import { principalOf } from '../shared/platform/http-pipeline.js';
import { http } from '../shared/platform/registry.js';
import { assertMayReport, complianceReport, reportCsv } from '../shared/reports/compliance.js';
import { calibrationReport, calibrationReportCsv } from '../shared/reports/calibration-report.js';
import { continuationHeaders } from '../shared/reports/lab-pages.js';
import { reliabilityCsv, reliabilityReport } from '../shared/reports/reliability.js';
import { calibrationReportQuerySchema, calibrationReportSchema } from '../shared/schemas/calibration.js';
import { complianceQuerySchema, complianceReportSchema } from '../shared/schemas/reports.js';
import { reliabilityQuerySchema, reliabilityReportSchema } from '../shared/schemas/reliability.js';

http({
  name: 'reportsCompliance',
  methods: ['GET'],
  route: 'reports/compliance',
  access: 'signed-in',
  summary:
    'PM compliance per lab and frequency over a period range, with the missed and overdue records; JSON or CSV (section=summary|missed). Without labId, a page of pageSize labs: follow continuationToken (in the body, or the X-Continuation-Token header of a CSV) until there is none',
  tags: ['reports'],
  query: complianceQuerySchema,
  response: complianceReportSchema,
  authorize: (input) => assertMayReport(principalOf(input), input.query.labId),
  handler: async ({ query, ...facts }) => {
    const report = await complianceReport(principalOf(facts), query);
    if (query.format !== 'csv') return { body: report };
    const section = query.section ?? 'summary';
    const fileName = `compliance-${section}-${query.labId ?? 'all-labs'}-${report.from}-to-${report.to}.csv`;
    return {
      file: { contentType: 'text/csv; charset=utf-8', fileName, content: reportCsv(report, section) },
      headers: continuationHeaders(report.continuationToken),
    };
  },
});

http({
  name: 'reportsCalibration',
  methods: ['GET'],
  route: 'reports/calibration',
  access: 'signed-in',
  summary:
    'Calibration per lab: what is due within 90 days (overdue first), the certificate register, the on-time calibration rate, out-of-tolerance findings and the machines whose interval review is due; JSON or CSV (section=due|certificates|rate|findings|interval-reviews). Without labId, a page of pageSize labs: follow continuationToken (body or X-Continuation-Token header)',
  tags: ['reports'],
  query: calibrationReportQuerySchema,
  response: calibrationReportSchema,
  authorize: (input) => assertMayReport(principalOf(input), input.query.labId),
  handler: async ({ query, ...facts }) => {
    const report = await calibrationReport(principalOf(facts), query);
    if (query.format !== 'csv') return { body: report };
    const section = query.section ?? 'due';
    const fileName = `calibration-${section}-${query.labId ?? 'all-labs'}-${report.from}-to-${report.to}.csv`;
    return {
      file: { contentType: 'text/csv; charset=utf-8', fileName, content: calibrationReportCsv(report, section) },
      headers: continuationHeaders(report.continuationToken),
    };
  },
});

http({
  name: 'reportsReliability',
  methods: ['GET'],
  route: 'reports/reliability',
  access: 'signed-in',
  summary:
    'Reliability per machine, per model and per lab over a period of at most 366 lab-local days (default the last 365): hours out of service by status, failures (nonconformities from PM faults and reported problems), MTBF and MTTR in hours (null without a failure or a repair), PM compliance as the compliance report computes it; filter by modelId or serialNumber; JSON or CSV (section=machines|models|labs). Without labId, a page of pageSize labs: follow continuationToken (body or X-Continuation-Token header)',
  tags: ['reports'],
  query: reliabilityQuerySchema,
  response: reliabilityReportSchema,
  authorize: (input) => assertMayReport(principalOf(input), input.query.labId),
  handler: async ({ query, ...facts }) => {
    const report = await reliabilityReport(principalOf(facts), query);
    if (query.format !== 'csv') return { body: report };
    const section = query.section ?? 'machines';
    const fileName = `reliability-${section}-${query.labId ?? 'all-labs'}-${report.from}-to-${report.to}.csv`;
    return {
      file: { contentType: 'text/csv; charset=utf-8', fileName, content: reliabilityCsv(report, section) },
      headers: continuationHeaders(report.continuationToken),
    };
  },
});
