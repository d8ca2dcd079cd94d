import { useMemo, useState } from 'preact/hooks';
import type { Frequency } from '../../../shared/schemas/catalog.js';
import { frequencies } from '../../../shared/schemas/vocabulary.js';
import { usageCauseWords } from '../../../shared/domain/meters.js';
import type { RecordSummary } from '../../../shared/schemas/records.js';
import type { DashboardPage, DueIntermediateCheck } from '../../../shared/schemas/dashboard.js';
import { eachPage } from '../api.js';
import { Link } from '../router.js';
import { dueGroup, dueGroupTitles, type DueGroup } from '../due-groups.js';
import { currentLab, workList } from '../state.js';
import { ScanButton } from './labels.js';
import { ErrorMessage, FitnessBadge, formatDueTime, Loading, PageTitle, SelectField, TextField, useLoad } from '../ui.js';

/** Open past its due time: the generator will mark it Missed at its next run. */
export function isOverdue(record: RecordSummary, now: number): boolean {
  return record.status === 'Open' && Date.parse(record.dueEnd) < now;
}

const soonestFirst = (a: RecordSummary, b: RecordSummary) => a.dueEnd.localeCompare(b.dueEnd) || a.serialNumber.localeCompare(b.serialNumber);

const laterGroups = Object.keys(dueGroupTitles) as Exclude<DueGroup, 'today'>[];

/** Every page of the lab's checklists, and the intermediate checks due that each page carries alike. */
async function labDashboard(labId: string): Promise<{ records: RecordSummary[]; checksDue: DueIntermediateCheck[] }> {
  const records: RecordSummary[] = [];
  let checksDue: DueIntermediateCheck[] = [];
  await eachPage<DashboardPage>(`/api/labs/${labId}/dashboard?pageSize=1000`, (page) => {
    records.push(...page.items);
    checksDue = page.intermediateChecksDue;
  });
  return { records, checksDue };
}

/**
 * A technician's day: what is due today, soonest first, one compact row per checklist; the
 * intermediate checks due or overdue; what is due later this week, month or year, overdue, and
 * missed-but-still-completable work below, each folded away with its count. One API call for the page.
 */
export function DashboardPage() {
  const lab = currentLab.value;
  const [frequency, setFrequency] = useState<Frequency | 'all'>('all');
  const [search, setSearch] = useState('');
  const { data, error, loading, reload } = useLoad(() => (lab ? labDashboard(lab.labId) : Promise.resolve({ records: [], checksDue: [] })), [lab?.labId]);
  const now = Date.now();
  const records = data?.records ?? [];
  const needle = search.trim().toLowerCase();
  const matches = (item: { serialNumber: string; modelId: string }) =>
    !needle || item.serialNumber.toLowerCase().includes(needle) || item.modelId.toLowerCase().includes(needle);
  const checksDue = (data?.checksDue ?? []).filter(matches);
  const lists = useMemo(() => {
    const shown = records
      .filter((record) => (frequency === 'all' || record.frequency === frequency) && (matches(record) || record.recordNumber.toLowerCase().includes(needle)))
      .sort(soonestFirst);
    const open = shown.filter((record) => record.status === 'Open' && !isOverdue(record, now));
    const groupOf = (record: RecordSummary) => dueGroup(record.dueEnd, lab?.timeZone ?? 'UTC', new Date(now));
    return {
      today: open.filter((record) => groupOf(record) === 'today'),
      later: laterGroups.map((group) => ({ group, records: open.filter((record) => groupOf(record) === group) })).filter(({ records }) => records.length > 0),
      overdue: shown.filter((record) => isOverdue(record, now)),
      missed: shown.filter((record) => record.status === 'Missed'),
    };
  }, [records, frequency, needle]);

  if (!lab) return <PageTitle title="Today" />;
  const remember = (list: RecordSummary[]) => () => {
    workList.value = { labId: lab.labId, records: list };
  };
  const filtered = needle !== '' || frequency !== 'all';
  const nothingShown = lists.today.length + lists.later.length + lists.overdue.length + lists.missed.length + checksDue.length === 0;
  return (
    <>
      <PageTitle title={`Today · ${lab.name}`}>
        <ScanButton />
        <button type="button" class="secondary" onClick={reload}>
          Refresh
        </button>
      </PageTitle>
      <form class="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <SelectField
          label="Frequency"
          value={frequency}
          options={[{ value: 'all', label: 'All frequencies' }, ...frequencies.map((value) => ({ value, label: value }))]}
          onValue={setFrequency}
        />
        <TextField label="Machine, model or record" type="search" value={search} onValue={setSearch} />
      </form>
      <ErrorMessage error={error} />
      {loading && !data ? (
        <Loading what="checklists" />
      ) : nothingShown && filtered && records.length > 0 ? (
        <p class="empty" role="status">
          No checklist matches{needle ? ` “${search.trim()}”` : ' these filters'}. Clear the search or the filters to see all {records.length}.
        </p>
      ) : (
        <>
          <section class="today" aria-labelledby="due-now">
            <h2 id="due-now">
              Due today <span class="count">{lists.today.length}</span>
            </h2>
            {lists.today.length === 0 ? (
              <p class="empty">Nothing is due today{filtered ? ' among these checklists' : ''}.</p>
            ) : (
              <WorkRows records={lists.today} onOpen={remember(lists.today)} />
            )}
          </section>
          {checksDue.length > 0 && <IntermediateChecksDue labId={lab.labId} checks={checksDue} />}
          {lists.later.map(({ group, records: due }) => (
            <details class="work-later" key={group}>
              <summary>
                {dueGroupTitles[group]} <span class="count">{due.length}</span>
              </summary>
              <WorkRows records={due} onOpen={remember(due)} />
            </details>
          ))}
          {(lists.overdue.length > 0 || lists.missed.length > 0) && (
            <p class="hint">
              <strong>Overdue</strong>: past its due time, not yet marked missed. <strong>Missed</strong>: marked missed once its due time had passed. Both can
              still be done, and are recorded as done late.
            </p>
          )}
          {lists.overdue.length > 0 && (
            <details class="work-later">
              <summary>
                Overdue <span class="count alarm">{lists.overdue.length}</span>
              </summary>
              <WorkRows records={lists.overdue} onOpen={remember(lists.overdue)} />
            </details>
          )}
          {lists.missed.length > 0 && (
            <details class="work-later">
              <summary>
                Missed, can still be done late <span class="count alarm">{lists.missed.length}</span>
              </summary>
              <WorkRows records={lists.missed} onOpen={remember(lists.missed)} />
            </details>
          )}
        </>
      )}
    </>
  );
}

function WorkRows(props: { records: RecordSummary[]; onOpen: () => void }) {
  return (
    <ol class="work-rows">
      {props.records.map((record) => (
        <li key={record.recordNumber}>
          <Link href={`/records/${record.labId}/${record.recordNumber}`} class="row-link" onClick={props.onOpen}>
            <span class="machine">
              {record.serialNumber}
              {record.fitness && (
                <>
                  {' '}
                  <FitnessBadge fitness={record.fitness} compact />
                </>
              )}
            </span>
            <span class="model">{record.modelId}</span>
            <span class="frequency">{record.usage ? `Usage: ${usageCauseWords(record.usage)}` : record.frequency}</span>
            <span class="due">due {formatDueTime(record.dueEnd, record.labId)}</span>
          </Link>
        </li>
      ))}
    </ol>
  );
}

/** "overdue since 2026-12-01" or "due today": a check listed on Today is due on or before the lab's today. */
function checkDueText(check: DueIntermediateCheck): string {
  return check.overdue ? `overdue since ${check.due}` : 'due today';
}

/** The intermediate checks due today or overdue (§6.4.10), each to the machine's calibration page where it is recorded. */
function IntermediateChecksDue(props: { labId: string; checks: DueIntermediateCheck[] }) {
  const overdue = props.checks.some((check) => check.overdue);
  return (
    <details class="work-later">
      <summary>
        Intermediate checks due <span class={overdue ? 'count alarm' : 'count'}>{props.checks.length}</span>
      </summary>
      <ol class="work-rows">
        {props.checks.map((check) => (
          <li key={check.serialNumber}>
            <Link href={`/equipment/${props.labId}/${encodeURIComponent(check.serialNumber)}/calibration`} class="row-link">
              <span class="machine">{check.serialNumber}</span>
              <span class="model">
                {check.modelId} · against {check.checkStandard}
              </span>
              <span class="frequency">Check</span>
              <span class="due">{checkDueText(check)}</span>
            </Link>
          </li>
        ))}
      </ol>
    </details>
  );
}
