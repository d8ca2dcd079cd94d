import { useMemo, useState } from 'preact/hooks';
import type { Frequency } from '../../../shared/schemas/catalog.js';
import { frequencies } from '../../../shared/schemas/vocabulary.js';
import type { RecordSummary } from '../../../shared/schemas/records.js';
import { allPages } from '../api.js';
import { Link } from '../router.js';
import { currentLab } from '../state.js';
import { Badge, ErrorMessage, formatDateTime, Loading, PageTitle, SelectField, TextField, useLoad } from '../ui.js';

type StatusFilter = 'all' | 'open' | 'overdue' | 'missed';

/** Open past its due time: the generator will mark it Missed at its next run. */
export function isOverdue(record: RecordSummary, now: number): boolean {
  return record.status === 'Open' && Date.parse(record.dueEnd) < now;
}

function matchesStatus(record: RecordSummary, filter: StatusFilter, now: number): boolean {
  if (filter === 'open') return record.status === 'Open' && !isOverdue(record, now);
  if (filter === 'overdue') return isOverdue(record, now);
  if (filter === 'missed') return record.status === 'Missed';
  return true;
}

export function DashboardPage() {
  const lab = currentLab.value;
  const [frequency, setFrequency] = useState<Frequency | 'all'>('all');
  const [status, setStatus] = useState<StatusFilter>('all');
  const [search, setSearch] = useState('');
  const { data, error, loading, reload } = useLoad(
    () => (lab ? allPages<RecordSummary>(`/api/labs/${lab.labId}/dashboard?pageSize=1000`) : Promise.resolve([])),
    [lab?.labId],
  );
  const now = Date.now();
  const records = data ?? [];
  const counts = useMemo(
    () => ({
      open: records.filter((record) => record.status === 'Open' && !isOverdue(record, now)).length,
      overdue: records.filter((record) => isOverdue(record, now)).length,
      missed: records.filter((record) => record.status === 'Missed').length,
    }),
    [records],
  );
  const needle = search.trim().toLowerCase();
  const shown = records.filter(
    (record) =>
      (frequency === 'all' || record.frequency === frequency) &&
      matchesStatus(record, status, now) &&
      (!needle || record.serialNumber.toLowerCase().includes(needle) || record.modelId.toLowerCase().includes(needle) || record.recordNumber.toLowerCase().includes(needle)),
  );

  if (!lab) return <PageTitle title="Checklists" />;
  return (
    <>
      <PageTitle title={`Checklists · ${lab.labId}`}>
        <button type="button" class="secondary" onClick={reload}>
          Refresh
        </button>
      </PageTitle>
      <ul class="counters" aria-label="At a glance">
        <li class="counter open">
          <strong>{counts.open}</strong> open
        </li>
        <li class={counts.overdue > 0 ? 'counter alarm' : 'counter'}>
          <strong>{counts.overdue}</strong> overdue
        </li>
        <li class={counts.missed > 0 ? 'counter alarm' : 'counter'}>
          <strong>{counts.missed}</strong> missed, can still be done late
        </li>
      </ul>
      <form class="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <SelectField
          label="Frequency"
          value={frequency}
          options={[{ value: 'all', label: 'All frequencies' }, ...frequencies.map((value) => ({ value, label: value }))]}
          onValue={setFrequency}
        />
        <SelectField
          label="Status"
          value={status}
          options={[
            { value: 'all', label: 'All' },
            { value: 'open', label: 'Open' },
            { value: 'overdue', label: 'Overdue' },
            { value: 'missed', label: 'Missed' },
          ]}
          onValue={setStatus}
        />
        <TextField label="Machine, model or record" type="search" value={search} onValue={setSearch} />
      </form>
      <ErrorMessage error={error} />
      {loading && !data ? (
        <Loading what="checklists" />
      ) : shown.length === 0 && records.length > 0 && (needle || status !== 'all' || frequency !== 'all') ? (
        <p class="empty" role="status">
          No checklist matches{needle ? ` “${search.trim()}”` : ' these filters'}. Clear the search or the filters to see all {records.length}.
        </p>
      ) : (
        frequencies.map((each) => {
          const rows = shown.filter((record) => record.frequency === each);
          if (frequency !== 'all' && frequency !== each) return null;
          return <FrequencySection key={each} frequency={each} records={rows} now={now} />;
        })
      )}
    </>
  );
}

function FrequencySection(props: { frequency: Frequency; records: RecordSummary[]; now: number }) {
  const headingId = `frequency-${props.frequency}`;
  return (
    <section class="frequency" aria-labelledby={headingId}>
      <h2 id={headingId}>
        {props.frequency} <span class="count">{props.records.length}</span>
      </h2>
      {props.records.length === 0 ? (
        <p class="empty">Nothing to do.</p>
      ) : (
        <div class="table-box">
        <table class="records responsive">
          <thead>
            <tr>
              <th scope="col">Machine</th>
              <th scope="col">Model</th>
              <th scope="col">Period</th>
              <th scope="col">Due by</th>
              <th scope="col">Status</th>
              <th scope="col">Record</th>
            </tr>
          </thead>
          <tbody>
            {props.records.map((record) => (
              <tr key={record.recordNumber} class={record.status === 'Missed' || isOverdue(record, props.now) ? 'late' : undefined}>
                <td data-label="Machine">
                  <Link href={`/records/${record.labId}/${record.recordNumber}`} class="row-link">
                    {record.serialNumber}
                  </Link>
                </td>
                <td data-label="Model">{record.modelId}</td>
                <td data-label="Period">{record.periodStart}</td>
                <td data-label="Due by">{formatDateTime(record.dueEnd, record.labId)}</td>
                <td data-label="Status">
                  <Badge status={isOverdue(record, props.now) ? 'Overdue' : record.status} />
                </td>
                <td data-label="Record">{record.recordNumber}</td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      )}
    </section>
  );
}
