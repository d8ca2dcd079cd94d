import type { EquipmentEvent } from '../../../shared/schemas/equipment.js';
import type { EquipmentHistory } from '../../../shared/schemas/equipment-history.js';
import { api } from '../api.js';
import { historyPeriod } from '../history-period.js';
import { Link } from '../router.js';
import { may, session } from '../state.js';
import type { PmRecord } from '../../../shared/schemas/records.js';
import { Badge, ErrorMessage, FitnessBadge, formatDateTime, labLabel, Loading, PageTitle, PrintHeader, useLoad } from '../ui.js';
import { CompletedView } from './record.js';
import { ncPage } from '../components/nonconformity-paths.js';
import { RecordStatusBadge } from '../components/record-status.js';
import { ReportFaultButton } from '../components/report-fault.js';
import { ReliabilityChart } from '../components/reliability-chart.js';

function describeEvent(event: EquipmentEvent): string {
  switch (event.kind) {
    case 'registered':
      return `Registered in ${labLabel(event.labId)}${event.toStatus ? ` as ${event.toStatus}` : ''}`;
    case 'status':
      return `Status ${event.fromStatus} → ${event.toStatus}`;
    case 'model':
      return `Model ${event.fromModelId} → ${event.toModelId}`;
    case 'transfer':
      return `Transferred from ${labLabel(event.fromLabId ?? '?')} to ${labLabel(event.toLabId ?? '?')}`;
  }
}

/** Who signed, as the table and the print say it; an imported record names its completer and says it has no e-signature. */
function signedBy(record: PmRecord): string {
  if (record.signature)
    return `${record.signature.meaning} ${record.signature.displayName} (${record.signature.username}), ${formatDateTime(record.signature.signedAt, record.labId)}`;
  if (record.completedBy) {
    const at = record.completedAt ? `, ${formatDateTime(record.completedAt, record.labId)}` : '';
    return `Completed by ${record.completedBy.displayName} (${record.completedBy.username})${at}; imported from the old system, without an electronic signature`;
  }
  return '—';
}

/** Everything the page prints, from its first date to its last. */
function printedPeriod(history: EquipmentHistory): string {
  const { from, to } = historyPeriod(history, (labId) => session.value?.labs.find((lab) => lab.labId === labId)?.timeZone ?? 'UTC');
  return `${from} to ${to}, the machine's whole history`;
}

/** A record as the printed history gives it: every answer, note, amendment, signature and justification. */
function RecordInFull(props: { record: PmRecord }) {
  const { record } = props;
  return (
    <section class="record-in-full" aria-label={`Record ${record.recordNumber}`}>
      <h3>
        {record.recordNumber} · {record.frequency} PM of {record.periodStart} · {record.status}
        {record.late && record.status === 'Completed' && ', late'}
      </h3>
      <p>
        {labLabel(record.labId)}; model {record.modelId} (version {record.modelVersion}); due by {formatDateTime(record.dueEnd, record.labId)}
      </p>
      {record.status === 'Completed' && <CompletedView record={record} />}
      {record.justification && (
        <p>
          <strong>Justification:</strong> {record.justification.reason} ({record.justification.signature ? `${record.justification.signature.meaning} ` : ''}
          {record.justification.by.displayName}, {formatDateTime(record.justification.at, record.labId)})
        </p>
      )}
      {record.cancelReason && (
        <p>
          <strong>Cancelled:</strong> {record.cancelReason}
        </p>
      )}
    </section>
  );
}

/** The marks beside a calibration or nonconformity whose files storage no longer holds as recorded. */
function EvidenceMarks(props: { problems: EquipmentHistory['evidenceProblems']; recordNumber: string }) {
  const own = props.problems.filter((problem) => problem.recordNumber === props.recordNumber);
  return (
    <>
      {own.map((problem) => (
        <strong key={`${problem.kind}-${problem.fileId}`} class="evidence-problem" title={problem.reason}>
          {' '}
          ⚠ {problem.kind} {problem.fileId} ({problem.fileName}) {problem.found === 'missing' ? 'missing from storage' : 'altered in storage'}
        </strong>
      ))}
    </>
  );
}

/** ISO/IEC 17025 §6.4.13: one machine's life and every PM record it had, in every lab. */
export function EquipmentHistoryPage(props: { labId: string; serialNumber: string }) {
  const base = `/api/labs/${props.labId}/equipment/${encodeURIComponent(props.serialNumber)}/history`;
  const { data, error, loading } = useLoad(() => api.get<EquipmentHistory>(base).then(({ body }) => body), [base]);
  if (loading && !data) return <Loading what="the history" />;
  if (!data) return <ErrorMessage error={error} />;
  const { equipment } = data;
  return (
    <>
      <PrintHeader
        title={`Equipment history · ${equipment.serialNumber}`}
        labIds={[...new Set([equipment.labId, ...data.records.map((record) => record.labId)])]}
        period={printedPeriod(data)}
      />
      <PageTitle title={`History · ${equipment.serialNumber}`}>
        <a class="button secondary" href={`${base}?format=csv&section=records`} download>
          Records as CSV
        </a>
        <a class="button secondary" href={`${base}?format=csv&section=events`} download>
          Events as CSV
        </a>
        <a class="button secondary" href={`${base}?format=csv&section=calibrations`} download>
          Calibrations as CSV
        </a>
        <a class="button secondary" href={`${base}?format=csv&section=nonconformities`} download>
          Nonconformities as CSV
        </a>
        <button type="button" class="secondary" onClick={() => print()}>
          Print
        </button>
        <ReportFaultButton labId={equipment.labId} serialNumber={equipment.serialNumber} />
      </PageTitle>
      {data.evidenceProblems.length > 0 && (
        <p class="alert error">
          {data.evidenceProblems.length === 1
            ? 'One certificate or photo of this machine is'
            : `${data.evidenceProblems.length} certificates or photos of this machine are`}{' '}
          not in storage as recorded at upload; each is marked below, and the audit verification lists them. Tell your administrator.
        </p>
      )}
      <dl class="facts">
        <dt>Lab</dt>
        <dd>{labLabel(equipment.labId)}</dd>
        <dt>Model</dt>
        <dd>{equipment.modelId}</dd>
        <dt>Status</dt>
        <dd>
          <Badge status={equipment.status} />
        </dd>
        <dt>Registered</dt>
        <dd>{formatDateTime(equipment.createdAt, equipment.labId)}</dd>
        <dt>Fit for use</dt>
        <dd>
          <FitnessBadge fitness={equipment.fitness} />{' '}
          <Link href={`/equipment/${equipment.labId}/${encodeURIComponent(equipment.serialNumber)}/calibration`}>Calibration</Link>
        </dd>
      </dl>
      {/* Reliability figures are a report: read by those who read the lab's reports. */}
      {may('audit', 'read') && (
        <>
          <h2>Reliability over the last year</h2>
          <ReliabilityChart labId={equipment.labId} serialNumber={equipment.serialNumber} />
        </>
      )}
      <h2>Events</h2>
      <ol class="timeline">
        {data.events.map((event, index) => (
          <li key={index}>
            <time dateTime={event.at}>{formatDateTime(event.at, event.labId)}</time> {describeEvent(event)}
            {event.reason && `: ${event.reason}`}
            {event.by && <span class="by"> by {event.by.displayName}</span>}
          </li>
        ))}
      </ol>
      <h2>Nonconformities</h2>
      {data.nonconformities.length === 0 ? (
        <p class="empty">No nonconformity raised.</p>
      ) : (
        <ul>
          {data.nonconformities.map((nc) => (
            <li key={nc.ncNumber}>
              <Link href={ncPage(nc.labId, nc.ncNumber)}>{nc.ncNumber}</Link> · {nc.status} · {formatDateTime(nc.openedAt, nc.labId)} · {nc.description}
              {nc.actions.length > 0 && ` · ${nc.actions.length} repair ${nc.actions.length === 1 ? 'entry' : 'entries'}`}
              <EvidenceMarks problems={data.evidenceProblems} recordNumber={nc.ncNumber} />
            </li>
          ))}
        </ul>
      )}
      {data.returnsToService.length > 0 && (
        <>
          <h2>Returns to service</h2>
          <ul>
            {data.returnsToService.map((returned) => (
              <li key={returned.returnedAt}>
                {formatDateTime(returned.returnedAt, returned.labId)} · after {returned.nonconformities.join(', ')} ·{' '}
                {returned.calibrationNumber
                  ? `calibration ${returned.calibrationNumber}`
                  : returned.checks.length
                    ? `${returned.checks.length} checks`
                    : 'no checks asked'}{' '}
                · {returned.signature.meaning} {returned.signature.displayName}
              </li>
            ))}
          </ul>
        </>
      )}
      <h2>Calibrations</h2>
      {data.calibrations.length === 0 ? (
        <p class="empty">No calibrations recorded.</p>
      ) : (
        <div class="table-box">
          <table class="responsive">
            <thead>
              <tr>
                <th scope="col">Calibration</th>
                <th scope="col">Performed</th>
                <th scope="col">Result</th>
                <th scope="col">Status</th>
                <th scope="col">Next due</th>
              </tr>
            </thead>
            <tbody>
              {data.calibrations.map((calibration) => (
                <tr key={calibration.calibrationNumber}>
                  <td data-label="Calibration">
                    {calibration.calibrationNumber}
                    <EvidenceMarks problems={data.evidenceProblems} recordNumber={calibration.calibrationNumber} />
                  </td>
                  <td data-label="Performed">
                    {calibration.performedOn}, {calibration.kind === 'external' ? calibration.provider?.name : labLabel(calibration.labId)}
                  </td>
                  <td data-label="Result">
                    {calibration.result}
                    {calibration.outOfTolerance && ', out of tolerance'}
                  </td>
                  <td data-label="Status">{calibration.status}</td>
                  <td data-label="Next due">{calibration.nextDue ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data.calibrationPlans.length > 0 && (
        <p>
          Calibration plan: version {data.calibrationPlans.at(-1)!.version}
          {data.calibrationPlans.length > 1 &&
            ` (${data.calibrationPlans.length - 1} earlier version${data.calibrationPlans.length === 2 ? '' : 's'} kept)`} ·{' '}
          <Link href={`/equipment/${equipment.labId}/${encodeURIComponent(equipment.serialNumber)}/calibration`}>Calibration page</Link>
        </p>
      )}
      <h2>PM records</h2>
      {data.records.length === 0 ? (
        <p class="empty">No PM records yet.</p>
      ) : (
        <div class="table-box screen-only">
          <table class="responsive">
            <thead>
              <tr>
                <th scope="col">Record</th>
                <th scope="col">Lab</th>
                <th scope="col">Frequency</th>
                <th scope="col">Period</th>
                <th scope="col">Status</th>
                <th scope="col">Signed</th>
              </tr>
            </thead>
            <tbody>
              {data.records.map((record) => (
                <tr key={record.recordNumber}>
                  <td data-label="Record">
                    <Link href={`/records/${record.labId}/${record.recordNumber}`}>{record.recordNumber}</Link>
                  </td>
                  <td data-label="Lab">{labLabel(record.labId)}</td>
                  <td data-label="Frequency">{record.frequency}</td>
                  <td data-label="Period">{record.periodStart}</td>
                  <td data-label="Status">
                    <RecordStatusBadge record={record} />
                    {record.late && ' late'}
                  </td>
                  <td data-label="Signed">
                    {signedBy(record)}
                    {record.amendments.map((amendment) => (
                      <span key={amendment.number} class="amended">
                        {' '}
                        {amendment.signature.meaning} {amendment.signature.displayName}, {formatDateTime(amendment.signature.signedAt, record.labId)}:{' '}
                        {amendment.reason}
                      </span>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div class="print-only">
        {data.records.map((record) => (
          <RecordInFull key={record.recordNumber} record={record} />
        ))}
      </div>
    </>
  );
}
