import type { Principal } from '../auth/principal.js';
import { nonconformitiesOfLab } from '../data/nonconformity-repository.js';
import { addDays, daysBetween } from '../domain/calibration-rules.js';
import { formatDay, localDay } from '../domain/periods.js';
import { badRequest } from '../platform/problems.js';
import { dispositions, nonconformitySources, type NonconformityReport } from '../schemas/nonconformities.js';
import type { LabPaging } from '../schemas/reports.js';
import { pageOfLabs } from './lab-pages.js';
import { toCsv } from './csv.js';

function median(values: number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Nonconformities per lab and period (SPEC §10): those opened in the period, how many are still open,
 * days to close, by source, and the dispositions their items received. One partition query per lab,
 * a page of labs at a time.
 */
export async function nonconformityReport(
  principal: Principal,
  query: { labId?: string | undefined; from?: string | undefined; to?: string | undefined } & LabPaging,
  now = new Date(),
): Promise<NonconformityReport> {
  const { labs, timeZones, from, to, continuationToken } = await pageOfLabs(principal, query, now, (asked, today) => {
    const to = asked.to ?? today;
    const from = asked.from ?? addDays(to, -364);
    if (from > to) throw badRequest('The report starts after it ends.', [{ field: 'from', message: `must be on or before ${to}` }]);
    return { from, to };
  });
  // Opened on the lab's calendar day: one opened at 21:00 in Boston belongs to that day, not the UTC one after.
  const openedOn = (labId: string, openedAt: string) => formatDay(localDay(new Date(openedAt), timeZones[labId] ?? 'UTC'));
  const inPeriod = (day: string) => day >= from && day <= to;
  const perLab = await Promise.all(
    labs.map(async (labId) => ({ labId, opened: (await nonconformitiesOfLab(labId)).filter((nc) => inPeriod(openedOn(labId, nc.openedAt))) })),
  );
  const daysToClose = (nc: { openedAt: string; closure: { at: string } | null }) =>
    nc.closure ? daysBetween(nc.openedAt.slice(0, 10), nc.closure.at.slice(0, 10)) : null;
  return {
    from,
    to,
    labs: perLab.map(({ labId, opened }) => ({
      labId,
      opened: opened.length,
      open: opened.filter((nc) => nc.status === 'Open').length,
      closed: opened.filter((nc) => nc.status === 'Closed').length,
      medianDaysToClose: median(opened.map(daysToClose).filter((days): days is number => days !== null)),
      bySource: Object.fromEntries(nonconformitySources.map((source) => [source, opened.filter((nc) => nc.source === source).length])),
      itemsByDisposition: Object.fromEntries(
        [...dispositions, 'undisposed'].map((word) => [
          word,
          opened.flatMap((nc) => nc.items).filter((item) => (item.disposition?.disposition ?? 'undisposed') === word).length,
        ]),
      ),
    })),
    nonconformities: perLab
      .flatMap(({ opened }) => opened)
      .sort((a, b) => a.labId.localeCompare(b.labId) || a.ncNumber.localeCompare(b.ncNumber))
      .map((nc) => ({
        ncNumber: nc.ncNumber,
        labId: nc.labId,
        serialNumber: nc.serialNumber,
        source: nc.source,
        openedAt: nc.openedAt,
        status: nc.status,
        closedAt: nc.closure?.at ?? null,
        daysToClose: daysToClose(nc),
        items: nc.items.length,
        undisposed: nc.items.filter((item) => !item.disposition).length,
        description: nc.description,
      })),
    continuationToken,
  };
}

export function nonconformityReportCsv(report: NonconformityReport): string {
  const columns = [
    'ncNumber',
    'labId',
    'serialNumber',
    'source',
    'openedAt',
    'status',
    'closedAt',
    'daysToClose',
    'items',
    'undisposed',
    'description',
  ] as const;
  return toCsv(
    columns,
    report.nonconformities.map((row) => columns.map((column) => row[column])),
  );
}
