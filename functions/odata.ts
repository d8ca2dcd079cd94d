import { z } from 'zod';
import { answerFeed } from '../shared/integrations/odata/feed.js';
import { ODataError } from '../shared/integrations/odata/query-options.js';
import { http } from '../shared/platform/registry.js';

const odataHeaders = { 'OData-Version': '4.0' };

http({
  name: 'odataFeed',
  methods: ['GET'],
  route: 'odata/{*resource}',
  // Callers send an API key allowing feed:read in X-Api-Key, or sign in: the feed checks which.
  access: 'public',
  summary:
    'The OData v4 feed for Power BI and Excel: the service document at odata/, odata/$metadata (CSDL), and the entity sets Labs, Equipment, PmRecords, Calibrations and Nonconformities of the caller’s labs, paged with @odata.nextLink',
  tags: ['integrations'],
  params: z.object({ resource: z.string().optional().describe('Empty for the service document, $metadata, or an entity set such as PmRecords') }),
  query: z.looseObject({
    $filter: z
      .string()
      .optional()
      .describe("Rows to return: eq, ne, gt, ge, lt, le, and, or on stored properties, e.g. Status eq 'Completed' and PeriodStart ge 2026-01-01"),
    $select: z.string().optional().describe('Comma-separated properties to return'),
    $top: z.string().optional().describe('At most this many rows in all'),
    $count: z.string().optional().describe('true to return @odata.count, the rows the request matches'),
    $skiptoken: z.string().optional().describe('Where the next page starts: taken from @odata.nextLink'),
  }),
  alsoAnswers: [400, 401, 403, 404],
  handler: async ({ params, query, ...facts }) => {
    try {
      const answer = await answerFeed(params.resource ?? '', query as Record<string, string>, facts.request, facts);
      if (answer.kind === 'xml') {
        return {
          file: { contentType: 'application/xml', fileName: 'metadata.xml', content: answer.body },
          headers: { ...odataHeaders, 'Content-Disposition': 'inline' },
        };
      }
      return { body: answer.body, headers: { ...odataHeaders, 'Content-Type': 'application/json;odata.metadata=minimal;odata.streaming=true' } };
    } catch (error) {
      // OData clients read errors in OData's own JSON format, not problem+json.
      if (!(error instanceof ODataError)) throw error;
      return {
        status: error.status,
        body: { error: { code: error.code, message: error.message } },
        headers: { ...odataHeaders, 'Content-Type': 'application/json;odata.metadata=minimal' },
      };
    }
  },
});
