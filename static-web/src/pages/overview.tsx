import { formatDay, parseDay } from '../../../shared/domain/periods.js';
import type { CalibrationDueItem } from '../../../shared/schemas/calibration.js';
import type { Equipment } from '../../../shared/schemas/equipment.js';
import type { Nonconformity } from '../../../shared/schemas/nonconformities.js';
import type { ComplianceReport } from '../../../shared/schemas/reports.js';
import type { ReviewList } from '../../../shared/schemas/reviews.js';
import { reviewKindWords } from '../../../shared/schemas/vocabulary.js';
import { allPages, api, query } from '../api.js';
import { Link } from '../router.js';
import { currentLab } from '../state.js';
import { ErrorMessage, FitnessBadge, formatDate, labToday, Loading, PageTitle, useLoad } from '../ui.js';

interface LabOverview {
  machines: Equipment[];
  openNonconformities: Nonconformity[];
  calibrations: CalibrationDueItem[];
  compliance: ComplianceReport;
  reviews: ReviewList;
  monthStart: string;
  today: string;
}

const retired = (status: string) => status.startsWith('Retired');
const percent = (rate: number | null) => (rate === null ? 'nothing due yet' : `${Math.round(rate * 1000) / 10} %`);
const machinePath = (labId: string, serialNumber: string) => `/equipment/${labId}/${encodeURIComponent(serialNumber)}`;

/** The four reads an assessor's first look needs, side by side: each is the list its own page shows. */
async function loadOverview(labId: string): Promise<LabOverview> {
  const today = labToday(labId);
  const monthStart = formatDay(parseDay(`${today.slice(0, 8)}01`));
  const [machines, openNonconformities, calibrations, compliance, reviews] = await Promise.all([
    allPages<Equipment>(`/api/labs/${labId}/equipment`),
    allPages<Nonconformity>(`/api/labs/${labId}/nonconformities?status=Open`),
    allPages<CalibrationDueItem>(`/api/labs/${labId}/calibrations/due?within=30`),
    api.get<ComplianceReport>(`/api/reports/compliance${query({ labId, from: monthStart, to: today })}`).then(({ body }) => body),
    api.get<ReviewList>(`/api/labs/${labId}/reviews`).then(({ body }) => body),
  ]);
  return { machines: machines.filter((machine) => !retired(machine.status)), openNonconformities, calibrations, compliance, reviews, monthStart, today };
}

/**
 * What an auditor opens on: the state of the lab in one screen (fitness for use, open
 * nonconformities, calibrations overdue or awaiting approval, PM compliance this month), each
 * linking to the page that holds the detail.
 */
export function OverviewPage() {
  const lab = currentLab.value;
  const { data, error, loading } = useLoad(() => (lab ? loadOverview(lab.labId) : Promise.reject(new Error('Choose a lab.'))), [lab?.labId]);
  if (!lab) return <PageTitle title="Overview" />;
  if (loading && !data) return <Loading what="the lab's overview" />;
  if (!data) return <ErrorMessage error={error} />;
  const notFit = data.machines.filter((machine) => machine.fitness.state === 'not fit');
  const dueSoon = data.machines.filter((machine) => machine.fitness.state === 'due soon');
  const overdue = data.calibrations.filter((item) => item.daysLeft !== null && item.daysLeft < 0);
  const awaitingApproval = data.calibrations.filter((item) => item.awaitingApproval.length > 0);
  const dueWithin30 = data.calibrations.filter((item) => item.daysLeft !== null && item.daysLeft >= 0 && item.daysLeft <= 30);
  const neverCalibrated = data.calibrations.filter((item) => item.daysLeft === null);
  const reportLink = `/reports${query({ from: data.monthStart, to: data.today })}`;
  return (
    <>
      <PageTitle title={`Overview · ${lab.name}`} />
      <div class="overview">
        <section aria-labelledby="fitness">
          <h2 id="fitness">Fitness for use</h2>
          <p class="figure">
            {data.machines.length - notFit.length} of {data.machines.length} machines fit for use
            {dueSoon.length > 0 && `, ${dueSoon.length} of them due for calibration soon`}.
          </p>
          {notFit.length > 0 && (
            <ul class="plain">
              {notFit.map((machine) => (
                <li key={machine.serialNumber}>
                  <Link href={machinePath(machine.labId, machine.serialNumber)}>{machine.serialNumber}</Link> ({machine.modelId}){' '}
                  <FitnessBadge fitness={machine.fitness} />
                </li>
              ))}
            </ul>
          )}
          <Link href="/equipment">All equipment</Link>
        </section>
        <section aria-labelledby="open-ncs">
          <h2 id="open-ncs">Open nonconformities</h2>
          <p class="figure">{data.openNonconformities.length === 0 ? 'None open.' : `${data.openNonconformities.length} open.`}</p>
          {data.openNonconformities.length > 0 && (
            <ul class="plain">
              {data.openNonconformities.map((nc) => (
                <li key={nc.ncNumber}>
                  <Link href={`/nonconformities/${nc.labId}/${nc.ncNumber}`}>{nc.ncNumber}</Link> on {nc.serialNumber}, opened{' '}
                  {formatDate(nc.openedAt, nc.labId)}
                </li>
              ))}
            </ul>
          )}
          <Link href="/nonconformities">All nonconformities</Link>
        </section>
        <section aria-labelledby="calibrations">
          <h2 id="calibrations">Calibration</h2>
          <p class="figure">
            {overdue.length} overdue, {awaitingApproval.length} awaiting approval, {dueWithin30.length} due within 30 days, {neverCalibrated.length} never
            calibrated.
          </p>
          {[...overdue, ...awaitingApproval.filter((item) => !overdue.includes(item))].length > 0 && (
            <ul class="plain">
              {[...overdue, ...awaitingApproval.filter((item) => !overdue.includes(item))].map((item) => (
                <li key={item.serialNumber}>
                  <Link href={`${machinePath(lab.labId, item.serialNumber)}/calibration`}>{item.serialNumber}</Link>:{' '}
                  {item.daysLeft !== null && item.daysLeft < 0
                    ? `overdue since ${item.calibrationDue}`
                    : `${item.awaitingApproval.join(', ')} awaiting approval`}
                </li>
              ))}
            </ul>
          )}
          <Link href="/calibration">All calibrations due</Link>
        </section>
        <section aria-labelledby="compliance">
          <h2 id="compliance">PM compliance this month</h2>
          {data.compliance.summary.length === 0 ? (
            <p class="figure">Nothing was due yet this month.</p>
          ) : (
            <ul class="plain">
              {data.compliance.summary.map((row) => (
                <li key={row.frequency}>
                  {row.frequency}: {percent(row.completionRate)} ({row.completedOnTime} on time, {row.completedLate} late, {row.missed} missed)
                </li>
              ))}
            </ul>
          )}
          <Link href={reportLink}>The compliance report from {data.monthStart}</Link>
        </section>
        <section aria-labelledby="reviews-due">
          <h2 id="reviews-due">Reviews due</h2>
          <ul class="plain">
            {data.reviews.due.map((due) => (
              <li key={due.kind}>
                {reviewKindWords[due.kind]}:{' '}
                {due.due ? <strong>due {due.lastReviewNumber ? `since ${due.nextDue}` : 'now, none signed yet'}</strong> : `next due ${due.nextDue}`}
              </li>
            ))}
          </ul>
          <Link href="/reviews">Periodic reviews</Link>
        </section>
      </div>
      <p>
        <Link href="/audit">The audit trail and its verification</Link> · <Link href="/today">The lab's checklists</Link>
      </p>
    </>
  );
}
