import type { Principal } from '../auth/principal.js';
import { allEquipmentOf, serialKey, type EquipmentDocument } from '../data/equipment-repository.js';
import { nonconformitiesOfLab, type NonconformityDocument } from '../data/nonconformity-repository.js';
import { recordsForReport, type ReportedRecord } from '../data/records-repository.js';
import { addDays, daysBetween } from '../domain/calibration-rules.js';
import { retiredStatuses } from '../domain/equipment-status.js';
import { parseDay, startOfDay } from '../domain/periods.js';
import { badRequest } from '../platform/problems.js';
import type { EquipmentStatus } from '../schemas/equipment.js';
import {
  downStatuses,
  reliabilityMaxDays,
  type ReliabilityFigures,
  type ReliabilityMachineRow,
  type ReliabilityQuery,
  type ReliabilityReport,
} from '../schemas/reliability.js';
import { pmCompliance } from './compliance.js';
import { toCsv } from './csv.js';
import { pageOfLabs, reportHeading } from './lab-pages.js';

const msPerHour = 3_600_000;

/** What counts as a failure: a fault found at a PM checklist, or a problem someone reported (SPEC §15). */
const failureSources: readonly NonconformityDocument['source'][] = ['pm-fault', 'reported'];

interface Stretch {
  status: EquipmentStatus;
  from: number;
  to: number;
}

/** The facts one machine's figures are added from, before rounding. */
interface MachineFacts {
  inLab: number;
  byStatus: Record<EquipmentStatus, number>;
  failures: number;
  repairDurations: number[];
  records: ReportedRecord[];
}

function period(asked: { from?: string | undefined; to?: string | undefined }, today: string): { from: string; to: string } {
  const to = asked.to ?? today;
  const from = asked.from ?? addDays(to, -364);
  if (from > to) throw badRequest('The report starts after it ends.', [{ field: 'from', message: `must be on or before ${to}` }]);
  if (daysBetween(from, to) + 1 > reliabilityMaxDays)
    throw badRequest(`The reliability report covers at most ${reliabilityMaxDays} days; ask for a shorter period.`, [
      { field: 'from', message: `must be at most ${reliabilityMaxDays} days before To` },
    ]);
  return { from, to };
}

/**
 * When the machine came into this lab: its registration here, or the transfer that brought it. Its
 * copy's history carries its life in earlier labs too, which other labs' reports count.
 */
function arrivedAt(machine: EquipmentDocument): number {
  const arrival = machine.history.findLast(
    (event) => (event.kind === 'registered' && event.labId === machine.labId) || (event.kind === 'transfer' && event.toLabId === machine.labId),
  );
  return Date.parse(arrival?.at ?? machine.createdAt);
}

/**
 * The machine's statuses within [start, end), from its history: each status event starts a stretch
 * that the next one ends. Retired time is left out; so is time before it came to this lab or after it
 * left.
 */
export function statusStretches(machine: EquipmentDocument, start: number, end: number): Stretch[] {
  const from = Math.max(start, arrivedAt(machine));
  const until = Math.min(end, machine.departedAt ? Date.parse(machine.departedAt) : end);
  const changes = machine.history
    .filter((event) => event.toStatus !== undefined && (event.kind === 'registered' || event.kind === 'status'))
    .map((event) => ({ at: Date.parse(event.at), status: event.toStatus! }));
  const stretches: Stretch[] = [];
  changes.forEach((change, index) => {
    const next = changes[index + 1]?.at ?? Number.POSITIVE_INFINITY;
    const clipped = { status: change.status, from: Math.max(change.at, from), to: Math.min(next, until) };
    if (clipped.to > clipped.from && !retiredStatuses.includes(change.status)) stretches.push(clipped);
  });
  return stretches;
}

function machineFacts(
  machine: EquipmentDocument,
  start: number,
  end: number,
  failures: readonly NonconformityDocument[],
  openedAt: ReadonlyMap<string, number>,
  records: readonly ReportedRecord[],
): { stretches: Stretch[]; facts: MachineFacts } {
  const stretches = statusStretches(machine, start, end);
  const byStatus = { 'In Service': 0, 'Out of Service': 0, 'Repair onsite': 0, 'Repair offsite': 0, 'Retired onsite': 0, 'Retired offsite': 0 };
  for (const stretch of stretches) byStatus[stretch.status] += stretch.to - stretch.from;
  // A repair counts in the period it ended, however long before that the machine was quarantined.
  const repairDurations = (machine.returnsToService ?? []).flatMap((back) => {
    const returned = Date.parse(back.returnedAt);
    const quarantined = Math.min(...back.nonconformities.map((ncNumber) => openedAt.get(ncNumber) ?? Number.POSITIVE_INFINITY));
    return returned >= start && returned < end && back.labId === machine.labId && Number.isFinite(quarantined) ? [returned - quarantined] : [];
  });
  return {
    stretches,
    facts: {
      inLab: stretches.reduce((sum, stretch) => sum + stretch.to - stretch.from, 0),
      byStatus,
      failures: failures.filter((nc) => nc.serialKey === machine.serialKey).length,
      repairDurations,
      records: records.filter((record) => serialKey(record.serialNumber) === machine.serialKey),
    },
  };
}

const inHours = (ms: number) => Math.round((ms / msPerHour) * 100) / 100;

/** The figures of one machine or of several added together: hours summed, MTBF and MTTR from the sums. */
function figuresOf(all: readonly MachineFacts[]): ReliabilityFigures {
  const sum = (pick: (facts: MachineFacts) => number) => all.reduce((total, facts) => total + pick(facts), 0);
  const inService = sum((facts) => facts.byStatus['In Service']);
  const failures = sum((facts) => facts.failures);
  const repairs = all.flatMap((facts) => facts.repairDurations);
  const compliance = pmCompliance(all.flatMap((facts) => facts.records));
  const down = Object.fromEntries(
    downStatuses.map((status) => [status, inHours(sum((facts) => facts.byStatus[status]))]),
  ) as ReliabilityFigures['outOfServiceHours'];
  return {
    machines: all.length,
    inLabHours: inHours(sum((facts) => facts.inLab)),
    inServiceHours: inHours(inService),
    outOfServiceHours: down,
    downHours: inHours(sum((facts) => downStatuses.reduce((total, status) => total + facts.byStatus[status], 0))),
    failures,
    mtbfHours: failures === 0 ? null : inHours(inService / failures),
    repairs: repairs.length,
    mttrHours: repairs.length === 0 ? null : inHours(repairs.reduce((total, ms) => total + ms, 0) / repairs.length),
    pmDue: compliance.due,
    pmDone: compliance.done,
    pmCompliance: compliance.rate,
  };
}

/**
 * Reliability figures (SPEC §15) per machine, per model of a lab and per lab over a period of
 * lab-local days: time out of service by status, failures, MTBF, MTTR and PM compliance, from the
 * machines' status history, their nonconformities and their PM records. Three partition queries per
 * lab, a page of labs at a time.
 */
export async function reliabilityReport(principal: Principal, query: ReliabilityQuery, now = new Date()): Promise<ReliabilityReport> {
  const page = await pageOfLabs(principal, query, now, period);
  const { from, to } = page;
  const wanted = (item: { modelId: string; serialKey: string }) =>
    (!query.modelId || item.modelId === query.modelId) && (!query.serialNumber || item.serialKey === serialKey(query.serialNumber));
  const perLab = await Promise.all(
    page.labs.map(async (labId) => {
      const timeZone = page.timeZones[labId] || 'UTC';
      const start = startOfDay(parseDay(from), timeZone).getTime();
      const end = Math.min(startOfDay(parseDay(to) + 1, timeZone).getTime(), page.now.getTime());
      const [machines, nonconformities, records] = await Promise.all([allEquipmentOf(labId), nonconformitiesOfLab(labId), recordsForReport(labId, from, to)]);
      const openedAt = new Map(nonconformities.map((nc) => [nc.ncNumber, Date.parse(nc.openedAt)]));
      const failures = nonconformities.filter((nc) => {
        const opened = Date.parse(nc.openedAt);
        return failureSources.includes(nc.source) && opened >= start && opened < end;
      });
      const rows = machines
        .filter((machine) => machine.presence !== 'arriving' && wanted(machine))
        .sort((a, b) => a.modelId.localeCompare(b.modelId) || a.serialNumber.localeCompare(b.serialNumber))
        .map((machine) => ({ machine, ...machineFacts(machine, start, end, failures, openedAt, records) }))
        // A machine that was never in the lab during the period has nothing to report.
        .filter(({ facts }) => facts.inLab > 0 || facts.failures > 0 || facts.repairDurations.length > 0);
      return { labId, rows };
    }),
  );
  return {
    ...reportHeading(principal, page),
    labFigures: perLab.map(({ labId, rows }) => ({ labId, ...figuresOf(rows.map((row) => row.facts)) })),
    models: perLab.flatMap(({ labId, rows }) =>
      [...new Set(rows.map((row) => row.machine.modelId))].map((modelId) => ({
        labId,
        modelId,
        ...figuresOf(rows.filter((row) => row.machine.modelId === modelId).map((row) => row.facts)),
      })),
    ),
    machines: perLab.flatMap(({ labId, rows }) =>
      rows.map(({ machine, facts, stretches }): ReliabilityMachineRow => ({
        labId,
        serialNumber: machine.serialNumber,
        modelId: machine.modelId,
        ...figuresOf([facts]),
        stretches: stretches.map((stretch) => ({
          status: stretch.status,
          from: new Date(stretch.from).toISOString(),
          to: new Date(stretch.to).toISOString(),
        })),
      })),
    ),
    continuationToken: page.continuationToken,
  };
}

/** The figures' columns, hours named as such; MTBF and MTTR empty when there is no figure. */
const figureColumns = [
  'machines',
  'in_lab_hours',
  'in_service_hours',
  'out_of_service_hours',
  'repair_onsite_hours',
  'repair_offsite_hours',
  'down_hours',
  'failures',
  'mtbf_hours',
  'repairs',
  'mttr_hours',
  'pm_due',
  'pm_done',
  'pm_compliance_rate',
  'pm_compliance_percent',
] as const;

const figureCells = (row: ReliabilityFigures) => [
  row.machines,
  row.inLabHours,
  row.inServiceHours,
  row.outOfServiceHours['Out of Service'],
  row.outOfServiceHours['Repair onsite'],
  row.outOfServiceHours['Repair offsite'],
  row.downHours,
  row.failures,
  row.mtbfHours,
  row.repairs,
  row.mttrHours,
  row.pmDue,
  row.pmDone,
  row.pmCompliance,
  row.pmCompliance === null ? null : Math.round(row.pmCompliance * 1000) / 10,
];

/**
 * One table of the report as CSV, each row naming its lab and the period (lab-local dates) and who
 * generated it when, as the other reports' files do.
 */
export function reliabilityCsv(report: ReliabilityReport, section: 'machines' | 'models' | 'labs'): string {
  const nameOf = (labId: string) => report.labNames[labId] ?? labId;
  const footer = [report.from, report.to, report.generatedAt, report.generatedBy.displayName, report.generatedBy.username];
  const footerColumns = ['period_from', 'period_to', 'generated_at', 'generated_by', 'generated_by_username'];
  if (section === 'labs')
    return toCsv(
      ['lab_id', 'lab_name', ...figureColumns, ...footerColumns],
      report.labFigures.map((row) => [row.labId, nameOf(row.labId), ...figureCells(row), ...footer]),
    );
  if (section === 'models')
    return toCsv(
      ['lab_id', 'lab_name', 'model_id', ...figureColumns, ...footerColumns],
      report.models.map((row) => [row.labId, nameOf(row.labId), row.modelId, ...figureCells(row), ...footer]),
    );
  return toCsv(
    ['lab_id', 'lab_name', 'serial_number', 'model_id', ...figureColumns, ...footerColumns],
    report.machines.map((row) => [row.labId, nameOf(row.labId), row.serialNumber, row.modelId, ...figureCells(row), ...footer]),
  );
}
