import { useState } from 'preact/hooks';
import type { Calibration, Certificate } from '../../../shared/schemas/calibration.js';
import type { Model } from '../../../shared/schemas/catalog.js';
import type { Equipment } from '../../../shared/schemas/equipment.js';
import type { ImpactInboxItem, ImpactItem, Nonconformity } from '../../../shared/schemas/nonconformities.js';
import { dispositions, repairStatuses } from '../../../shared/schemas/vocabulary.js';
import { api, ApiError, uploadFile } from '../api.js';
import { Link, navigate } from '../router.js';
import { currentLab, may, session } from '../state.js';
import { Dialog, DialogActions, ErrorMessage, Field, formatDateTime, Loading, Notice, PageTitle, PasswordField, SelectField, TextField, useLoad } from '../ui.js';

const ncPath = (labId: string, ncNumber: string) => `/api/labs/${labId}/nonconformities/${ncNumber}`;
export const ncPage = (labId: string, ncNumber: string) => `/nonconformities/${labId}/${ncNumber}`;
const signatureOf = (password: string) => (session.value!.user.authMethod === 'local' ? { password } : {});
const photoLimitBytes = 20 * 1024 * 1024;

/** A photo (from the phone's camera) or a PDF, kept on the nonconformity; the server judges the type by its content. */
export async function sendPhoto(labId: string, ncNumber: string, file: File): Promise<Certificate> {
  if (file.size > photoLimitBytes) throw new Error(`${file.name} is larger than 20 MB; send a smaller photo.`);
  return uploadFile<Certificate>(`${ncPath(labId, ncNumber)}/attachments?fileName=${encodeURIComponent(file.name)}`, file, () => undefined);
}

export function PhotoField(props: { label: string; onFile: (file: File | null) => void }) {
  return (
    <Field label={props.label} hint="A photo from the camera, or a PNG, JPEG or PDF up to 20 MB.">
      {({ id, describedBy }) => (
        <input id={id} type="file" accept="image/png,image/jpeg,application/pdf" capture="environment" aria-describedby={describedBy} onChange={(event) => props.onFile(event.currentTarget.files?.[0] ?? null)} />
      )}
    </Field>
  );
}

/** "Report a fault": anyone in the lab; the machine is out of service from that moment. */
export function ReportFaultButton(props: { labId: string; serialNumber: string }) {
  const [open, setOpen] = useState(false);
  const [description, setDescription] = useState('');
  const [photo, setPhoto] = useState<File | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  if (!may('nonconformities', 'complete', session.value?.labs.find((lab) => lab.labId === props.labId)?.role ?? null)) return null;
  async function submit(event: Event) {
    event.preventDefault();
    setFailure(null);
    setErrors({});
    try {
      const { body } = await api.post<Nonconformity>(`/api/labs/${props.labId}/nonconformities`, { serialNumber: props.serialNumber, description });
      if (photo) await sendPhoto(props.labId, body.ncNumber, photo).catch(() => undefined);
      navigate(ncPage(props.labId, body.ncNumber));
    } catch (refusal) {
      if (refusal instanceof ApiError && refusal.problem?.errors) setErrors(refusal.fieldErrors);
      setFailure(refusal);
    }
  }
  return (
    <>
      <button type="button" class="secondary danger" onClick={() => setOpen(true)}>
        Report a fault
      </button>
      {open && (
        <Dialog title={`Report a fault on ${props.serialNumber}`} onClose={() => setOpen(false)}>
          <form onSubmit={submit} noValidate>
            <p class="hint">The machine goes out of service at once and is not fit for use until a manager returns it to service.</p>
            <Field label="What is wrong" error={errors.description}>
              {({ id, describedBy, invalid }) => <textarea id={id} rows={4} value={description} aria-describedby={describedBy} aria-invalid={invalid || undefined} onInput={(event) => setDescription(event.currentTarget.value)} />}
            </Field>
            <PhotoField label="Photo (optional)" onFile={setPhoto} />
            <ErrorMessage error={failure} />
            <DialogActions submitLabel="Report the fault" onCancel={() => setOpen(false)} />
          </form>
        </Dialog>
      )}
    </>
  );
}

/** The signed verification that brings a quarantined machine back: a calibration where its plan requires one, else the model's checks. */
export function ReturnToServiceButton(props: { labId: string; serialNumber: string; fitness: Equipment['fitness']; quarantinedBy: string[]; calibrationRequired: boolean; onDone: (machine: Equipment) => void }) {
  const machine = props;
  const role = session.value?.labs.find((lab) => lab.labId === props.labId)?.role ?? null;
  const [open, setOpen] = useState(false);
  const [calibrationNumber, setCalibrationNumber] = useState('');
  const [answers, setAnswers] = useState<Record<string, { done: boolean; value: string }>>({});
  const [note, setNote] = useState('');
  const [password, setPassword] = useState('');
  const [failure, setFailure] = useState<unknown>(null);
  const checks = useLoad(
    async () => {
      if (!open || props.calibrationRequired) return [];
      const { modelId } = (await api.get<Equipment>(`/api/labs/${machine.labId}/equipment/${encodeURIComponent(machine.serialNumber)}`)).body;
      return (await api.get<Model>(`/api/models/${encodeURIComponent(modelId)}`)).body.returnToServiceChecks ?? [];
    },
    [open],
  );
  const calibrations = useLoad(
    async () =>
      open && props.calibrationRequired
        ? (await api.get<{ items: Calibration[] }>(`/api/labs/${machine.labId}/equipment/${encodeURIComponent(machine.serialNumber)}/calibrations`)).body.items.filter((event) => event.status === 'Approved' && event.result !== 'Fail')
        : [],
    [open],
  );
  if (!may('nonconformities', 'write', role) || machine.quarantinedBy.length === 0) return null;
  async function submit(event: Event) {
    event.preventDefault();
    setFailure(null);
    const responses = (checks.data ?? []).map((task) => {
      const answer = answers[task.taskId] ?? { done: false, value: '' };
      const value = task.kind === 'reading' && answer.value.trim() !== '' ? Number(answer.value.replace(',', '.')) : undefined;
      return { taskId: task.taskId, done: task.kind === 'reading' ? value !== undefined : answer.done, ...(value !== undefined ? { value } : {}) };
    });
    try {
      const { body } = await api.post<Equipment>(`/api/labs/${machine.labId}/equipment/${encodeURIComponent(machine.serialNumber)}/return-to-service`, {
        nonconformities: machine.quarantinedBy,
        ...(note.trim() ? { note } : {}),
        ...(props.calibrationRequired ? { calibrationNumber: calibrationNumber || calibrations.data?.[0]?.calibrationNumber } : { responses }),
        signature: signatureOf(password),
      });
      setOpen(false);
      props.onDone(body);
    } catch (refusal) {
      setPassword('');
      setFailure(refusal);
    }
  }
  return (
    <>
      <button type="button" class="primary" onClick={() => setOpen(true)}>
        Return to service
      </button>
      {open && (
        <Dialog title={`Return ${machine.serialNumber} to service`} onClose={() => setOpen(false)}>
          <form onSubmit={submit} noValidate>
            {props.calibrationRequired ? (
              calibrations.data && calibrations.data.length > 0 ? (
                <SelectField
                  label="Approved calibration that verifies it"
                  value={calibrationNumber || calibrations.data[0]!.calibrationNumber}
                  options={calibrations.data.map((event) => ({ value: event.calibrationNumber, label: `${event.calibrationNumber} · ${event.performedOn} · ${event.result}` }))}
                  onValue={setCalibrationNumber}
                  hint="Its plan requires calibration: a passing calibration approved since the machine was quarantined."
                />
              ) : (
                <p class="alert info">Record a calibration and have it approved first: its plan requires calibration before it returns to service.</p>
              )
            ) : (checks.data ?? []).length === 0 ? (
              <p class="hint">The model asks for no return-to-service checks: your signature verifies the machine.</p>
            ) : (
              <ol class="tasks">
                {checks.data!.map((task) => (
                  <li key={task.taskId} class="task">
                    {task.kind === 'check' ? (
                      <label>
                        <input type="checkbox" checked={answers[task.taskId]?.done ?? false} onChange={(event) => setAnswers({ ...answers, [task.taskId]: { done: event.currentTarget.checked, value: '' } })} /> {task.text}
                      </label>
                    ) : (
                      <TextField
                        label={`${task.text}${task.unit ? ` (${task.unit})` : ''}`}
                        inputMode="decimal"
                        value={answers[task.taskId]?.value ?? ''}
                        onValue={(value) => setAnswers({ ...answers, [task.taskId]: { done: true, value } })}
                      />
                    )}
                  </li>
                ))}
              </ol>
            )}
            <p class="hint">Ends nonconformity {machine.quarantinedBy.join(', ')}.</p>
            <Field label="What was repaired or verified (required when no repair is logged)">
              {({ id, describedBy, invalid }) => <textarea id={id} rows={3} value={note} aria-describedby={describedBy} aria-invalid={invalid || undefined} onInput={(event) => setNote(event.currentTarget.value)} />}
            </Field>
            <p class="meaning">
              Meaning: <strong>Verified by</strong>
            </p>
            {session.value!.user.authMethod === 'local' && <PasswordField label="Your password, to sign" value={password} onValue={setPassword} autocomplete="current-password" />}
            <ErrorMessage error={failure} />
            <DialogActions submitLabel="Sign and return to service" onCancel={() => setOpen(false)} />
          </form>
        </Dialog>
      )}
    </>
  );
}

function DispositionForm(props: { nc: Nonconformity; item: ImpactItem; onDone: (nc: Nonconformity) => void }) {
  const [disposition, setDisposition] = useState<(typeof dispositions)[number]>('No impact');
  const [reason, setReason] = useState('');
  const [password, setPassword] = useState('');
  const [failure, setFailure] = useState<unknown>(null);
  async function submit(event: Event) {
    event.preventDefault();
    setFailure(null);
    try {
      const { body } = await api.post<Nonconformity>(`${ncPath(props.nc.labId, props.nc.ncNumber)}/dispositions`, { itemId: props.item.itemId, disposition, reason, signature: signatureOf(password) });
      props.onDone(body);
    } catch (refusal) {
      setPassword('');
      setFailure(refusal);
    }
  }
  return (
    <form class="disposition" onSubmit={submit} noValidate aria-label={`Disposition of ${props.item.reference}`}>
      <SelectField label={`Disposition of ${props.item.reference}`} value={disposition} options={dispositions} onValue={setDisposition} hint="Recalibrate makes that machine not fit until its next approved calibration." />
      <TextField label="Reason" value={reason} onValue={setReason} />
      {session.value!.user.authMethod === 'local' && <PasswordField label="Your password, to sign" value={password} onValue={setPassword} autocomplete="current-password" />}
      <ErrorMessage error={failure} />
      <button type="submit" class="primary">
        Sign the disposition
      </button>
    </form>
  );
}

function itemLink(item: ImpactItem): string {
  return item.kind === 'pm-record' ? `/records/${item.labId}/${item.reference}` : `/equipment/${item.labId}/${encodeURIComponent(item.serialNumber)}/calibration`;
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
  const [password, setPassword] = useState('');
  const [failure, setFailure] = useState<unknown>(null);
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
      const { body } = await api.post<Nonconformity>(`${ncPath(current.labId, current.ncNumber)}/actions`, { text: action, ...(statusChange ? { statusChange } : {}) });
      setAction('');
      changed(body, 'Repair logged.');
    } catch (refusal) {
      setFailure(refusal);
    }
  }
  async function close(event: Event) {
    event.preventDefault();
    try {
      const { body } = await api.post<Nonconformity>(`${ncPath(current.labId, current.ncNumber)}/close`, { summary, signature: signatureOf(password) });
      changed(body, `${current.ncNumber} is closed.`);
    } catch (refusal) {
      setPassword('');
      setFailure(refusal);
    }
  }
  async function addPhoto(file: File | null) {
    if (!file) return;
    try {
      const kept = await sendPhoto(current.labId, current.ncNumber, file);
      const { body } = await api.get<Nonconformity>(ncPath(current.labId, current.ncNumber));
      changed(body, `${kept.fileName} is kept (SHA-256 ${kept.sha256.slice(0, 12)}…).`);
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
          <Link href={`/equipment/${current.labId}/${encodeURIComponent(current.serialNumber)}/calibration`}>{current.serialNumber}</Link> ({current.modelId}, {current.labId})
        </dd>
        <dt>Status</dt>
        <dd>
          <span class={open ? 'badge missed' : 'badge done'}>{current.status}</span>
        </dd>
        <dt>Found by</dt>
        <dd>
          {current.source === 'calibration' ? `calibration ${current.calibrationNumber}` : current.source === 'pm-fault' ? `PM checklist ${current.recordNumber}` : 'a report'} · {current.openedBy.displayName},{' '}
          {formatDateTime(current.openedAt, current.labId)}
        </dd>
        <dt>What is wrong</dt>
        <dd>{current.description}</dd>
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
                  <strong>{item.disposition.disposition}</strong>: {item.disposition.reason} · {item.disposition.signature.meaning} {item.disposition.by.displayName}, {formatDateTime(item.disposition.at, item.labId)}
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
                <SelectField label="Move the machine to" value={statusChange} options={[{ value: '', label: 'Keep its status' }, ...repairStatuses.map((status) => ({ value: status, label: status }))]} onValue={setStatusChange} />
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
                  · {file.uploadedBy.displayName}, {formatDateTime(file.uploadedAt, current.labId)}
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
          <strong>{current.closure.signature.meaning}</strong> {current.closure.by.displayName}, {formatDateTime(current.closure.at, current.labId)}: {current.closure.summary}
        </p>
      ) : (
        readsItsLab &&
        may('nonconformities', 'write') && (
          <form class="close-nc" onSubmit={close} noValidate>
            <h2>Close</h2>
            {undisposed.length > 0 && <p class="hint">{undisposed.length} item(s) still need a disposition before it closes.</p>}
            <TextField label="Summary: cause, repair and impact" value={summary} onValue={setSummary} />
            {session.value!.user.authMethod === 'local' && <PasswordField label="Your password, to sign" value={password} onValue={setPassword} autocomplete="current-password" />}
            <button type="submit" class="primary">
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
                <td data-label="Found by">{nc.source}</td>
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
