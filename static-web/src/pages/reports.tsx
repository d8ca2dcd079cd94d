import { useState } from 'preact/hooks';
import type { Frequency } from '../../../shared/schemas/catalog.js';
import { formatDay, parseDay } from '../../../shared/domain/periods.js';
import { frequencies } from '../../../shared/schemas/vocabulary.js';
import type { ComplianceReport, TrendPoint } from '../../../shared/schemas/reports.js';
import { downloadCsvPages, eachPage, query } from '../api.js';
import { currentLab, isCompanyWide } from '../state.js';
import { ErrorMessage, formatDateTime, labLabel, LabScopeField, labToday, Loading, PageTitle, PrintHeader, TextField, useLoad, type LabScope } from '../ui.js';

const percent = (rate: number | null) => (rate === null ? '—' : `${Math.round(rate * 1000) / 10} %`);

/** Completion rate per ISO week, one line per lab, for one frequency; drawn in SVG, styled by the stylesheet. */
function TrendChart(props: { frequency: Frequency; points: TrendPoint[] }) {
  const weeks = [...new Set(props.points.map((point) => point.weekStart))].sort();
  const labs = [...new Set(props.points.map((point) => point.labId))].sort();
  if (weeks.length === 0) return null;
  const width = 640;
  const height = 220;
  const left = 44;
  // Room on the right for the last week's label, and below for the labels and the axis title.
  const right = 30;
  const bottom = 40;
  const x = (week: string) => left + (weeks.length === 1 ? (width - left - right) / 2 : (weeks.indexOf(week) * (width - left - right)) / (weeks.length - 1));
  const y = (rate: number) => 8 + (1 - rate) * (height - bottom - 8);
  // At most about eight labels fit side by side; the others are still read out in the title.
  const labelEvery = Math.ceil(weeks.length / 8);
  const weekLabel = (week: string) => new Date(`${week}T12:00:00Z`).toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
  const titleId = `trend-${props.frequency}`;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={titleId}>
        <title id={titleId}>
          {props.frequency} completion rate per week: {labs.map((lab) => `${lab} ${props.points.filter((point) => point.labId === lab).map((point) => `${point.weekStart} ${percent(point.completionRate)}`).join(', ')}`).join('; ')}
        </title>
        {[0, 0.5, 1].map((rate) => (
          <g key={rate} class="grid">
            <line x1={left} x2={width} y1={y(rate)} y2={y(rate)} />
            <text x={left - 6} y={y(rate) + 4} text-anchor="end">
              {rate * 100}%
            </text>
          </g>
        ))}
        {weeks.map((week, index) =>
          index % labelEvery === 0 || index === weeks.length - 1 ? (
            <text key={week} class="axis" x={x(week)} y={height - bottom + 16} text-anchor="middle">
              {weekLabel(week)}
            </text>
          ) : null,
        )}
        <text class="axis" x={left + (width - left - right) / 2} y={height - 4} text-anchor="middle">
          Week starting (Monday)
        </text>
        {labs.map((lab, index) => {
          const series = props.points.filter((point) => point.labId === lab && point.completionRate !== null).sort((a, b) => a.weekStart.localeCompare(b.weekStart));
          return (
            <g key={lab} class={`series s${index % 8}`}>
              <polyline points={series.map((point) => `${x(point.weekStart)},${y(point.completionRate!)}`).join(' ')} />
              {series.map((point) => (
                <circle key={point.weekStart} cx={x(point.weekStart)} cy={y(point.completionRate!)} r={3.5} />
              ))}
            </g>
          );
        })}
      </svg>
      <figcaption>
        {props.frequency}:{' '}
        {labs.map((lab, index) => (
          <span key={lab} class={`legend s${index % 8}`}>
            {lab}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

/** The pages of a report of many labs added up: their labs and rows, in lab order, as one report. */
function addPage(sum: ComplianceReport | null, page: ComplianceReport): ComplianceReport {
  if (!sum) return page;
  return {
    ...page,
    from: sum.from,
    to: sum.to,
    generatedAt: sum.generatedAt,
    labs: [...sum.labs, ...page.labs],
    labNames: { ...sum.labNames, ...page.labNames },
    summary: [...sum.summary, ...page.summary],
    missed: [...sum.missed, ...page.missed],
    trend: [...sum.trend, ...page.trend],
  };
}

async function wholeReport(path: string): Promise<ComplianceReport> {
  let sum: ComplianceReport | null = null;
  await eachPage<ComplianceReport>(path, (page) => (sum = addPage(sum, page)));
  return sum!;
}

/** A CSV download that follows the report's pages, so "All labs" gives every lab in one file. */
function CsvDownload(props: { path: string; label: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function download() {
    setBusy(true);
    setError(null);
    try {
      await downloadCsvPages(props.path);
    } catch (refusal) {
      setError(refusal);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <button type="button" class="secondary" onClick={() => void download()} disabled={busy}>
        {busy ? 'Preparing…' : props.label}
      </button>
      {error !== null && <ErrorMessage error={error} />}
    </>
  );
}

export function ReportsPage() {
  const lab = currentLab.value!;
  const [scope, setScope] = useState<LabScope>('lab');
  // The last 30 days of the lab's own calendar: in Sydney's morning the UTC date is still yesterday.
  const [to, setTo] = useState(() => labToday(lab.labId));
  const [from, setFrom] = useState(() => formatDay(parseDay(to) - 29));
  const parameters = { labId: scope === 'lab' ? lab.labId : undefined, from, to };
  // "All labs" comes in pages of labs, each a request of bounded work; the page shows them added up.
  const report = useLoad(() => wholeReport(`/api/reports/compliance${query(parameters)}`), [scope, lab.labId, from, to]);
  const data = report.data;
  return (
    <>
      <PageTitle title="Compliance report">
        <CsvDownload path={`/api/reports/compliance${query({ ...parameters, format: 'csv', section: 'summary' })}`} label="Summary as CSV" />
        <CsvDownload path={`/api/reports/compliance${query({ ...parameters, format: 'csv', section: 'missed' })}`} label="Missed as CSV" />
        <button type="button" class="secondary" onClick={() => print()}>
          Print
        </button>
      </PageTitle>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        {isCompanyWide.value && <LabScopeField labId={lab.labId} value={scope} onValue={setScope} />}
        <TextField label="From" type="date" value={from} onValue={setFrom} />
        <TextField label="To" type="date" value={to} onValue={setTo} />
      </form>
      <ErrorMessage error={report.error} />
      {/* While other labs or dates load (every lab comes in pages), the figures shown would be the old ones'. */}
      {report.loading || !data ? (
        report.loading && <Loading what="the report" />
      ) : (
        <>
          <PrintHeader title="PM compliance report" labIds={data.labs} period={`${data.from} to ${data.to}`} />
          <p class="print-only">Figures as of {formatDateTime(data.generatedAt, data.labs.length === 1 ? data.labs[0] : null)}.</p>
          <h2>Completion by frequency</h2>
          {data.summary.length === 0 ? (
            <p class="empty" role="status">
              Nothing was due at {data.labs.map(labLabel).join(', ')} between {data.from} and {data.to}: no machine in service had a checklist in these periods.
            </p>
          ) : (
          <div class="table-box">
          <table class="responsive">
            <thead>
              <tr>
                <th scope="col">Lab</th>
                <th scope="col">Frequency</th>
                <th scope="col">On time</th>
                <th scope="col">Late</th>
                <th scope="col">Missed (justified)</th>
                <th scope="col">Open</th>
                <th scope="col">Completion rate</th>
              </tr>
            </thead>
            <tbody>
              {data.summary.map((row) => (
                <tr key={`${row.labId}-${row.frequency}`}>
                  <td data-label="Lab">{labLabel(row.labId)}</td>
                  <td data-label="Frequency">{row.frequency}</td>
                  <td data-label="On time">{row.completedOnTime}</td>
                  <td data-label="Late">{row.completedLate}</td>
                  <td data-label="Missed (justified)">
                    {row.missed} ({row.missedJustified})
                  </td>
                  <td data-label="Open">{row.open}</td>
                  <td data-label="Completion rate">{percent(row.completionRate)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          </div>
          )}
          {data.trend.length > 0 && <h2>Completion rate over time</h2>}
          <div class="charts">
            {frequencies.map((frequency) => (
              <TrendChart key={frequency} frequency={frequency} points={data.trend.filter((point) => point.frequency === frequency)} />
            ))}
          </div>
          <h2>Missed and overdue</h2>
          {data.missed.length === 0 ? (
            <p class="empty">Nothing was missed in these periods.</p>
          ) : (
            <div class="table-box">
            <table class="responsive">
              <thead>
                <tr>
                  <th scope="col">Record</th>
                  <th scope="col">Machine</th>
                  <th scope="col">Frequency</th>
                  <th scope="col">Period</th>
                  <th scope="col">Status</th>
                  <th scope="col">Justification</th>
                </tr>
              </thead>
              <tbody>
                {data.missed.map((row) => (
                  <tr key={row.recordNumber}>
                    <td data-label="Record">{row.recordNumber}</td>
                    <td data-label="Machine">
                      {row.serialNumber} ({row.modelId})
                    </td>
                    <td data-label="Frequency">{row.frequency}</td>
                    <td data-label="Period">{row.periodStart}</td>
                    <td data-label="Status">{row.status}</td>
                    <td data-label="Justification">{row.justification ? `${row.justification} (${row.justifiedBy})` : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            </div>
          )}
        </>
      )}
      <h2>Calibration</h2>
      <p>
        What is due within 90 days, the certificate register, the on-time calibration rate and the out-of-tolerance findings of the same labs and
        period, as CSV:
      </p>
      <p class="row-actions">
        {(['due', 'certificates', 'rate', 'findings'] as const).map((section) => (
          <CsvDownload
            key={section}
            path={`/api/reports/calibration${query({ ...parameters, format: 'csv', section })}`}
            label={`${{ due: 'Calibrations due', certificates: 'Certificate register', rate: 'On-time rate', findings: 'Out-of-tolerance findings' }[section]} as CSV`}
          />
        ))}
      </p>
    </>
  );
}
