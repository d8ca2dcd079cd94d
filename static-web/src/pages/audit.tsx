import { useRef, useState } from 'preact/hooks';
import type { AuditView } from '../../../shared/audit/audit-trail.js';
import type { VerificationPage } from '../../../shared/schemas/audit-verification.js';
import { actionInWords, changedFields } from '../../../shared/domain/audit-actions.js';
import { api, eachPage, query } from '../api.js';
import { currentSearch } from '../router.js';
import { currentLab, isCompanyWide } from '../state.js';
import { ErrorMessage, formatDateTime, labLabel, LabScopeField, Loading, PageTitle, SelectField, TextField, useLoad, type LabScope } from '../ui.js';

type AuditPage = { items: AuditView[]; continuationToken: string | null };

function valueText(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** What an entry changed, as a before/after table that opens on demand, and the raw entry one click further. */
function EntryDetails(props: { entry: AuditView }) {
  const { entry } = props;
  const changes = changedFields(entry.before, entry.after);
  return (
    <>
      {entry.reason && <p class="reason">Reason: {/[.!?]$/.test(entry.reason) ? entry.reason : `${entry.reason}.`}</p>}
      {changes.length > 0 && (
        <details class="changes">
          <summary>
            {changes.length === 1 ? '1 field' : `${changes.length} fields`}: {changes.map((change) => change.field).join(', ')}
          </summary>
          <table>
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Before</th>
                <th scope="col">After</th>
              </tr>
            </thead>
            <tbody>
              {changes.map((change) => (
                <tr key={change.field}>
                  <th scope="row">{change.field}</th>
                  <td data-label="Before">{valueText(change.before)}</td>
                  <td data-label="After">{valueText(change.after)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
      <details class="raw">
        <summary>Raw entry</summary>
        <pre>{JSON.stringify(entry, null, 2)}</pre>
      </details>
    </>
  );
}

/** The verification so far: the pages' chains and records added up, the last page's verdict. */
function addPage(sum: VerificationPage | null, page: VerificationPage): VerificationPage {
  if (!sum) return page;
  const chains = sum.chains.map((chain) => ({ ...chain }));
  for (const chain of page.chains) {
    const known = chains.find((each) => each.source === chain.source && each.partition === chain.partition);
    if (known) known.entries += chain.entries;
    else chains.push(chain);
  }
  return {
    ...page,
    verifiedAt: sum.verifiedAt,
    chains,
    recordsChecked: sum.recordsChecked + page.recordsChecked,
    evidenceChecked: sum.evidenceChecked + page.evidenceChecked,
    evidenceProblems: [...sum.evidenceProblems, ...page.evidenceProblems],
  };
}

function ChainStatus(props: { labId: string }) {
  const [checking, setChecking] = useState(false);
  const [result, setResult] = useState<VerificationPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function verify() {
    setChecking(true);
    setError(null);
    setResult(null);
    try {
      // A large lab is verified in pages, each a request of bounded work; the result adds them up.
      let sum: VerificationPage | null = null;
      await eachPage<VerificationPage>(`/api/audit/verify?labId=${props.labId}`, (page) => {
        sum = addPage(sum, page);
        setResult(sum);
      });
    } catch (refusal) {
      setError(refusal);
    } finally {
      setChecking(false);
    }
  }
  const entries = result?.chains.reduce((total, chain) => total + chain.entries, 0) ?? 0;
  return (
    <section class="verify" aria-live="polite">
      <button type="button" class="secondary" onClick={() => void verify()} disabled={checking}>
        {checking ? 'Verifying…' : `Verify the chains of ${labLabel(props.labId)}`}
      </button>
      {result &&
        (result.intact === null ? (
          <p class="alert">
            Verifying: {entries} entries in {result.chains.length} chains and {result.recordsChecked} records checked so far, nothing broken.
          </p>
        ) : result.intact ? (
          <p class="alert success">
            Intact: {entries} entries in {result.chains.length} chains, {result.recordsChecked} records and {result.evidenceChecked} certificates and photos
            checked, {formatDateTime(result.verifiedAt, result.labId)}.
          </p>
        ) : (
          result.firstBroken && (
            <p class="alert error">
              Broken: {result.firstBroken.source} {result.firstBroken.partition}
              {result.firstBroken.seq !== undefined && ` entry ${result.firstBroken.seq}`}
              {result.firstBroken.recordNumber && ` record ${result.firstBroken.recordNumber}`}: {result.firstBroken.reason}
            </p>
          )
        ))}
      {result && result.evidenceProblems.length > 0 && (
        <div class="alert error">
          <p>
            {result.evidenceProblems.length} of {result.evidenceChecked} certificates and photos checked are not in storage as recorded at upload:
          </p>
          <ul>
            {result.evidenceProblems.map((problem) => (
              <li key={`${problem.kind}-${problem.recordNumber}-${problem.fileId}`}>
                {problem.serialNumber} · {problem.reason}
              </li>
            ))}
          </ul>
        </div>
      )}
      <ErrorMessage error={error} />
    </section>
  );
}

export function AuditPage() {
  const lab = currentLab.value!;
  const [scope, setScope] = useState<LabScope>('lab');
  // A link from elsewhere (a periodic review's entry) opens the trail of one subject.
  const asked = new URLSearchParams(currentSearch.value);
  const [entityType, setEntityType] = useState(asked.get('entityType') ?? '');
  const [entityId, setEntityId] = useState(asked.get('entityId') ?? '');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [pages, setPages] = useState<AuditView[][]>([]);
  const [token, setToken] = useState<string | null>(null);
  const filters = query({ labId: scope === 'lab' ? lab.labId : undefined, entityType, entityId: entityId.trim(), from, to, pageSize: 50 });
  // A page that arrives after the filters changed belongs to another list: it is dropped.
  const shownFilters = useRef(filters);
  shownFilters.current = filters;
  const first = useLoad(async () => {
    const asked = filters;
    const { body } = await api.get<AuditPage>(`/api/audit${asked}`);
    if (shownFilters.current !== asked) return body;
    setPages([body.items]);
    setToken(body.continuationToken);
    return body;
  }, [filters]);
  const [more, setMore] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  async function loadMore() {
    const asked = filters;
    setLoadingMore(true);
    setMore(null);
    try {
      const { body } = await api.get<AuditPage>(`/api/audit${asked}&continuationToken=${encodeURIComponent(token!)}`);
      if (shownFilters.current !== asked) return;
      setPages((shown) => [...shown, body.items]);
      setToken(body.continuationToken);
    } catch (refusal) {
      if (shownFilters.current === asked) setMore(refusal);
    } finally {
      setLoadingMore(false);
    }
  }
  const entries = pages.flat();
  return (
    <>
      <PageTitle title="Audit trail" />
      <ChainStatus labId={lab.labId} />
      <form class="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        {isCompanyWide.value && <LabScopeField labId={lab.labId} value={scope} onValue={setScope} />}
        <SelectField
          label="What"
          value={entityType}
          options={[
            { value: '', label: 'Everything' },
            ...['record', 'equipment', 'model', 'user', 'lab', 'equipment-class', 'review', 'request'].map((value) => ({ value, label: value })),
          ]}
          onValue={setEntityType}
        />
        <TextField label="Id (record, serial, user…)" value={entityId} onValue={setEntityId} />
        <TextField label="From" type="date" value={from} onValue={setFrom} />
        <TextField label="To" type="date" value={to} onValue={setTo} />
      </form>
      <ErrorMessage error={first.error} />
      {first.loading && entries.length === 0 ? (
        <Loading what="the audit trail" />
      ) : (
        <div class="table-box">
          <table class="responsive audit">
            <thead>
              <tr>
                <th scope="col">When (lab time)</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Of</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={`${entry.source}-${entry.partition}-${entry.seq}`}>
                  <td data-label="When">{formatDateTime(entry.at, entry.labIds[0])}</td>
                  <td data-label="Who">{entry.actor?.displayName ?? 'system'}</td>
                  <td data-label="What">{actionInWords(entry.action)}</td>
                  <td data-label="Of">
                    {entry.entityType} <span class="id">{entry.entityId}</span>
                  </td>
                  <td data-label="Details" class="details">
                    <EntryDetails entry={entry} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {entries.length === 0 && !first.loading && <p class="empty">No entries match.</p>}
      <ErrorMessage error={more} />
      {token && !first.loading && (
        <button type="button" class="secondary" disabled={loadingMore} onClick={() => void loadMore()}>
          {loadingMore ? 'Loading older entries…' : 'Show older entries'}
        </button>
      )}
    </>
  );
}
