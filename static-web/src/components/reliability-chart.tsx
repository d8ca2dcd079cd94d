import type { ReliabilityFigures, ReliabilityReport } from '../../../shared/schemas/reliability.js';
import { formatDay, parseDay } from '../../../shared/domain/periods.js';
import { downStatuses } from '../../../shared/schemas/vocabulary.js';
import { api, query } from '../api.js';
import { ErrorMessage, labToday, Loading, useLoad } from '../ui.js';

/** Hours as a person reads them: whole hours, thousands separated; "—" where there is no figure. */
export const hoursText = (hours: number | null) => (hours === null ? '—' : `${Math.round(hours).toLocaleString('en-US')} h`);
export const shareText = (rate: number | null) => (rate === null ? '—' : `${Math.round(rate * 1000) / 10} %`);

/** The figures of a row in one line of words, as the chart's summary and the table's cells say them. */
export function figureWords(row: ReliabilityFigures): string[] {
  return [
    `Out of service ${hoursText(row.downHours)}`,
    `${row.failures} ${row.failures === 1 ? 'failure' : 'failures'}`,
    `MTBF ${row.mtbfHours === null ? '— (no failure)' : hoursText(row.mtbfHours)}`,
    `MTTR ${row.mttrHours === null ? '— (no repair)' : hoursText(row.mttrHours)}`,
    `PM compliance ${shareText(row.pmCompliance)}`,
  ];
}

const statusClass: Record<string, string> = {
  'In Service': 'up',
  'Out of Service': 'down',
  'Repair onsite': 'repair',
  'Repair offsite': 'away',
};

/**
 * The machine's last year at a glance (SPEC §15): a strip of its statuses, month by month, and its
 * reliability figures. Plain SVG drawn to the box's width: no chart library in the first load.
 */
export function ReliabilityChart(props: { labId: string; serialNumber: string }) {
  const to = labToday(props.labId);
  const from = formatDay(parseDay(to) - 364);
  const path = `/api/reports/reliability${query({ labId: props.labId, serialNumber: props.serialNumber, from, to })}`;
  const { data, error, loading } = useLoad(() => api.get<ReliabilityReport>(path).then(({ body }) => body), [path]);
  if (loading && !data) return <Loading what="the reliability figures" />;
  if (!data) return <ErrorMessage error={error} />;
  const row = data.machines[0];
  if (!row)
    return (
      <p class="empty">
        {props.serialNumber} was not in this lab between {from} and {to}: no reliability figures.
      </p>
    );
  const start = Date.parse(row.stretches[0]?.from ?? `${from}T00:00:00Z`);
  const end = Date.parse(row.stretches.at(-1)?.to ?? `${to}T23:59:59Z`);
  const at = (iso: string) => ((Date.parse(iso) - start) / Math.max(1, end - start)) * 100;
  const months = Array.from({ length: 12 }, (_, index) => {
    const day = new Date(`${from}T12:00:00Z`);
    day.setUTCMonth(day.getUTCMonth() + index + 1, 1);
    return day.toISOString().slice(0, 10);
  }).filter((day) => day <= to);
  const summary = figureWords(row);
  return (
    <figure class="chart reliability">
      <svg viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-labelledby="reliability-title">
        <title id="reliability-title">
          {`Statuses of ${row.serialNumber} from ${data.from} to ${data.to}: ${
            row.stretches
              .filter((stretch) => stretch.status !== 'In Service')
              .map((stretch) => `${stretch.status} ${stretch.from.slice(0, 10)} to ${stretch.to.slice(0, 10)}`)
              .join('; ') || 'In Service throughout'
          }`}
        </title>
        {row.stretches.map((stretch) => (
          <rect
            key={stretch.from}
            class={statusClass[stretch.status] ?? 'down'}
            x={at(stretch.from)}
            width={Math.max(0.6, at(stretch.to) - at(stretch.from))}
            y={0}
            height={10}
          />
        ))}
      </svg>
      <div class="months" aria-hidden="true">
        {months.map((day) => (
          <span key={day} style={{ left: `${at(`${day}T12:00:00Z`)}%` }}>
            {new Date(`${day}T12:00:00Z`).toLocaleDateString('en-US', { month: 'short', timeZone: 'UTC' })}
          </span>
        ))}
      </div>
      <figcaption>
        {['In Service', ...downStatuses].map((status) => (
          <span key={status} class={`key ${statusClass[status]}`}>
            {status}
            {status !== 'In Service' && ` ${hoursText(row.outOfServiceHours[status as (typeof downStatuses)[number]])}`}
          </span>
        ))}
        <br />
        {summary.join(' · ')}, from {data.from} to {data.to}.
      </figcaption>
    </figure>
  );
}
