import type { HttpRequest } from '@azure/functions';
import { authenticate } from '../../auth/request-principal.js';
import { feedCount, feedPage, type FeedSlice } from '../../data/feed-repository.js';
import { listLabs } from '../../data/labs-repository.js';
import { InvalidContinuationToken } from '../../data/paging.js';
import { labsWhere } from '../../domain/permissions.js';
import { formatDay, localDay } from '../../domain/periods.js';
import { labTimeZone } from '../../labs/lab-today.js';
import type { RequestFacts, RequestOrigin } from '../../platform/http-pipeline.js';
import { HttpProblem } from '../../platform/problems.js';
import { integrationCaller } from '../integration-callers.js';
import { metadataXml, serviceDocument } from './csdl.js';
import { entitySetNamed, type FeedEntitySet } from './feed-model.js';
import { feedQueryOf, ODataError } from './query-options.js';

/** Rows per page unless the client asks for fewer (Prefer: odata.maxpagesize): one or two requests to Cosmos DB. */
export const feedPageRows = 1000;

/** Where the next page starts: which of the caller's labs, after which row of it, and how many rows $top still allows. */
interface FeedToken {
  lab: number;
  after: string | null;
  left: number | null;
}

const badToken = () => new ODataError(400, 'BadRequest', 'The $skiptoken is not one this feed gave out; start again from the first page.');

function decodeToken(text: string | undefined): FeedToken {
  if (!text) return { lab: 0, after: null, left: null };
  try {
    const token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as FeedToken;
    if (
      Number.isInteger(token.lab) &&
      token.lab >= 0 &&
      (token.after === null || typeof token.after === 'string') &&
      (token.left === null || Number.isInteger(token.left))
    )
      return token;
  } catch {
    // Refused below.
  }
  throw badToken();
}

const encodeToken = (token: FeedToken) => Buffer.from(JSON.stringify(token)).toString('base64url');

/**
 * The labs whose rows the caller sees: an API key's or Entra app's labs (it needs feed:read), or for a signed-in
 * person the labs where their role reads equipment (managers and auditors; company-wide roles all).
 */
async function callerLabs(request: HttpRequest, facts: RequestOrigin): Promise<string[]> {
  try {
    const key = await integrationCaller(request, 'feed:read', facts);
    const labs = key ? key.labIds : await signedInLabs(request);
    return [...labs].sort();
  } catch (error) {
    if (error instanceof HttpProblem) throw new ODataError(error.status, error.status === 401 ? 'Unauthorized' : 'Forbidden', error.detail ?? error.title);
    throw error;
  }
}

async function signedInLabs(request: HttpRequest): Promise<readonly string[]> {
  const principal = await authenticate(request);
  if (!principal)
    throw new ODataError(
      401,
      'Unauthorized',
      'Send an API key allowing feed:read in the X-Api-Key header, a Microsoft Entra access token in X-Entra-Token, or sign in.',
    );
  const readable = labsWhere(principal, 'equipment', 'read');
  if (readable === 'all') return (await listLabs()).map((lab) => lab.labId);
  if (readable.length === 0)
    throw new ODataError(403, 'Forbidden', 'Your role does not give access to the feed; managers and auditors read their labs through it.');
  return readable;
}

function preferredPageRows(request: HttpRequest): number {
  const asked = /odata\.maxpagesize=(\d{1,9})/i.exec(request.headers.get('prefer') ?? '')?.[1];
  return asked ? Math.min(feedPageRows, Math.max(1, Number(asked))) : feedPageRows;
}

export type FeedAnswer = { kind: 'json'; body: unknown } | { kind: 'xml'; body: string };

/**
 * Answers a request below /api/odata/: the service document, $metadata, or a page of an entity set.
 * Each query reads one lab's partition; a page that ends a lab goes on into the next, and the token in
 * @odata.nextLink says where the next page starts, so Power BI reads every lab by following it.
 */
export async function answerFeed(resource: string, options: Readonly<Record<string, string>>, request: HttpRequest, facts: RequestFacts): Promise<FeedAnswer> {
  const labs = await callerLabs(request, facts);
  const serviceRoot = `${facts.origin}/api/odata/`;
  if (resource === '') return { kind: 'json', body: serviceDocument(serviceRoot) };
  if (resource === '$metadata') return { kind: 'xml', body: metadataXml() };
  const set = entitySetNamed(resource);
  if (!set) throw new ODataError(404, 'NotFound', `There is no entity set ${resource}; the service document at ${serviceRoot} lists them.`);
  return { kind: 'json', body: await readSet(set, labs, options, request, serviceRoot) };
}

async function readSet(
  set: FeedEntitySet,
  labs: readonly string[],
  options: Readonly<Record<string, string>>,
  request: HttpRequest,
  serviceRoot: string,
): Promise<Record<string, unknown>> {
  const query = feedQueryOf(set, options);
  const token = decodeToken(query.skipToken);
  const sliceOf = (labId: string): FeedSlice => ({
    container: set.container,
    labId,
    conditions: [...set.conditions, ...query.conditions],
    parameters: query.parameters,
    orderPath: set.orderPath,
  });
  let left = token.left ?? query.top;
  const pageRows = Math.min(preferredPageRows(request), left ?? Number.POSITIVE_INFINITY);
  const rows: Record<string, unknown>[] = [];
  let lab = token.lab;
  let after = token.after ?? undefined;
  while (rows.length < pageRows && lab < labs.length) {
    const labId = labs[lab]!;
    const page = await feedPage(sliceOf(labId), pageRows - rows.length, after).catch((error: unknown) => {
      throw error instanceof InvalidContinuationToken ? badToken() : error;
    });
    const timeZone = await labTimeZone(labId);
    const context = { timeZone, today: formatDay(localDay(new Date(), timeZone)) };
    rows.push(...page.items.map((document) => Object.fromEntries(query.select.map((property) => [property.name, property.value(document, context)]))));
    if (page.continuationToken) {
      after = page.continuationToken;
      break;
    }
    lab += 1;
    after = undefined;
  }
  if (left !== null) left -= rows.length;
  const more = lab < labs.length && (left === null || left > 0);
  const selected = query.select.length === set.properties.length ? '' : `(${query.select.map((property) => property.name).join(',')})`;
  const body: Record<string, unknown> = { '@odata.context': `${serviceRoot}$metadata#${set.name}${selected}` };
  if (query.count) body['@odata.count'] = await countRows(labs.map(sliceOf));
  body.value = rows;
  if (more) {
    const next = new URLSearchParams(Object.entries(options).filter(([name]) => name !== '$skiptoken'));
    next.set('$skiptoken', encodeToken({ lab, after: after ?? null, left }));
    body['@odata.nextLink'] = `${serviceRoot}${set.name}?${next.toString()}`;
  }
  return body;
}

/** The rows the request matches in all the caller's labs ($top left out, as OData counts). */
async function countRows(slices: readonly FeedSlice[]): Promise<number> {
  const counts = await Promise.all(slices.map(feedCount));
  return counts.reduce((sum, count) => sum + count, 0);
}
