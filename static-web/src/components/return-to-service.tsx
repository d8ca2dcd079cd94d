import { useState } from 'preact/hooks';
import type { Calibration } from '../../../shared/schemas/calibration.js';
import type { Model, Task } from '../../../shared/schemas/catalog.js';
import type { Equipment } from '../../../shared/schemas/equipment.js';
import type { Nonconformity } from '../../../shared/schemas/nonconformities.js';
import { api } from '../api.js';
import { Link } from '../router.js';
import { may, session } from '../state.js';
import { Dialog, DialogActions, ErrorMessage, Field, labDayOf, Loading, SelectField, TextField, useLoad } from '../ui.js';
import { parseDecimal } from './decimal-input.js';
import { ncPage } from './nonconformity-paths.js';
import { SignatureStep } from './signature-step.js';
import { useSignedSubmit } from './signed-submit.js';

/** Whether the machine is held out of service by a nonconformity: what a return to service ends. */
export function awaitsReturnToService(fitness: Equipment['fitness']): boolean {
  return (
    fitness.reasons.includes('out of service') && (fitness.reasons.includes('open nonconformity') || fitness.reasons.includes('awaiting return to service'))
  );
}

interface Quarantine {
  /** The nonconformities opened since the machine last entered service: what the signature covers. */
  nonconformities: Nonconformity[];
  /** The lab's date the quarantine began: a verifying calibration is performed on or after it. */
  since: string | null;
  machine: Equipment;
}

async function quarantineOf(labId: string, serialNumber: string): Promise<Quarantine> {
  const machine = (await api.get<Equipment>(`/api/labs/${labId}/equipment/${encodeURIComponent(serialNumber)}`)).body;
  const listed = (await api.get<{ items: Nonconformity[] }>(`/api/labs/${labId}/nonconformities?serialNumber=${encodeURIComponent(serialNumber)}`)).body.items;
  const enteredService = machine.inServiceSince ?? '';
  const nonconformities = listed.filter((nc) => nc.openedAt >= enteredService).sort((a, b) => a.openedAt.localeCompare(b.openedAt));
  return { machine, nonconformities, since: nonconformities[0] ? labDayOf(nonconformities[0].openedAt, labId) : null };
}

/** A calibration that verifies the machine: approved, passing, performed on or after the day it was quarantined. */
function verifies(calibration: Calibration, since: string | null): boolean {
  return (
    calibration.status === 'Approved' && calibration.result !== 'Fail' && !calibration.outOfTolerance && (since === null || calibration.performedOn >= since)
  );
}

type CheckAnswer = { done: boolean; value: string };

function ReturnChecks(props: { tasks: Task[]; answers: Record<string, CheckAnswer>; onAnswer: (taskId: string, answer: CheckAnswer) => void }) {
  if (props.tasks.length === 0) return <p class="hint">The model asks for no return-to-service checks: your signature verifies the machine.</p>;
  return (
    <ol class="tasks">
      {props.tasks.map((task) => (
        <li key={task.taskId} class="task">
          {task.kind === 'check' ? (
            <label>
              <input
                type="checkbox"
                checked={props.answers[task.taskId]?.done ?? false}
                onChange={(event) => props.onAnswer(task.taskId, { done: event.currentTarget.checked, value: '' })}
              />{' '}
              {task.text}
            </label>
          ) : (
            <TextField
              label={`${task.text}${task.unit ? ` (${task.unit})` : ''}`}
              inputMode="decimal"
              value={props.answers[task.taskId]?.value ?? ''}
              onValue={(value) => props.onAnswer(task.taskId, { done: true, value })}
              error={
                props.answers[task.taskId]?.value.trim() && Number.isNaN(parseDecimal(props.answers[task.taskId]!.value))
                  ? 'Enter a number, such as 0,5 or 0.5.'
                  : undefined
              }
            />
          )}
        </li>
      ))}
    </ol>
  );
}

/**
 * The signed verification that brings a quarantined machine back (SPEC §10): a calibration where its
 * plan requires one, else the model's checks. The dialog says what the signature ends and, before any
 * password is asked, whether a calibration qualifies at all.
 */
export function ReturnToServiceButton(props: {
  labId: string;
  serialNumber: string;
  fitness: Equipment['fitness'];
  calibrationRequired: boolean;
  onDone: (machine: Equipment) => void;
}) {
  const role = session.value?.labs.find((lab) => lab.labId === props.labId)?.role ?? null;
  const [open, setOpen] = useState(false);
  const [calibrationNumber, setCalibrationNumber] = useState('');
  const [answers, setAnswers] = useState<Record<string, CheckAnswer>>({});
  const [note, setNote] = useState('');
  const signed = useSignedSubmit();
  const base = `/api/labs/${props.labId}/equipment/${encodeURIComponent(props.serialNumber)}`;
  const loaded = useLoad(async () => {
    if (!open) return null;
    const quarantine = await quarantineOf(props.labId, props.serialNumber);
    const checks = props.calibrationRequired
      ? []
      : ((await api.get<Model>(`/api/models/${encodeURIComponent(quarantine.machine.modelId)}`)).body.returnToServiceChecks ?? []);
    const calibrations = props.calibrationRequired
      ? (await api.get<{ items: Calibration[] }>(`${base}/calibrations`)).body.items.filter((event) => verifies(event, quarantine.since))
      : [];
    return { ...quarantine, checks, calibrations };
  }, [open]);
  if (!may('nonconformities', 'write', role) || !awaitsReturnToService(props.fitness)) return null;
  const data = loaded.data;
  const noCalibration = props.calibrationRequired && data !== null && data.calibrations.length === 0;

  async function submit(event: Event) {
    event.preventDefault();
    if (!data) return;
    const responses = data.checks.map((task) => {
      const answer = answers[task.taskId] ?? { done: false, value: '' };
      const value = task.kind === 'reading' && answer.value.trim() !== '' ? parseDecimal(answer.value) : undefined;
      return { taskId: task.taskId, done: task.kind === 'reading' ? value !== undefined : answer.done, ...(value !== undefined ? { value } : {}) };
    });
    const outcome = await signed.submit(
      async (signature) =>
        (
          await api.post<Equipment>(`${base}/return-to-service`, {
            // What the signer read: the server refuses when another nonconformity holds the machine meanwhile.
            nonconformities: data.machine.quarantinedBy,
            ...(note.trim() ? { note } : {}),
            ...(props.calibrationRequired ? { calibrationNumber: calibrationNumber || data.calibrations[0]?.calibrationNumber } : { responses }),
            signature,
          })
        ).body,
    );
    if (!outcome.signed) return;
    setOpen(false);
    props.onDone(outcome.answer);
  }

  return (
    <>
      <button type="button" class="primary" onClick={() => setOpen(true)}>
        Return to service
      </button>
      {open && (
        <Dialog title={`Return ${props.serialNumber} to service`} onClose={() => setOpen(false)}>
          {!data ? (
            loaded.error ? (
              <ErrorMessage error={loaded.error} />
            ) : (
              <Loading what="what the return to service needs" />
            )
          ) : (
            <form onSubmit={submit} noValidate>
              {data.nonconformities.length > 0 && (
                <p>
                  Your signature ends the quarantine of{' '}
                  {data.nonconformities.map((nc, index) => (
                    <span key={nc.ncNumber}>
                      {index > 0 && ', '}
                      <Link href={ncPage(nc.labId, nc.ncNumber)}>{nc.ncNumber}</Link> ({nc.description})
                    </span>
                  ))}
                  {data.since && `, out of service since ${data.since}`}.
                </p>
              )}
              {noCalibration ? (
                <p class="alert info" role="status">
                  No calibration qualifies yet: its plan requires a passing calibration performed on or after {data.since ?? 'the day it was quarantined'} and
                  approved. Record one and have it approved, then return it to service.
                </p>
              ) : props.calibrationRequired ? (
                <SelectField
                  label="Approved calibration that verifies it"
                  value={calibrationNumber || data.calibrations[0]!.calibrationNumber}
                  options={data.calibrations.map((event) => ({
                    value: event.calibrationNumber,
                    label: `${event.calibrationNumber} · ${event.performedOn} · ${event.result}`,
                  }))}
                  onValue={setCalibrationNumber}
                  hint="Its plan requires calibration: a passing calibration approved since the machine was quarantined."
                />
              ) : (
                <ReturnChecks tasks={data.checks} answers={answers} onAnswer={(taskId, answer) => setAnswers({ ...answers, [taskId]: answer })} />
              )}
              {!noCalibration && (
                <>
                  <Field label="What was repaired or verified" hint="Required when no repair is logged on the nonconformity.">
                    {({ id, describedBy, invalid }) => (
                      <textarea
                        id={id}
                        rows={3}
                        value={note}
                        aria-describedby={describedBy}
                        aria-invalid={invalid || undefined}
                        onInput={(event) => setNote(event.currentTarget.value)}
                      />
                    )}
                  </Field>
                  <p class="meaning">
                    Meaning: <strong>Verified by</strong>
                  </p>
                  <SignatureStep password={signed.password} onPassword={signed.setPassword} error={signed.passwordError} />
                </>
              )}
              <ErrorMessage error={signed.failure} />
              {noCalibration ? (
                <div class="actions">
                  <button type="button" class="secondary" onClick={() => setOpen(false)}>
                    Close
                  </button>
                </div>
              ) : (
                <DialogActions submitLabel="Sign and return to service" disabled={signed.busy} onCancel={() => setOpen(false)} />
              )}
            </form>
          )}
        </Dialog>
      )}
    </>
  );
}
