import type { Principal } from '../auth/principal.js';
import { dueItems } from '../calibration/calibrations.js';
import { intervalReviewOf } from '../calibration/interval-review.js';
import { currentPlan } from '../domain/machine-lifecycle.js';
import { calibrationsOfLab, type CalibrationDocument } from '../data/calibration-repository.js';
import { allEquipmentOf, type EquipmentDocument } from '../data/equipment-repository.js';
import { addDays } from '../domain/calibration-rules.js';
import { formatDay, localDay } from '../domain/periods.js';
import { badRequest } from '../platform/problems.js';
import { pageOfLabs, reportHeading } from './lab-pages.js';
import type { CalibrationReport, CalibrationReportQuery } from '../schemas/calibration.js';
import { toCsv, type Cell } from './csv.js';

/** How far ahead the report's due list looks: a quarter, for planning. */
const dueWithinDays = 90;

/**
 * An approved passing calibration is on time when it is the machine's first, or was performed by the
 * previous approved one's due date plus the plan's grace.
 */
function onTimeRate(
  labId: string,
  machines: readonly EquipmentDocument[],
  calibrations: readonly CalibrationDocument[],
  from: string,
  to: string,
): CalibrationReport['rate'][number] {
  const graceOf = new Map(machines.map((machine) => [machine.serialKey, currentPlan(machine.calibration)?.graceDays ?? 0]));
  const approved = calibrations
    .filter((event) => event.status === 'Approved' && event.result !== 'Fail')
    .sort((a, b) => a.performedOn.localeCompare(b.performedOn));
  let onTime = 0;
  let late = 0;
  approved.forEach((event, index) => {
    if (event.performedOn < from || event.performedOn > to) return;
    const previous = approved
      .slice(0, index)
      .filter((earlier) => earlier.serialKey === event.serialKey)
      .at(-1);
    if (!previous?.nextDue || event.performedOn <= addDays(previous.nextDue, graceOf.get(event.serialKey) ?? 0)) onTime++;
    else late++;
  });
  return { labId, approved: onTime + late, onTime, late, onTimeRate: onTime + late ? onTime / (onTime + late) : null };
}

/**
 * The calibration report (SPEC §9): what is due, the certificate register, the on-time rate and the
 * out-of-tolerance findings, per lab the caller may report on, a page of labs at a time; two
 * partition queries per lab.
 */
export async function calibrationReport(principal: Principal, query: CalibrationReportQuery, now = new Date()): Promise<CalibrationReport> {
  const page = await pageOfLabs(principal, query, now, (asked, latestToday) => {
    const to = asked.to ?? latestToday;
    const from = asked.from ?? addDays(to, -364);
    if (from > to) throw badRequest('The report starts after it ends.', [{ field: 'from', message: `must be on or before ${to}` }]);
    return { from, to };
  });
  const { labs, timeZones, from, to } = page;
  const perLab = await Promise.all(
    labs.map(async (labId) => {
      const [machines, calibrations] = await Promise.all([allEquipmentOf(labId), calibrationsOfLab(labId)]);
      const today = formatDay(localDay(page.now, timeZones[labId] ?? 'UTC'));
      return {
        labId,
        machines,
        calibrations: calibrations.sort((a, b) => a.performedOn.localeCompare(b.performedOn) || a.calibrationNumber.localeCompare(b.calibrationNumber)),
        today,
      };
    }),
  );
  const inPeriod = (event: CalibrationDocument) => event.performedOn >= from && event.performedOn <= to;
  return {
    ...reportHeading(principal, page),
    due: perLab.flatMap(({ labId, machines, today }) => dueItems(machines, today, dueWithinDays).map((item) => ({ labId, ...item }))),
    certificates: perLab.flatMap(({ labId, calibrations }) =>
      calibrations.filter(inPeriod).map((event) => ({
        labId,
        serialNumber: event.serialNumber,
        calibrationNumber: event.calibrationNumber,
        performedOn: event.performedOn,
        kind: event.kind,
        provider: event.provider?.name ?? null,
        accreditation: event.provider ? `${event.provider.accreditationBody} ${event.provider.accreditationNumber}` : null,
        certificateNumber: event.certificateNumber,
        certificateFiles: (event.certificates ?? []).map((file) => `${file.certificateId}: ${file.fileName} sha256 ${file.sha256}`),
        result: event.result,
        status: event.status,
      })),
    ),
    rate: perLab.map(({ labId, machines, calibrations }) => onTimeRate(labId, machines, calibrations, from, to)),
    findings: perLab.flatMap(({ labId, calibrations }) =>
      calibrations
        .filter((event) => inPeriod(event) && (event.outOfTolerance || event.result === 'Fail'))
        .map((event) => ({
          labId,
          serialNumber: event.serialNumber,
          calibrationNumber: event.calibrationNumber,
          performedOn: event.performedOn,
          result: event.result,
          outOfTolerance: event.outOfTolerance,
          points: event.points.flatMap((point) =>
            [point.asFoundResult, point.asLeftResult].filter((verdict) => verdict && !verdict.pass).map((verdict) => `${point.name}: ${verdict!.why}`),
          ),
          status: event.status,
        })),
    ),
    intervalReviews: perLab.flatMap(({ machines, calibrations }) => intervalReviewsDue(machines, calibrations)),
    continuationToken: page.continuationToken,
  };
}

/** The lab's machines whose interval review is due, by serial number. */
function intervalReviewsDue(machines: readonly EquipmentDocument[], calibrations: readonly CalibrationDocument[]): CalibrationReport['intervalReviews'] {
  const bySerial = new Map<string, CalibrationDocument[]>();
  for (const event of calibrations) {
    const ofMachine = bySerial.get(event.serialKey);
    if (ofMachine) ofMachine.push(event);
    else bySerial.set(event.serialKey, [event]);
  }
  return machines
    .filter((machine) => machine.presence !== 'departed')
    .map((machine) => ({ machine, review: intervalReviewOf(machine, bySerial.get(machine.serialKey) ?? []) }))
    .filter(({ review }) => review.due)
    .map(({ machine, review }) => ({
      labId: machine.labId,
      serialNumber: machine.serialNumber,
      modelId: machine.modelId,
      currentIntervalDays: review.currentIntervalDays!,
      recommendedIntervalDays: review.recommendedIntervalDays!,
      calibrations: review.history.map((step) => step.calibrationNumber),
      outOfTolerance: review.history.filter((step) => step.outOfTolerance).length,
      lastDecidedOn: review.lastDecision?.signature.signedAt ?? null,
    }))
    .sort((a, b) => a.serialNumber.localeCompare(b.serialNumber));
}

export const calibrationReportColumns = {
  due: ['lab_id', 'lab_name', 'serial_number', 'model_id', 'status', 'calibration_due', 'days_left', 'fitness', 'fitness_reasons', 'awaiting_approval'],
  certificates: [
    'lab_id',
    'lab_name',
    'serial_number',
    'calibration_number',
    'performed_on',
    'kind',
    'provider',
    'accreditation',
    'certificate_number',
    'certificate_files',
    'result',
    'status',
  ],
  rate: ['lab_id', 'lab_name', 'approved', 'on_time', 'late', 'on_time_rate', 'on_time_rate_percent'],
  findings: ['lab_id', 'lab_name', 'serial_number', 'calibration_number', 'performed_on', 'result', 'out_of_tolerance', 'points_outside_limits', 'status'],
  'interval-reviews': [
    'lab_id',
    'lab_name',
    'serial_number',
    'model_id',
    'current_interval_days',
    'recommended_interval_days',
    'calibrations_since_last_review',
    'out_of_tolerance',
    'last_decided_at',
  ],
} as const;

/** Every row also names the period and who generated the file when, as the compliance report's do. */
const trailer = ['period_from', 'period_to', 'generated_at', 'generated_by', 'generated_by_username'] as const;

export function calibrationReportCsv(report: CalibrationReport, section: keyof typeof calibrationReportColumns): string {
  const name = (labId: string) => report.labNames[labId] ?? '';
  const tail: Cell[] = [report.from, report.to, report.generatedAt, report.generatedBy.displayName, report.generatedBy.username];
  const rows: Cell[][] = {
    due: () =>
      report.due.map((item) => [
        item.labId,
        name(item.labId),
        item.serialNumber,
        item.modelId,
        item.status,
        item.calibrationDue,
        item.daysLeft,
        item.fitness.state,
        item.fitness.reasons.join('; '),
        item.awaitingApproval.join('; '),
      ]),
    certificates: () =>
      report.certificates.map((row) => [
        row.labId,
        name(row.labId),
        row.serialNumber,
        row.calibrationNumber,
        row.performedOn,
        row.kind,
        row.provider,
        row.accreditation,
        row.certificateNumber,
        row.certificateFiles.join('; '),
        row.result,
        row.status,
      ]),
    rate: () =>
      report.rate.map((row) => [
        row.labId,
        name(row.labId),
        row.approved,
        row.onTime,
        row.late,
        row.onTimeRate,
        row.onTimeRate === null ? null : Math.round(row.onTimeRate * 1000) / 10,
      ]),
    findings: () =>
      report.findings.map((row) => [
        row.labId,
        name(row.labId),
        row.serialNumber,
        row.calibrationNumber,
        row.performedOn,
        row.result,
        row.outOfTolerance,
        row.points.join('; '),
        row.status,
      ]),
    'interval-reviews': () =>
      report.intervalReviews.map((row) => [
        row.labId,
        name(row.labId),
        row.serialNumber,
        row.modelId,
        row.currentIntervalDays,
        row.recommendedIntervalDays,
        row.calibrations.join('; '),
        row.outOfTolerance,
        row.lastDecidedOn,
      ]),
  }[section]();
  return toCsv(
    [...calibrationReportColumns[section], ...trailer],
    rows.map((row) => [...row, ...tail]),
  );
}
