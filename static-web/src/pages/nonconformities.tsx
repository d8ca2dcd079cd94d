import { useState } from 'preact/hooks';
import type { Equipment } from '../../../shared/schemas/equipment.js';
import type { ImpactInboxItem, ImpactItem, Nonconformity } from '../../../shared/schemas/nonconformities.js';
import { dispositions, repairStatuses } from '../../../shared/schemas/vocabulary.js';
import { api } from '../api.js';
import { ncPage, ncPath } from '../components/nonconformity-paths.js';
import { PhotoField, sendPhoto } from '../components/photo-field.js';
import { SignatureStep } from '../components/signature-step.js';
import { useSignedSubmit } from '../components/signed-submit.js';
import { Link } from '../router.js';
import { currentLab, may, session } from '../state.js';
import { ErrorMessage, FitnessBadge, formatDateTime, Loading, Notice, PageTitle, SelectField, TextField, useLoad } from '../ui.js';

type Disposition = (typeof dispositions)[number];

/** One item's signed disposition; nothing is chosen for the manager, so a signature always follows a choice. */
function DispositionForm(props: { nc: Nonconformity; item: ImpactItem; onDone: (nc: Nonconformity) => void }) {
  const [disposition, setDisposition] = useState<'' | Disposition>('');
  const [reason, setReason] = useState('');
  const signed = useSignedSubmit();
  async function submit(event: Event) {
    event.preventDefault();
    if (!disposition) {
      signed.setErrors({ disposition: `Choose the disposition of ${props.item.reference}.` });
      return;
    }
    const outcome = await signed.submit(
      async (signature) =>
        (
          await api.post<Nonconformity>(`${ncPath(props.nc.labId, props.nc.ncNumber)}/dispositions`, {
            itemId: props.item.itemId,
            disposition,
            reason,
            signature,
          })
        ).body,
    );
    if (outcome.signed) props.onDone(outcome.answer);
  }
  return (
    <form class="disposition" onSubmit={submit} noValidate aria-label={`Disposition of ${props.item.reference}`}>
      <SelectField
        label={`Disposition of ${props.item.reference}`}
        value={disposition}
        options={[{ value: '', label: 'Choose a disposition' }, ...dispositions.map((each) => ({ value: each, label: each }))]}
        onValue={(value) => {
          setDisposition(value);
          if (value) signed.setErrors({ ...signed.errors, disposition: '' });
        }}
        hint="Recalibrate makes that machine not fit until its next approved calibration."
        error={signed.errors.disposition || undefined}
      />
      <TextField label="Reason" value={reason} onValue={setReason} error={signed.errors.reason} />
      <SignatureStep password={signed.password} onPassword={signed.setPassword} error={signed.passwordError} />
      <ErrorMessage error={signed.failure} />
      <button type="submit" class="primary" disabled={signed.busy}>
        Sign the disposition
      </button>
    </form>
  );
}

/**
 * The state that holds for the machine, read from the API: back in service by whose signature, or
 * still out of service awaiting its return; and its fitness with the reasons that hold today.
 */
function MachineNow(props: { nc: Nonconformity }) {
  const { nc } = props;
  const readsMachine = may('equipment', 'read', roleAt(nc.labId));
  const machine = useLoad(
    async () => (readsMachine ? (await api.get<Equipment>(`/api/labs/${nc.labId}/equipment/${encodeURIComponent(nc.serialNumber)}`)).body : null),
    [nc.labId, nc.serialNumber, nc.status, nc.returnedToService?.returnedAt],
  );
  return (
    <>
      {nc.returnedToService
        ? `Returned to service: Verified by ${nc.returnedToService.by.displayName}, ${formatDateTime(nc.returnedToService.returnedAt, nc.labId)}`
        : 'Not yet returned to service after this finding'}
      {machine.data && (
        <>
          {' · '}
          <FitnessBadge fitness={machine.data.fitness} />
        </>
      )}
    </>
  );
}

/** How it was found, in words: "Calibration LAB01-CAL-000004", "PM checklist LAB0100042", "Fault reported". */
function foundBy(nc: Nonconformity): string {
  if (nc.source === 'calibration') return `Calibration ${nc.calibrationNumber ?? ''}`.trim();
  if (nc.source === 'pm-fault') return `PM checklist ${nc.recordNumber ?? ''}`.trim();
  return 'Fault reported';
}

const itemsWaiting = (count: number) => (count === 1 ? '1 item still needs a disposition' : `${count} items still need a disposition`);

function itemLink(item: ImpactItem): string {
  return item.kind === 'pm-record'
    ? `/records/${item.labId}/${item.reference}`
    : `/equipment/${item.labId}/${encodeURIComponent(item.serialNumber)}/calibration`;
}

const roleAt = (labId: string) => session.value?.labs.find((lab) => lab.labId === labId)?.role ?? null;

/** Whether the signed-in user is a manager (or an administrator) of the item's lab: who may dispose it. */
function mayDispose(labId: string): boolean {
  return may('nonconformities', 'write', roleAt(labId));
}

export function NonconformityPage(props: { labId: string; ncNumber: string }) {
  const loaded = useLoad(async () => (await api.get<Nonconformity>(ncPath(props.labId, props.ncNumber))).body, [props.labId, props.ncNumber]);
  const [nc, setNc] = useState<Nonconformity | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [action, setAction] = useState('');
  const [statusChange, setStatusChange] = useState<'' | (typeof repairStatuses)[number]>('');
  const [summary, setSummary] = useState('');
  const [failure, setFailure] = useState<unknown>(null);
  const closing = useSignedSubmit();
  const shown = nc ?? loaded.data;
  if (loaded.loading && !shown) return <Loading what="the nonconformity" />;
  if (!shown) return <ErrorMessage error={loaded.error} />;
  const current = shown;
  const open = current.status === 'Open';
  const undisposed = current.items.filter((item) => !item.disposition);
  const readsItsLab = may('nonconformities', 'read', roleAt(current.labId));
  const changed = (next: Nonconformity, message: string) => {
    setNc(next);
    setNotice(message);
    setFailure(null);
  };
  async function logAction(event: Event) {
    event.preventDefault();
    try {
      const { body } = await api.post<Nonconformity>(`${ncPath(current.labId, current.ncNumber)}/actions`, {
        text: action,
        ...(statusChange ? { statusChange } : {}),
      });
      setAction('');
      changed(body, 'Repair logged.');
    } catch (refusal) {
      setFailure(refusal);
    }
  }
  async function close(event: Event) {
    event.preventDefault();
    const outcome = await closing.submit(
      async (signature) => (await api.post<Nonconformity>(`${ncPath(current.labId, current.ncNumber)}/close`, { summary, signature })).body,
    );
    if (outcome.signed) changed(outcome.answer, `${current.ncNumber} is closed.`);
  }
  async function addPhoto(file: File | null) {
    if (!file) return;
    try {
      const kept = await sendPhoto(current.labId, current.ncNumber, file);
      const { body } = await api.get<Nonconformity>(ncPath(current.labId, current.ncNumber));
      changed(body, `${kept.fileName} is kept (SHA-256 ${kept.sha256}).`);
    } catch (refusal) {
      setFailure(refusal);
    }
  }
  return (
    <>
      <PageTitle title={`Nonconformity ${current.ncNumber}`} />
      {notice && <Notice>{notice}</Notice>}
      <dl class="facts">
        <dt>Machine</dt>
        <dd>
          <Link href={`/equipment/${current.labId}/${encodeURIComponent(current.serialNumber)}/calibration`}>{current.serialNumber}</Link> ({current.modelId},{' '}
          {current.labId})
        </dd>
        <dt>Status</dt>
        <dd>
          <span class={open ? 'badge missed' : 'badge done'}>{current.status}</span>
        </dd>
        <dt>Found by</dt>
        <dd>
          {foundBy(current)} · {current.openedBy.displayName}, {formatDateTime(current.openedAt, current.labId)}
        </dd>
        <dt>What is wrong</dt>
        <dd>{current.description}</dd>
        <dt>Machine now</dt>
        <dd>
          <MachineNow nc={current} />
        </dd>
        <dt>Exposure window</dt>
        <dd>
          {current.window.from} to {current.window.to} (since {current.window.since})
        </dd>
      </dl>

      <h2>Results it may have touched ({current.items.length})</h2>
      {current.items.length === 0 ? (
        <p class="empty">Nothing inside the window: no PM record or calibration to review.</p>
      ) : (
        <ul class="impact-items">
          {current.items.map((item) => (
            <li key={item.itemId}>
              <p>
                <Link href={itemLink(item)}>{item.reference}</Link> · {item.summary} · {item.labId} · {item.on.slice(0, 10)}
              </p>
              {item.disposition ? (
                <p>
                  <strong>{item.disposition.disposition}</strong>: {item.disposition.reason} · {item.disposition.signature.meaning}{' '}
                  {item.disposition.by.displayName}, {formatDateTime(item.disposition.at, current.labId)}
                </p>
              ) : open && mayDispose(item.labId) ? (
                <DispositionForm nc={current} item={item} onDone={(next) => changed(next, `${item.reference}: disposition signed.`)} />
              ) : (
                <p class="hint">Awaiting the disposition of a manager of {item.labId}.</p>
              )}
            </li>
          ))}
        </ul>
      )}

      {/* A lab whose results it touched sees what was found and its own items; the work stays with the nonconformity's lab. */}
      {readsItsLab ? (
        <>
          <h2>Repair log</h2>
          {current.actions.length === 0 ? (
            <p class="empty">No repair logged yet.</p>
          ) : (
            <ol>
              {current.actions.map((entry) => (
                <li key={entry.actionId}>
                  {entry.text}
                  {entry.statusChange && ` · moved to ${entry.statusChange}`} · {entry.by.displayName}, {formatDateTime(entry.at, current.labId)}
                </li>
              ))}
            </ol>
          )}
          {open && may('nonconformities', 'complete') && (
            <form onSubmit={logAction} noValidate>
              <TextField label="What was done" value={action} onValue={setAction} />
              {may('nonconformities', 'write') && (
                <SelectField
                  label="Move the machine to"
                  value={statusChange}
                  options={[{ value: '', label: 'Keep its status' }, ...repairStatuses.map((status) => ({ value: status, label: status }))]}
                  onValue={setStatusChange}
                />
              )}
              <button type="submit" class="secondary">
                Log the repair
              </button>
            </form>
          )}

          <h2>Photos and files</h2>
          {current.attachments.length === 0 ? (
            <p class="empty">No photo yet.</p>
          ) : (
            <ul>
              {current.attachments.map((file) => (
                <li key={file.certificateId}>
                  <a href={`${ncPath(current.labId, current.ncNumber)}/attachments/${file.certificateId}`} download={file.fileName}>
                    {file.fileName}
                  </a>{' '}
                  · {file.uploadedBy.displayName}, {formatDateTime(file.uploadedAt, current.labId)} · <span class="hash">SHA-256 {file.sha256}</span>
                </li>
              ))}
            </ul>
          )}
          {open && may('nonconformities', 'complete') && <PhotoField label="Add a photo" onFile={addPhoto} />}
        </>
      ) : (
        <p class="hint">The repair log and photos stay with {current.labId}: you see what was found and the results of your lab it may have touched.</p>
      )}

      {current.closure ? (
        <p class="signature-line">
          <strong>{current.closure.signature.meaning}</strong> {current.closure.by.displayName}, {formatDateTime(current.closure.at, current.labId)}:{' '}
          {current.closure.summary}
        </p>
      ) : (
        readsItsLab &&
        may('nonconformities', 'write') && (
          <form class="close-nc" onSubmit={close} noValidate>
            <h2>Close</h2>
            {undisposed.length > 0 && <p class="hint">{itemsWaiting(undisposed.length)} before it closes.</p>}
            <TextField label="Summary: cause, repair and impact" value={summary} onValue={setSummary} error={closing.errors.summary} />
            <SignatureStep password={closing.password} onPassword={closing.setPassword} error={closing.passwordError} />
            <ErrorMessage error={closing.failure} />
            <button type="submit" class="primary" disabled={closing.busy}>
              Sign and close
            </button>
          </form>
        )
      )}
      <ErrorMessage error={failure} />
    </>
  );
}

/** The lab's nonconformities, and the results of this lab that other labs' nonconformities touched. */
export function NonconformitiesPage() {
  const labId = currentLab.value!.labId;
  const list = useLoad(async () => (await api.get<{ items: Nonconformity[] }>(`/api/labs/${labId}/nonconformities`)).body.items, [labId]);
  const inbox = useLoad(async () => (await api.get<{ items: ImpactInboxItem[] }>(`/api/labs/${labId}/nonconformity-items`)).body.items, [labId]);
  return (
    <>
      <PageTitle title={`Nonconformities · ${labId}`} />
      <h2>Awaiting this lab's disposition</h2>
      {inbox.loading ? (
        <Loading what="the items" />
      ) : (inbox.data ?? []).length === 0 ? (
        <p class="empty">Nothing waits for {labId}'s disposition.</p>
      ) : (
        <ul>
          {inbox.data!.map((item) => (
            <li key={`${item.ncNumber}:${item.itemId}`}>
              <Link href={ncPage(item.ncLabId, item.ncNumber)}>{item.ncNumber}</Link> ({item.ncSerialNumber}) touched {item.reference} · {item.summary}
            </li>
          ))}
        </ul>
      )}
      <h2>Nonconformities of {labId}</h2>
      <ErrorMessage error={list.error ?? inbox.error} />
      {list.loading ? (
        <Loading what="the nonconformities" />
      ) : (list.data ?? []).length === 0 ? (
        <p class="empty">No nonconformity yet.</p>
      ) : (
        <div class="table-box">
          <table class="responsive">
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">Machine</th>
                <th scope="col">Found by</th>
                <th scope="col">Opened</th>
                <th scope="col">Status</th>
                <th scope="col">Items waiting</th>
              </tr>
            </thead>
            <tbody>
              {list.data!.map((nc) => (
                <tr key={nc.ncNumber}>
                  <td data-label="Number">
                    <Link href={ncPage(nc.labId, nc.ncNumber)}>{nc.ncNumber}</Link>
                  </td>
                  <td data-label="Machine">{nc.serialNumber}</td>
                  <td data-label="Found by">{foundBy(nc)}</td>
                  <td data-label="Opened">{formatDateTime(nc.openedAt, nc.labId)}</td>
                  <td data-label="Status">
                    <span class={nc.status === 'Open' ? 'badge missed' : 'badge done'}>{nc.status}</span>
                  </td>
                  <td data-label="Items waiting">{nc.items.filter((item) => !item.disposition).length}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
