import { useState } from 'preact/hooks';
import type { Nonconformity } from '../../../shared/schemas/nonconformities.js';
import type { ProblemReport } from '../../../shared/schemas/problem-reports.js';
import { api, ApiError } from '../api.js';
import { ncPage } from '../components/nonconformity-paths.js';
import { Link, navigate } from '../router.js';
import { currentLab, may } from '../state.js';
import { Dialog, DialogActions, ErrorMessage, Field, formatDateTime, Loading, PageTitle, useLoad } from '../ui.js';

function CloseRequestButton(props: { labId: string; report: ProblemReport; onClosed: () => void }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [failure, setFailure] = useState<unknown>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  async function submit(event: Event) {
    event.preventDefault();
    setFailure(null);
    setErrors({});
    try {
      await api.post(`/api/labs/${props.labId}/requests/${props.report.reportNumber}/close`, { reason });
      setOpen(false);
      props.onClosed();
    } catch (refusal) {
      if (refusal instanceof ApiError && refusal.problem?.errors) setErrors(refusal.fieldErrors);
      setFailure(refusal);
    }
  }
  return (
    <>
      <button type="button" class="secondary" onClick={() => setOpen(true)}>
        Close without a nonconformity
      </button>
      {open && (
        <Dialog title={`Close ${props.report.reportNumber}`} onClose={() => setOpen(false)}>
          <form onSubmit={submit} noValidate>
            <Field label="Why no nonconformity is needed" error={errors.reason}>
              {({ id, describedBy, invalid }) => (
                <textarea
                  id={id}
                  rows={3}
                  value={reason}
                  aria-describedby={describedBy}
                  aria-invalid={invalid || undefined}
                  onInput={(event) => setReason(event.currentTarget.value)}
                />
              )}
            </Field>
            <ErrorMessage error={failure} />
            <DialogActions submitLabel="Close the request" onCancel={() => setOpen(false)} />
          </form>
        </Dialog>
      )}
    </>
  );
}

/** One request as received: the reporter's words are text, never markup. */
function RequestCard(props: { labId: string; report: ProblemReport; onChanged: () => void }) {
  const { report, labId } = props;
  const [failure, setFailure] = useState<unknown>(null);
  async function toNonconformity() {
    setFailure(null);
    try {
      const { body } = await api.post<Nonconformity>(`/api/labs/${labId}/requests/${report.reportNumber}/nonconformity`, {});
      navigate(ncPage(labId, body.ncNumber));
    } catch (refusal) {
      setFailure(refusal);
    }
  }
  return (
    <li class="card request">
      <h3>
        {report.reportNumber} · {report.serialNumber}
      </h3>
      <p class="words">{report.description}</p>
      <p class="hint">
        From {report.reporterName ?? 'someone who left no name'}
        {report.reporterContact ? ` (${report.reporterContact})` : ''}, {formatDateTime(report.receivedAt, labId)}
        {report.photo ? ' · with a photo' : ''}
      </p>
      {report.status === 'New' && may('nonconformities', 'complete') && (
        <div class="actions">
          <button type="button" class="danger" onClick={() => void toNonconformity()}>
            Open a nonconformity
          </button>
          <CloseRequestButton labId={labId} report={report} onClosed={props.onChanged} />
        </div>
      )}
      {report.status === 'Nonconformity' && report.ncNumber && (
        <p>
          Turned into <Link href={ncPage(labId, report.ncNumber)}>{report.ncNumber}</Link> by {report.triagedBy?.displayName}.
        </p>
      )}
      {report.status === 'Closed' && (
        <p>
          Closed by {report.triagedBy?.displayName}: {report.closedReason}
        </p>
      )}
      <ErrorMessage error={failure} />
    </li>
  );
}

/** The lab's request inbox: problems reported at its machines by people without an account. */
export function RequestsPage() {
  const labId = currentLab.value!.labId;
  const list = useLoad(async () => (await api.get<{ items: ProblemReport[] }>(`/api/labs/${labId}/requests`)).body.items, [labId]);
  const fresh = (list.data ?? []).filter((report) => report.status === 'New');
  const done = (list.data ?? []).filter((report) => report.status !== 'New');
  return (
    <>
      <PageTitle title={`Requests · ${labId}`} />
      <ErrorMessage error={list.error} />
      {list.loading && <Loading what="the requests" />}
      <h2>New</h2>
      {fresh.length === 0 ? (
        <p class="empty">No new request from the machines of {labId}.</p>
      ) : (
        <ul class="cards">
          {fresh.map((report) => (
            <RequestCard key={report.reportNumber} labId={labId} report={report} onChanged={list.reload} />
          ))}
        </ul>
      )}
      {done.length > 0 && (
        <>
          <h2>Dealt with</h2>
          <ul class="cards">
            {done.map((report) => (
              <RequestCard key={report.reportNumber} labId={labId} report={report} onChanged={list.reload} />
            ))}
          </ul>
        </>
      )}
    </>
  );
}
