import { z } from 'zod';
import { actorOf, type Principal } from '../auth/principal.js';
import { listLabs } from '../data/labs-repository.js';
import { labsWhere } from '../domain/permissions.js';
import { latestLabToday } from '../labs/lab-today.js';
import { badRequest, notFound } from '../platform/problems.js';
import { defaultLabsPerPage, type LabPaging } from '../schemas/reports.js';

/**
 * The labs one request of a report covers (SPEC §13): one lab when asked, otherwise a page of the labs
 * the caller may report on, in lab order, so a company of a thousand labs is reported page by page and
 * no request reads more than a page of labs' data. The token names the last lab reported and keeps
 * the period and the report's time, so the pages add up to one report even across a midnight.
 */

const tokenSchema = z.object({ after: z.string(), from: z.string(), to: z.string(), generatedAt: z.string().datetime() });
type Token = z.infer<typeof tokenSchema>;

const invalidToken = () =>
  badRequest('The continuation token is not one this report gave out; ask for the report again from its first page.', [
    { field: 'continuationToken', message: 'is not a valid report token' },
  ]);

function readToken(token: string): Token {
  try {
    return tokenSchema.parse(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')));
  } catch {
    throw invalidToken();
  }
}

/**
 * The lab asked for, or every lab the caller may report on, with their names and time zones, and
 * the latest of their todays (where a report ends unless told); 404 for a lab that does not exist.
 */
export async function labsToReport(
  principal: Principal,
  labId: string | undefined,
  now: Date,
): Promise<{ labs: string[]; labNames: Record<string, string>; timeZones: Record<string, string>; today: string }> {
  const readable = labsWhere(principal, 'audit', 'read');
  const allLabs = await listLabs();
  const known = allLabs.map((lab) => lab.labId);
  if (labId && !known.includes(labId)) throw notFound(`There is no lab ${labId}.`);
  const labs = labId ? [labId] : known.filter((candidate) => readable === 'all' || readable.includes(candidate));
  const reported = allLabs.filter((lab) => labs.includes(lab.labId));
  return {
    labs,
    labNames: Object.fromEntries(reported.map((lab) => [lab.labId, lab.name])),
    timeZones: Object.fromEntries(reported.map((lab) => [lab.labId, lab.timeZone])),
    today: latestLabToday(
      reported.map((lab) => lab.timeZone),
      now,
    ),
  };
}

export interface LabPage {
  labs: string[];
  labNames: Record<string, string>;
  timeZones: Record<string, string>;
  from: string;
  to: string;
  /** The report's time: the first page's, on every page. */
  now: Date;
  continuationToken: string | null;
}

/**
 * One page of labs for a report whose period defaults from the labs' latest today (`period`). A
 * continuation keeps the first page's period; a period given again must be the same one.
 */
export async function pageOfLabs(
  principal: Principal,
  query: { labId?: string | undefined; from?: string | undefined; to?: string | undefined } & LabPaging,
  now: Date,
  period: (query: { from?: string | undefined; to?: string | undefined }, today: string) => { from: string; to: string },
): Promise<LabPage> {
  const token = query.continuationToken ? readToken(query.continuationToken) : null;
  if (token && ((query.from && query.from !== token.from) || (query.to && query.to !== token.to))) {
    throw badRequest('The continuation token belongs to the same report over another period; ask for the report again from its first page.', [
      { field: 'continuationToken', message: `is for ${token.from} to ${token.to}` },
    ]);
  }
  const at = token ? new Date(token.generatedAt) : now;
  const { labs, labNames, timeZones, today } = await labsToReport(principal, query.labId, at);
  const { from, to } = token ?? period(query, today);
  const pageSize = query.labId ? 1 : (query.pageSize ?? defaultLabsPerPage);
  const ordered = [...labs].sort();
  const remaining = token ? ordered.filter((labId) => labId > token.after) : ordered;
  const page = remaining.slice(0, pageSize);
  const pick = (all: Record<string, string>) => Object.fromEntries(page.map((labId) => [labId, all[labId] ?? '']));
  const more = remaining.length > page.length;
  return {
    labs: page,
    labNames: pick(labNames),
    timeZones: pick(timeZones),
    from,
    to,
    now: at,
    continuationToken: more
      ? Buffer.from(JSON.stringify({ after: page.at(-1)!, from, to, generatedAt: at.toISOString() } satisfies Token)).toString('base64url')
      : null,
  };
}

/** What every company-wide report opens with (`reportHeadingShape`), for this page of labs. */
export function reportHeading(principal: Principal, page: LabPage) {
  return {
    from: page.from,
    to: page.to,
    generatedAt: page.now.toISOString(),
    generatedBy: actorOf(principal),
    labs: page.labs,
    labNames: page.labNames,
  };
}

/**
 * A CSV page carries the next page's token in a header, since the file itself has no room for it;
 * each page is a whole CSV (with its header row) that the web app joins to the others.
 */
export const continuationHeader = 'X-Continuation-Token';

export function continuationHeaders(token: string | null): Record<string, string> {
  return token ? { [continuationHeader]: token } : {};
}
