import { useEffect, useState } from 'preact/hooks';
import type { Frequency } from '../../../shared/schemas/catalog.js';
import { formatDay, parseDay } from '../../../shared/domain/periods.js';
import { frequencies } from '../../../shared/schemas/vocabulary.js';
import type { ComplianceReport, TrendPoint } from '../../../shared/schemas/reports.js';
import type { ReliabilityReport } from '../../../shared/schemas/reliability.js';
import { hoursText, shareText } from '../components/reliability-chart.js';
import { downloadCsvPages, eachPage, query } from '../api.js';
import { currentSearch, keepInAddress } from '../router.js';
import { currentLab, isCompanyWide } from '../state.js';
import { ErrorMessage, formatDateTime, labLabel, LabScopeField, labToday, Loading, PageTitle, PrintHeader, TextField, useLoad, type LabScope } from '../ui.js';

const percent = (rate: number | null) => (rate === null ? '—' : `${Math.round(rate * 1000) / 10} %`);

/** The width an element is drawn at, in CSS pixels, followed as the window changes. */
function useDrawnWidth(fallback: number): [(element: HTMLElement | null) => void, number] {
  const [width, setWidth] = useState(fallback);
  const [element, setElement] = useState<HTMLElement | null>(null);
  useEffect(() => {
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => entry && setWidth(Math.round(entry.contentRect.width)));
    observer.observe(element);
    return () => observer.disconnect();
  }, [element]);
  return [setElement, width];
}

/**
 * Completion rate over time, one line per lab, for one frequency; drawn in SVG at the width it is
 * shown at, so its text stays the stylesheet's 12 px on a phone too. A single week or month is no
 * line: it is said in a sentence.
 */
function TrendChart(props: { frequency: Frequency; points: TrendPoint[] }) {
  const [measure, width] = useDrawnWidth(640);
  const starts = [...new Set(props.points.map((point) => point.start))].sort();
  const labs = [...new Set(props.points.map((point) => point.labId))].sort();
  if (starts.length === 0) return null;
  const per = props.points[0]!.per;
  const bucketLabel = (start: string) =>
    new Date(`${start}T12:00:00Z`).toLocaleDateString(
      undefined,
      per === 'week' ? { month: 'short', day: 'numeric', timeZone: 'UTC' } : { month: 'short', year: 'numeric', timeZone: 'UTC' },
    );
  const titleId = `trend-${props.frequency}`;
  const legend = (
    <figcaption>
      {props.frequency}:{' '}
      {labs.map((lab, index) => (
        <span key={lab} class={`legend s${index % 8}`}>
          {lab}
        </span>
      ))}
    </figcaption>
  );
  if (starts.length === 1) {
    const only = starts[0]!;
    return (
      <figure class="chart single" ref={measure}>
        <p>
          {props.frequency}, {per === 'week' ? 'the week starting' : 'the month of'} {bucketLabel(only)}:{' '}
          {labs.map((lab) => `${labLabel(lab)} ${percent(props.points.find((point) => point.labId === lab)?.completionRate ?? null)}`).join('; ')}.
        </p>
      </figure>
    );
  }
  const height = 220;
  const left = 44;
  // Room on the right for the last label, and below for the labels and the axis title.
  const right = 30;
  const bottom = 40;
  const x = (start: string) => left + (starts.indexOf(start) * (width - left - right)) / (starts.length - 1);
  const y = (rate: number) => 8 + (1 - rate) * (height - bottom - 8);
  // A label takes about 64 px at 12 px text; the others are still read out in the title.
  const labelEvery = Math.ceil(starts.length / Math.max(2, Math.floor((width - left - right) / 64)));
  return (
    <figure class="chart" ref={measure}>
      <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-labelledby={titleId}>
        <title id={titleId}>
          {props.frequency} completion rate per {per}:{' '}
          {labs
            .map(
              (lab) =>
                `${lab} ${props.points
                  .filter((point) => point.labId === lab)
                  .map((point) => `${point.start} ${percent(point.completionRate)}`)
                  .join(', ')}`,
            )
            .join('; ')}
        </title>
        {[0, 0.5, 1].map((rate) => (
          <g key={rate} class="grid">
            <line x1={left} x2={width} y1={y(rate)} y2={y(rate)} />
            <text x={left - 6} y={y(rate) + 4} text-anchor="end">
              {rate * 100}%
            </text>
          </g>
        ))}
        {starts.map((start, index) =>
          index % labelEvery === 0 || index === starts.length - 1 ? (
            <text key={start} class="axis" x={x(start)} y={height - bottom + 16} text-anchor="middle">
              {bucketLabel(start)}
            </text>
          ) : null,
        )}
        <text class="axis" x={left + (width - left - right) / 2} y={height - 4} text-anchor="middle">
          {per === 'week' ? 'Week starting (Monday)' : 'Month'}
        </text>
        {labs.map((lab, index) => {
          const series = props.points.filter((point) => point.labId === lab && point.completionRate !== null).sort((a, b) => a.start.localeCompare(b.start));
          return (
            <g key={lab} class={`series s${index % 8}`}>
              <polyline points={series.map((point) => `${x(point.start)},${y(point.completionRate!)}`).join(' ')} />
              {series.map((point) => (
                <circle key={point.start} cx={x(point.start)} cy={y(point.completionRate!)} r={3.5} />
              ))}
            </g>
          );
        })}
      </svg>
      {legend}
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

/** The reliability report's pages added up, as the compliance report's are. */
async function wholeReliability(path: string): Promise<ReliabilityReport> {
  let sum: ReliabilityReport | null = null;
  await eachPage<ReliabilityReport>(path, (page) => {
    sum = !sum
      ? page
      : {
          ...sum,
          labs: [...sum.labs, ...page.labs],
          labNames: { ...sum.labNames, ...page.labNames },
          labFigures: [...sum.labFigures, ...page.labFigures],
          models: [...sum.models, ...page.models],
          machines: [...sum.machines, ...page.machines],
          continuationToken: page.continuationToken,
        };
  });
  return sum!;
}

/**
 * Reliability per model of each lab, and the lab's total (SPEC §15): hours out of service, failures,
 * MTBF, MTTR and PM compliance over the same labs and period, with each table as CSV.
 */
function ReliabilitySection(props: { parameters: { labId: string | undefined; from: string; to: string } }) {
  const path = `/api/reports/reliability${query(props.parameters)}`;
  const report = useLoad(() => wholeReliability(path), [path]);
  const data = report.data;
  // A lab without machines in the period has no row: a line of zeros and dashes says nothing.
  const rows = data
    ? data.labFigures
        .filter((lab) => lab.machines > 0)
        .flatMap((lab) => [...data.models.filter((model) => model.labId === lab.labId), { ...lab, modelId: null }])
    : [];
  return (
    <>
      <h2>Reliability</h2>
      <p class="row-actions">
        {(['machines', 'models', 'labs'] as const).map((section) => (
          <CsvDownload
            key={section}
            path={`/api/reports/reliability${query({ ...props.parameters, format: 'csv', section })}`}
            label={`Reliability per ${{ machines: 'machine', models: 'model', labs: 'lab' }[section]} as CSV`}
          />
        ))}
      </p>
      <ErrorMessage error={report.error} />
      {report.loading || !data ? (
        report.loading && <Loading what="the reliability figures" />
      ) : rows.length === 0 ? (
        <p class="empty">
          No machine was in these labs between {data.from} and {data.to}.
        </p>
      ) : (
        <div class="table-box">
          <table class="responsive">
            <thead>
              <tr>
                <th scope="col">Lab</th>
                <th scope="col">Model</th>
                <th scope="col">Machines</th>
                <th scope="col">Out of service</th>
                <th scope="col">Failures</th>
                <th scope="col">MTBF</th>
                <th scope="col">MTTR</th>
                <th scope="col">PM compliance</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={`${row.labId}-${row.modelId ?? ''}`} class={row.modelId === null ? 'total' : undefined}>
                  <td data-label="Lab">{labLabel(row.labId)}</td>
                  <td data-label="Model">{row.modelId ?? 'All models'}</td>
                  <td data-label="Machines">{row.machines}</td>
                  <td data-label="Out of service">{hoursText(row.downHours)}</td>
                  <td data-label="Failures">{row.failures}</td>
                  <td data-label="MTBF">{row.mtbfHours === null ? '— (no failure)' : hoursText(row.mtbfHours)}</td>
                  <td data-label="MTTR">{row.mttrHours === null ? '— (no repair)' : hoursText(row.mttrHours)}</td>
                  <td data-label="PM compliance">{shareText(row.pmCompliance)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p class="hint">
        Out of service counts the hours quarantined, under repair or set out of service; failures are the nonconformities from PM faults and reported problems
        opened in the period; MTBF is the hours in service divided by the failures, MTTR the mean hours from quarantine to the signed return to service. Each
        machine's chart is on its page.
      </p>
    </>
  );
}

/** A date from the address, when it is one. */
function validDay(text: string | null): string | null {
  if (!text || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
  return formatDay(parseDay(text)) === text ? text : null;
}

export function ReportsPage() {
  const lab = currentLab.value!;
  // A period in the address (a bookmark, a shared link) comes first; else the last 30 days of the
  // lab's own calendar: in Sydney's morning the UTC date is still yesterday.
  const asked = new URLSearchParams(currentSearch.value);
  const [scope, setScope] = useState<LabScope>(() => (asked.get('labs') === 'all' && isCompanyWide.value ? 'all' : 'lab'));
  const [to, setTo] = useState(() => validDay(asked.get('to')) ?? labToday(lab.labId));
  const [from, setFrom] = useState(() => validDay(asked.get('from')) ?? formatDay(parseDay(to) - 29));
  useEffect(() => keepInAddress({ from, to, labs: scope === 'all' ? 'all' : undefined }), [from, to, scope]);
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
      <ReliabilitySection parameters={parameters} />
      <h2>Calibration</h2>
      <p>
        What is due within 90 days, the certificate register, the on-time calibration rate and the out-of-tolerance findings of the same labs and period, as
        CSV:
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
