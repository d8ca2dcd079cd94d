import type { Principal } from '../auth/principal.js';
import { recordsForReport, type ReportedRecord } from '../data/records-repository.js';
import { labsWhere } from '../domain/permissions.js';
import { badRequest, forbidden } from '../platform/problems.js';
import { recordFrequencies } from '../schemas/catalog.js';
import { formatDay, parseDay, periodStartOf } from '../domain/periods.js';
import type { ComplianceQuery, ComplianceReport, ComplianceRow, MissedRow, TrendPoint } from '../schemas/reports.js';
import { toCsv } from './csv.js';
import { pageOfLabs, reportHeading } from './lab-pages.js';

/** A record that needs a second signature counts as done only once it has it. */
function done(record: ReportedRecord): boolean {
  return record.status === 'Completed' && (!record.needsVerification || Boolean(record.verification));
}

/**
 * PM compliance of any set of records, the one definition every report uses: what was due is what
 * was completed, awaits its second signature, or was missed; done is completed (and verified where
 * needed). The rate is done ÷ due, null while nothing was due.
 */
export function pmCompliance(records: readonly ReportedRecord[]): { due: number; done: number; rate: number | null } {
  const completed = records.filter(done).length;
  const awaiting = records.filter((record) => record.status === 'Completed' && !done(record)).length;
  const missed = records.filter((record) => record.status === 'Missed').length;
  const due = completed + awaiting + missed;
  return { due, done: completed, rate: due === 0 ? null : Math.round((completed / due) * 10_000) / 10_000 };
}

/**
 * The figures of one lab per frequency, from its records: completed on time or late, missed (and how
 * many of those a manager justified), cancelled, still open, and the completion rate over what was due.
 */
export function summarize(labId: string, records: readonly ReportedRecord[]): ComplianceRow[] {
  return recordFrequencies.flatMap((frequency) => {
    const ofFrequency = records.filter((record) => record.frequency === frequency);
    if (ofFrequency.length === 0) return [];
    const count = (test: (record: ReportedRecord) => boolean) => ofFrequency.filter(test).length;
    const completedOnTime = count((record) => done(record) && !record.late);
    const completedLate = count((record) => done(record) && record.late);
    const awaitingVerification = count((record) => record.status === 'Completed' && !done(record));
    const missed = count((record) => record.status === 'Missed');
    return [
      {
        labId,
        frequency,
        total: ofFrequency.length,
        completedOnTime,
        completedLate,
        awaitingVerification,
        missed,
        missedJustified: count((record) => record.status === 'Missed' && record.justification !== null),
        cancelled: count((record) => record.status === 'Cancelled'),
        open: count((record) => record.status === 'Open'),
        completionRate: pmCompliance(ofFrequency).rate,
      },
    ];
  });
}

/**
 * Completion rate over time, for the chart per lab and frequency: checklists of a day or a week per
 * ISO week, those of a month or longer per month (a per-week chart of monthly checklists is one dot
 * a month with empty weeks between), each by the day its period starts on; buckets with nothing
 * due have no rate.
 */
export function completionTrend(labId: string, records: readonly ReportedRecord[]): TrendPoint[] {
  const buckets = new Map<
    string,
    { frequency: ReportedRecord['frequency']; per: TrendPoint['per']; start: string; completed: number; missed: number; awaiting: number }
  >();
  for (const record of records) {
    const per = record.frequency === 'Daily' || record.frequency === 'Weekly' ? 'week' : 'month';
    const start = formatDay(periodStartOf(per === 'week' ? 'Weekly' : 'Monthly', parseDay(record.periodStart)));
    const key = `${record.frequency}|${start}`;
    const bucket = buckets.get(key) ?? { frequency: record.frequency, per, start, completed: 0, missed: 0, awaiting: 0 };
    if (done(record)) bucket.completed += 1;
    if (record.status === 'Missed') bucket.missed += 1;
    // Awaiting its second signature, a record is due and not yet done.
    if (record.status === 'Completed' && !done(record)) bucket.awaiting += 1;
    buckets.set(key, bucket);
  }
  return [...buckets.values()]
    .sort((a, b) => recordFrequencies.indexOf(a.frequency) - recordFrequencies.indexOf(b.frequency) || a.start.localeCompare(b.start))
    .map(({ awaiting, ...bucket }) => ({
      labId,
      ...bucket,
      completionRate:
        bucket.completed + awaiting + bucket.missed === 0
          ? null
          : Math.round((bucket.completed / (bucket.completed + awaiting + bucket.missed)) * 10_000) / 10_000,
    }));
}

/** Missed records, and Open ones already past their due time, oldest first. */
export function missedAndOverdue(labId: string, records: readonly ReportedRecord[], now: Date): MissedRow[] {
  return records
    .filter((record) => record.status === 'Missed' || (record.status === 'Open' && Date.parse(record.dueEnd) <= now.getTime()))
    .sort((a, b) => a.dueEnd.localeCompare(b.dueEnd) || a.recordNumber.localeCompare(b.recordNumber))
    .map((record) => ({
      labId,
      recordNumber: record.recordNumber,
      serialNumber: record.serialNumber,
      modelId: record.modelId,
      frequency: record.frequency,
      periodStart: record.periodStart,
      dueEnd: record.dueEnd,
      status: record.status === 'Missed' ? 'Missed' : 'Overdue',
      justification: record.justification?.reason ?? null,
      justifiedBy: record.justification?.by.displayName ?? null,
      justifiedByUsername: record.justification?.by.username ?? null,
      justifiedAt: record.justification?.at ?? null,
    }));
}

export function assertMayReport(principal: Principal, labId: string | undefined): void {
  const readable = labsWhere(principal, 'audit', 'read');
  if (readable !== 'all' && readable.length === 0) throw forbidden('Your role does not give access to reports.');
  if (labId && readable !== 'all' && !readable.includes(labId)) throw forbidden(`You cannot see reports of ${labId}.`);
}

function dateRange(query: { from?: string | undefined; to?: string | undefined }, today: string): { from: string; to: string } {
  const to = query.to ?? today;
  const from = query.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
  if (from > to) throw badRequest('The report starts after it ends.', [{ field: 'from', message: `must be on or before ${to}` }]);
  return { from, to };
}

/**
 * The compliance report (SPEC §6) of one lab, or of a page of the labs the caller may report on: one
 * partition query per lab, aggregated here, so it stays cheap at a year of a 200-machine lab and a
 * request never reads more than a page of labs.
 */
export async function complianceReport(principal: Principal, query: ComplianceQuery, now = new Date()): Promise<ComplianceReport> {
  const page = await pageOfLabs(principal, query, now, dateRange);
  const { from, to } = page;
  const perLab = await Promise.all(page.labs.map(async (labId) => ({ labId, records: await recordsForReport(labId, from, to) })));
  return {
    ...reportHeading(principal, page),
    summary: perLab.flatMap(({ labId, records }) => summarize(labId, records)),
    missed: perLab.flatMap(({ labId, records }) => missedAndOverdue(labId, records, page.now)),
    trend: perLab.flatMap(({ labId, records }) => completionTrend(labId, records)),
    continuationToken: page.continuationToken,
  };
}

/**
 * Every row names its lab, the period and who generated the file when, so a CSV read on its own (or
 * appended to others in Power BI) still says what it is. `completion_rate` is a fraction from 0 to 1;
 * `completion_rate_percent` is the same as a percentage, as the app shows it.
 */
export const summaryColumns = [
  'lab_id',
  'lab_name',
  'period_from',
  'period_to',
  'frequency',
  'total',
  'completed_on_time',
  'completed_late',
  'awaiting_verification',
  'missed',
  'missed_justified',
  'cancelled',
  'open',
  'completion_rate',
  'completion_rate_percent',
  'generated_at',
  'generated_by',
  'generated_by_username',
] as const;
export const missedColumns = [
  'lab_id',
  'lab_name',
  'record_number',
  'serial_number',
  'model_id',
  'frequency',
  'period_start',
  'due_end',
  'status',
  'justification',
  'justified_by',
  'justified_by_username',
  'justified_at',
  'period_from',
  'period_to',
  'generated_at',
  'generated_by',
  'generated_by_username',
] as const;

export function reportCsv(report: ComplianceReport, section: 'summary' | 'missed'): string {
  const nameOf = (labId: string) => report.labNames[labId] ?? labId;
  const footer = [report.generatedAt, report.generatedBy.displayName, report.generatedBy.username];
  if (section === 'missed') {
    return toCsv(
      missedColumns,
      report.missed.map((row) => [
        row.labId,
        nameOf(row.labId),
        row.recordNumber,
        row.serialNumber,
        row.modelId,
        row.frequency,
        row.periodStart,
        row.dueEnd,
        row.status,
        row.justification,
        row.justifiedBy,
        row.justifiedByUsername,
        row.justifiedAt,
        report.from,
        report.to,
        ...footer,
      ]),
    );
  }
  return toCsv(
    summaryColumns,
    report.summary.map((row) => [
      row.labId,
      nameOf(row.labId),
      report.from,
      report.to,
      row.frequency,
      row.total,
      row.completedOnTime,
      row.completedLate,
      row.awaitingVerification,
      row.missed,
      row.missedJustified,
      row.cancelled,
      row.open,
      row.completionRate,
      row.completionRate === null ? null : Math.round(row.completionRate * 1000) / 10,
      ...footer,
    ]),
  );
}
