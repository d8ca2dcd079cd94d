import type { CalibrationPlan } from '../../../shared/schemas/calibration.js';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Task } from '../../../shared/schemas/catalog.js';
import type { PmRecord, RecordSummary, Response } from '../../../shared/schemas/records.js';
import type { Meter, ReadingReason } from '../../../shared/schemas/meters.js';
import { checkResponses } from '../../../shared/records/record-rules.js';
import { formatReading } from '../../../shared/domain/readings.js';
import { usageCauseWords } from '../../../shared/domain/meters.js';
import { completionMeanings } from '../../../shared/schemas/vocabulary.js';
import { api, ApiError, describeError } from '../api.js';
import { parseDecimal } from '../components/decimal-input.js';
import { SignatureStep } from '../components/signature-step.js';
import { useSignedSubmit } from '../components/signed-submit.js';
import type { Nonconformity } from '../../../shared/schemas/nonconformities.js';
import { ncPage } from '../components/nonconformity-paths.js';
import { PhotoField, sendPhoto } from '../components/photo-field.js';
import { RecordStatusBadge } from '../components/record-status.js';
import { Link } from '../router.js';
import { forgetDraft, may, session, takeNextInWorkList, useKeptDraft } from '../state.js';
import { ErrorMessage, formatDateTime, formatDueTime, Loading, Notice, PageTitle, PrintHeader, useLoad } from '../ui.js';

interface Answer {
  done: boolean;
  value: string;
  note: string;
  /** "Fault found": the note says what is wrong, and completing opens a nonconformity. */
  fault?: boolean;
  /** Why a reading of a meter is lower than its last one: the meter was replaced or reset. */
  meterReason?: ReadingReason | '';
}
type Answers = Record<string, Answer>;

function answersFrom(tasks: Task[], responses: Response[]): Answers {
  const byTask = new Map(responses.map((response) => [response.taskId, response]));
  return Object.fromEntries(
    tasks.map((task) => {
      const response = byTask.get(task.taskId);
      return [
        task.taskId,
        {
          done: response?.done ?? false,
          value: response?.value === undefined ? '' : String(response.value),
          note: response?.note ?? '',
          fault: response?.fault ?? false,
        },
      ];
    }),
  );
}

/** The API's limit on a note (shared/schemas/records.ts). */
const noteLimit = 1000;

function readingValue(text: string): number | undefined {
  return text.trim() === '' ? undefined : parseDecimal(text);
}

/** The machine's meter a reading task updates, found by name as the server finds it. */
function meterOf(task: Task, meters: readonly Meter[]): Meter | undefined {
  return task.meter === undefined ? undefined : meters.find((meter) => meter.name.toLowerCase() === task.meter!.toLowerCase());
}

/** Whether the value typed is lower than the meter's last reading, so the meter must have been replaced or reset. */
function belowMeter(task: Task, answer: Answer, meters: readonly Meter[]): Meter | null {
  const meter = meterOf(task, meters);
  const value = readingValue(answer.value);
  return meter !== undefined && meter.value !== null && value !== undefined && !Number.isNaN(value) && value < meter.value ? meter : null;
}

function outOfRange(task: Task, answer: Answer): boolean {
  const value = readingValue(answer.value);
  if (value === undefined || Number.isNaN(value)) return false;
  return (task.min !== undefined && value < task.min) || (task.max !== undefined && value > task.max);
}

/** What an open checklist asks, for a reader who will not fill it in: an auditor, or anyone once it can no longer be done. */
function TaskList(props: { record: PmRecord }) {
  return (
    <section aria-labelledby="tasks">
      <h2 id="tasks">What the checklist asks</h2>
      <ol class="task-list">
        {props.record.tasks.map((task) => (
          <li key={task.taskId}>
            {task.text}
            {task.kind === 'reading' && (
              <span class="hint">
                {' '}
                · a reading{task.unit ? ` in ${task.unit}` : ''}
                {task.min !== undefined || task.max !== undefined ? `; ${limits(task).replace(/^Acceptable/, 'acceptable')}` : ''}
              </span>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

function limits(task: Task): string {
  const unit = task.unit ? ` ${task.unit}` : '';
  // "−5 to 5 °C", not "-5–5 °C": a dash between signed numbers reads as a minus.
  if (task.min !== undefined && task.max !== undefined) return `Acceptable: ${task.min} to ${task.max}${unit}`;
  if (task.min !== undefined) return `Acceptable: at least ${task.min}${unit}`;
  if (task.max !== undefined) return `Acceptable: at most ${task.max}${unit}`;
  return task.unit ? `In ${task.unit}` : '';
}

/** The body the API takes: a reading counts as done once it has a value. */
function responsesOf(tasks: Task[], answers: Answers, meters: readonly Meter[]) {
  return tasks.map((task) => {
    const answer = answers[task.taskId]!;
    const value = task.kind === 'reading' ? readingValue(answer.value) : undefined;
    return {
      taskId: task.taskId,
      // A check marked "Fault found" was carried out: the fault is its outcome, no tick needed beside it.
      done: task.kind === 'reading' ? value !== undefined : answer.done || Boolean(answer.fault),
      ...(value !== undefined ? { value } : {}),
      ...(answer.note.trim() ? { note: answer.note.trim() } : {}),
      ...(answer.fault ? { fault: true } : {}),
      ...(answer.meterReason && belowMeter(task, answer, meters) ? { meterReason: answer.meterReason } : {}),
    };
  });
}

/**
 * What the server would refuse, found before sending: every task left unticked, every reading left
 * empty or not a number, every reading outside its limits without a note, and a missing password;
 * each by its task's name, all at once. The rules are the server's own (record-rules.ts).
 */
function formProblems(
  tasks: Task[],
  responses: ReturnType<typeof responsesOf>,
  meters: readonly Meter[],
  passwordNeeded: boolean,
  password: string,
): { fields: Record<string, string>; summary: string[] } {
  const fields: Record<string, string> = {};
  const notNumbers = new Set(responses.flatMap((response, index) => (response.value !== undefined && Number.isNaN(response.value) ? [index] : [])));
  for (const index of notNumbers) fields[`responses.${index}.value`] = `"${tasks[index]!.text}" needs a number, such as 0.2`;
  responses.forEach((response, index) => {
    const length = response.note?.length ?? 0;
    if (length > noteLimit)
      fields[`responses.${index}.note`] = `The note on "${tasks[index]!.text}" is ${length} characters; shorten it to ${noteLimit.toLocaleString('en-US')}`;
  });
  // Same positions as sent, so each error's path names the task it concerns.
  const checkable = responses.map((response, index) => (notNumbers.has(index) ? { taskId: response.taskId, done: true } : response));
  for (const error of checkResponses(tasks, checkable).errors) {
    // An empty reading is "not done" and "needs a reading": saying the second is enough.
    const index = Number(/^responses\.(\d+)\.done$/.exec(error.field)?.[1] ?? -1);
    if (tasks[index]?.kind === 'reading') continue;
    fields[error.field] ??= error.message;
  }
  responses.forEach((response, index) => {
    const task = tasks[index]!;
    const meter = meterOf(task, meters);
    if (meter !== undefined && meter.value !== null && response.value !== undefined && response.value < meter.value && !response.meterReason)
      fields[`responses.${index}.meterReason`] =
        `"${task.text}" is lower than the last reading of ${meter.name} (${meter.value} ${meter.unit}): say whether the meter was replaced or reset`;
  });
  if (passwordNeeded && !password) fields['signature.password'] = 'Enter your password to sign.';
  return { fields, summary: Object.values(fields) };
}

/** Field errors of the API (`responses.3.note`) placed on the task they concern. */
function taskErrors(tasks: Task[], errors: Record<string, string>, sent: { taskId: string }[]): Record<string, string> {
  const byTask: Record<string, string> = {};
  for (const [field, message] of Object.entries(errors)) {
    const found = /^responses\.(\d+)/.exec(field);
    if (found) {
      const taskId = sent[Number(found[1])]?.taskId;
      if (taskId) byTask[taskId] = message;
    }
  }
  if (errors.responses) {
    for (const task of tasks) if (errors.responses.startsWith(`${task.taskId} `)) byTask[task.taskId] = errors.responses;
  }
  return byTask;
}

/** Under a reading that updates a meter: the meter's last reading, so the technician sees what the machine said before. */
function MeterHint(props: { task: Task; meters: readonly Meter[] }) {
  const meter = meterOf(props.task, props.meters);
  if (props.task.meter === undefined) return null;
  if (!meter || meter.value === null) return <p class="hint">Updates the machine's meter {props.task.meter}: this is its first reading.</p>;
  return (
    <p class="hint">
      Updates the meter {meter.name}: last read {meter.value} {meter.unit}
      {meter.lastReadAt ? ` on ${formatDateTime(meter.lastReadAt)}` : ''}.
    </p>
  );
}

function TaskInputs(props: {
  tasks: Task[];
  answers: Answers;
  meters: readonly Meter[];
  onChange: (taskId: string, answer: Answer) => void;
  errors: Record<string, string>;
}) {
  return (
    <ol class="tasks">
      {props.tasks.map((task) => {
        const answer = props.answers[task.taskId]!;
        const id = `task-${task.taskId}`;
        const error = props.errors[task.taskId];
        const flagged = task.kind === 'reading' && outOfRange(task, answer);
        const update = (change: Partial<Answer>) => props.onChange(task.taskId, { ...answer, ...change });
        return (
          <li key={task.taskId} class={error ? 'task invalid' : 'task'}>
            {task.kind === 'check' ? (
              <div class="tick">
                <input
                  id={id}
                  type="checkbox"
                  checked={answer.done}
                  aria-describedby={error ? `${id}-error` : undefined}
                  onChange={(event) => update({ done: event.currentTarget.checked })}
                />
                <label for={id}>{task.text}</label>
                {answer.fault && (
                  <div class="fault-note">
                    <label for={`${id}-note`}>What is wrong (required)</label>
                    <textarea id={`${id}-note`} rows={2} value={answer.note} required onInput={(event) => update({ note: event.currentTarget.value })} />
                  </div>
                )}
              </div>
            ) : (
              <div class={flagged ? 'reading out-of-range' : 'reading'}>
                <label for={id}>
                  {task.text}
                  {task.unit && <span class="unit"> ({task.unit})</span>}
                </label>
                <div class="reading-input">
                  <input
                    id={id}
                    type="text"
                    inputMode="decimal"
                    autocomplete="off"
                    value={answer.value}
                    aria-describedby={`${id}-limits${error ? ` ${id}-error` : ''}`}
                    aria-invalid={flagged || Boolean(error) || undefined}
                    onInput={(event) => update({ value: event.currentTarget.value })}
                  />
                  {task.unit && <span aria-hidden="true">{task.unit}</span>}
                </div>
                <p class="hint" id={`${id}-limits`}>
                  {limits(task)}
                </p>
                <MeterHint task={task} meters={props.meters} />
                {belowMeter(task, answer, props.meters) && (
                  <fieldset class="meter-reason">
                    <legend>Lower than the meter's last reading: the meter was</legend>
                    {(['replaced', 'reset'] as const).map((reason) => (
                      <label key={reason}>
                        <input
                          type="radio"
                          name={`${id}-meter-reason`}
                          value={reason}
                          checked={answer.meterReason === reason}
                          onChange={() => update({ meterReason: reason })}
                        />{' '}
                        {reason === 'replaced' ? 'Replaced' : 'Reset to zero'}
                      </label>
                    ))}
                  </fieldset>
                )}
                {flagged && (
                  <p class="warning" role="status">
                    Outside the limits: say why in the note.
                  </p>
                )}
                <label for={`${id}-note`}>{answer.fault ? 'What is wrong (required)' : `Note${flagged ? ' (required)' : ' (optional)'}`}</label>
                <textarea
                  id={`${id}-note`}
                  rows={2}
                  value={answer.note}
                  required={flagged}
                  aria-describedby={`${id}-note-count`}
                  onInput={(event) => update({ note: event.currentTarget.value })}
                />
                <p class={answer.note.trim().length > noteLimit ? 'hint over' : 'hint'} id={`${id}-note-count`}>
                  {answer.note.trim().length} of {noteLimit.toLocaleString('en-US')} characters
                </p>
              </div>
            )}
            <div class="fault-toggle">
              <input id={`${id}-fault`} type="checkbox" checked={answer.fault ?? false} onChange={(event) => update({ fault: event.currentTarget.checked })} />
              <label for={`${id}-fault`}>Fault found</label>
            </div>
            {error && (
              <p class="field-error" id={`${id}-error`}>
                {error}
              </p>
            )}
          </li>
        );
      })}
    </ol>
  );
}

function refusalText(error: unknown): string {
  if (error instanceof ApiError && (error.status === 409 || error.status === 412)) return `${error.message} The record below is as it stands now.`;
  return describeError(error);
}

/** The nonconformity the completion opened, with the photo taken at the machine; shown by the record page. */
export const faultReported = { ncNumber: null as string | null };

async function reportPhoto(record: PmRecord, photo: File | null): Promise<void> {
  const open = await api
    .get<{ items: Nonconformity[] }>(`/api/labs/${record.labId}/nonconformities?status=Open&serialNumber=${encodeURIComponent(record.serialNumber)}`)
    .catch(() => null);
  const nc = open?.body.items.find((candidate) => candidate.recordNumber === record.recordNumber);
  if (!nc) return;
  faultReported.ncNumber = nc.ncNumber;
  if (photo) await sendPhoto(record.labId, nc.ncNumber, photo).catch(() => undefined);
}

function CompletionForm(props: { record: PmRecord; etag: string | null; onDone: (record: PmRecord) => void; onStale: () => void }) {
  const { record } = props;
  const draftKey = `record:${record.labId}:${record.recordNumber}`;
  const [answers, setAnswers] = useState<Answers>(() => answersFrom(record.tasks, []));
  const [meaning, setMeaning] = useState<string>(completionMeanings[0]);
  // The machine's meters, read only when a task updates one: its last reading is shown beside the task.
  const readsMeters = record.tasks.some((task) => task.meter !== undefined);
  const loadedMeters = useLoad(
    () =>
      readsMeters
        ? api.get<{ items: Meter[] }>(`/api/labs/${record.labId}/equipment/${encodeURIComponent(record.serialNumber)}/meters`).then(({ body }) => body.items)
        : Promise.resolve([]),
    [record.recordNumber],
  );
  const meters = loadedMeters.data ?? [];
  const signed = useSignedSubmit();
  const { password, errors, failure, busy } = signed;
  const [summary, setSummary] = useState<string[]>([]);
  const [photo, setPhoto] = useState<File | null>(null);
  const summaryRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (summary.length > 0) summaryRef.current?.focus();
  }, [summary]);
  useKeptDraft(draftKey, { answers, meaning }, (kept) => {
    setAnswers(kept.answers);
    if ((completionMeanings as readonly string[]).includes(kept.meaning)) setMeaning(kept.meaning);
  });

  async function submit(event: Event) {
    event.preventDefault();
    setSummary([]);
    const responses = responsesOf(record.tasks, answers, meters);
    const problems = formProblems(record.tasks, responses, meters, session.value!.user.authMethod === 'local', password);
    if (problems.summary.length > 0) {
      signed.setErrors(problems.fields);
      signed.setFailure(null);
      setSummary(problems.summary);
      return;
    }
    const outcome = await signed.submit(
      async (signature) =>
        (
          await api.post<PmRecord>(
            `/api/labs/${record.labId}/records/${record.recordNumber}/complete`,
            { responses, signature: { meaning, ...signature } },
            { ifMatch: props.etag },
          )
        ).body,
      { describe: refusalText },
    );
    if (outcome.signed) {
      forgetDraft(draftKey);
      if (responses.some((response) => response.fault)) await reportPhoto(outcome.answer, photo);
      props.onDone(outcome.answer);
      return;
    }
    const { refusal } = outcome;
    if (refusal instanceof ApiError && refusal.status === 400 && refusal.problem?.errors) {
      // The answers were what was wrong: listed on top, each also beside its task.
      signed.setFailure(null);
      setSummary(refusal.problem.errors.map((error) => error.message));
    }
    if (refusal instanceof ApiError && (refusal.status === 409 || refusal.status === 412)) props.onStale();
  }

  const sent = responsesOf(record.tasks, answers, meters);
  return (
    <form class="completion" onSubmit={submit} noValidate>
      {summary.length > 0 && (
        <div class="alert error" role="alert" tabIndex={-1} ref={summaryRef}>
          <p>Nothing was signed. Before signing, correct {summary.length === 1 ? 'this' : `these ${summary.length}`}:</p>
          <ul>
            {summary.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </div>
      )}
      <h2>Checks</h2>
      <TaskInputs
        tasks={record.tasks}
        answers={answers}
        meters={meters}
        onChange={(taskId, answer) => {
          setAnswers({ ...answers, [taskId]: answer });
          signed.clearErrors(`responses.${record.tasks.findIndex((task) => task.taskId === taskId)}.`);
        }}
        errors={taskErrors(record.tasks, errors, sent)}
      />
      {sent.some((response) => response.fault) && (
        <div class="alert info">
          <p>A fault found opens a nonconformity when you sign: the machine goes out of service until a manager returns it.</p>
          <PhotoField label="Photo of the fault (optional)" onFile={setPhoto} />
        </div>
      )}
      <fieldset class="signature">
        <legend>Signature</legend>
        <p class="meaning">
          Meaning: <strong>{meaning}</strong>
          {record.needsVerification && ' · a second person verifies it afterwards'}
        </p>
        {errors['signature.meaning'] && <p class="field-error">{errors['signature.meaning']}</p>}
        <SignatureStep password={signed.password} onPassword={signed.setPassword} error={signed.passwordError} />
      </fieldset>
      <ErrorMessage error={failure} />
      <button type="submit" class="primary wide" disabled={busy}>
        {busy ? 'Signing…' : 'Sign and complete'}
      </button>
    </form>
  );
}

function answerText(task: PmRecord['tasks'][number], response: PmRecord['responses'][number] | undefined): string {
  if (!response) return '—';
  if (task.kind === 'check') return response.done ? '✓ Done' : 'Not done';
  return `${response.value === undefined ? '—' : formatReading(response.value, task)}${task.unit ? ` ${task.unit}` : ''}`;
}

/**
 * A completed record as an assessor reads it (21 CFR Part 11 §11.10(e)): each answer as signed, and
 * where it was amended, the signed value → the amended one with the amendment's number, reason,
 * signer and time beside it; then who performed, verified and amended it.
 */
export function CompletedView(props: { record: PmRecord }) {
  const { record } = props;
  const signed = new Map(record.responses.map((response) => [response.taskId, response]));
  const current = new Map(record.currentResponses.map((response) => [response.taskId, response]));
  return (
    <>
      <h2>Checks</h2>
      <ol class="tasks read-only">
        {record.tasks.map((task) => {
          const response = current.get(task.taskId);
          const changes = record.amendments.flatMap((amendment) =>
            amendment.changes.filter((change) => change.taskId === task.taskId).map((change) => ({ amendment, change })),
          );
          return (
            <li key={task.taskId} class={response?.outOfRange ? 'task out-of-range' : 'task'}>
              <span class="task-text">{task.text}</span>
              <span class="task-answer">
                {changes.length > 0 ? <span class="signed-value">Signed: {answerText(task, signed.get(task.taskId))}</span> : answerText(task, response)}
                {changes.length === 0 && response?.outOfRange && <strong> outside {limits(task).replace('Acceptable: ', '')}</strong>}
              </span>
              {response?.fault && <strong class="badge missed">fault found</strong>}
              {changes.length === 0 && response?.note && <span class="task-note">Note: {response.note}</span>}
              {changes.length > 0 && signed.get(task.taskId)?.note && <span class="task-note">Note as signed: {signed.get(task.taskId)!.note}</span>}
              {changes.map(({ amendment, change }) => (
                <span key={amendment.number} class="task-amendment">
                  <strong>Amendment {amendment.number}:</strong> {answerText(task, change.before)} → {answerText(task, change.after)}
                  {change.after.note && ` (note: ${change.after.note})`}
                  {change.after.outOfRange && ` · outside ${limits(task).replace('Acceptable: ', '')}`} — {amendment.reason} · {amendment.signature.meaning}{' '}
                  {amendment.signature.displayName}, {formatDateTime(amendment.signature.signedAt, record.labId)}
                </span>
              ))}
            </li>
          );
        })}
      </ol>
      {record.signature && (
        <p class="signature-line">
          <strong>{record.signature.meaning}</strong> {record.signature.displayName} ({record.signature.username}),{' '}
          {formatDateTime(record.signature.signedAt, record.labId)}
          {record.late && <span class="badge missed">completed late</span>}
        </p>
      )}
      {!record.signature && record.completedBy && (
        <p class="signature-line">
          <strong>Completed by</strong> {record.completedBy.displayName} ({record.completedBy.username})
          {record.completedAt && `, ${formatDateTime(record.completedAt, record.labId)}`}
          <span class="badge">imported from the old system, without an electronic signature</span>
        </p>
      )}
      {record.needsVerification && record.verification && (
        <p class="signature-line">
          <strong>{record.verification.meaning}</strong> {record.verification.displayName} ({record.verification.username}),{' '}
          {formatDateTime(record.verification.signedAt, record.labId)}
        </p>
      )}
      {record.needsVerification && !record.verification && (
        <p class="alert info" role="status">
          Not done yet: a second person signs "Verified by" before this checklist counts as done.
        </p>
      )}
      {record.amendments.length > 0 && (
        <section aria-labelledby="amendments-title">
          <h2 id="amendments-title">Amendments</h2>
          <ol class="amendments">
            {record.amendments.map((amendment) => (
              <li key={amendment.number}>
                <p>
                  <strong>{amendment.signature.meaning}</strong> {amendment.signature.displayName} ({amendment.signature.username}),{' '}
                  {formatDateTime(amendment.signature.signedAt, record.labId)}: {amendment.reason}
                </p>
                <ul>
                  {amendment.changes.map((change) => {
                    const task = record.tasks.find((candidate) => candidate.taskId === change.taskId);
                    return (
                      <li key={change.taskId}>
                        {task?.text ?? change.taskId}: {task ? answerText(task, change.before) : ''} → {task ? answerText(task, change.after) : ''}
                        {change.after.note && ` (${change.after.note})`}
                      </li>
                    );
                  })}
                </ul>
              </li>
            ))}
          </ol>
        </section>
      )}
    </>
  );
}

function VerifyForm(props: { record: PmRecord; etag: string | null; onDone: (record: PmRecord) => void }) {
  const signed = useSignedSubmit();
  const { failure } = signed;
  async function submit(event: Event) {
    event.preventDefault();
    const outcome = await signed.submit(
      async (signature) =>
        (await api.post<PmRecord>(`/api/labs/${props.record.labId}/records/${props.record.recordNumber}/verification`, { signature }, { ifMatch: props.etag }))
          .body,
      { describe: refusalText },
    );
    if (outcome.signed) props.onDone(outcome.answer);
  }
  return (
    <form class="verify" onSubmit={submit} noValidate>
      <h2>Verify</h2>
      <p class="hint">
        You check what {props.record.signature?.displayName ?? 'the performer'} recorded and sign it: meaning "Verified by", with your name and the time.
      </p>
      <SignatureStep password={signed.password} onPassword={signed.setPassword} error={signed.passwordError} />
      <ErrorMessage error={failure} />
      <button type="submit" class="primary">
        Sign as verified
      </button>
    </form>
  );
}

function AmendForm(props: { record: PmRecord; etag: string | null; onDone: (record: PmRecord) => void; onCancel: () => void }) {
  const { record } = props;
  const draftKey = `amend:${record.labId}:${record.recordNumber}`;
  const original = answersFrom(record.tasks, record.currentResponses);
  const [answers, setAnswers] = useState<Answers>(original);
  const [reason, setReason] = useState('');
  const signed = useSignedSubmit();
  const { errors, failure } = signed;
  useKeptDraft(draftKey, { answers, reason }, (kept) => {
    setAnswers(kept.answers);
    setReason(kept.reason);
  });
  // An amendment corrects the record only: the meter keeps the reading taken at completion.
  const all = responsesOf(record.tasks, answers, []);
  const before = responsesOf(record.tasks, original, []);
  const changed = all.filter((response, index) => JSON.stringify(response) !== JSON.stringify(before[index]));

  async function submit(event: Event) {
    event.preventDefault();
    if (changed.length === 0) {
      signed.setErrors({});
      signed.setFailure('Change at least one answer to amend the record.');
      return;
    }
    const outcome = await signed.submit(
      async (signature) =>
        (
          await api.post<PmRecord>(
            `/api/labs/${record.labId}/records/${record.recordNumber}/amendments`,
            { responses: changed, reason, signature },
            { ifMatch: props.etag },
          )
        ).body,
      { describe: refusalText },
    );
    if (!outcome.signed) return;
    forgetDraft(draftKey);
    props.onDone(outcome.answer);
  }

  return (
    <form class="completion" onSubmit={submit} noValidate>
      <h2>Amend this record</h2>
      <p class="hint">The original answers and signature stay on the record; the amendment is shown beside them.</p>
      <TaskInputs
        tasks={record.tasks}
        answers={answers}
        meters={[]}
        onChange={(taskId, answer) => {
          setAnswers({ ...answers, [taskId]: answer });
          signed.clearErrors('responses.');
        }}
        errors={taskErrors(record.tasks, errors, changed)}
      />
      <label for="amend-reason">Reason for the amendment</label>
      <textarea
        id="amend-reason"
        rows={3}
        value={reason}
        onInput={(event) => setReason(event.currentTarget.value)}
        aria-invalid={Boolean(errors.reason) || undefined}
      />
      {errors.reason && <p class="field-error">{errors.reason}</p>}
      <fieldset class="signature">
        <legend>Signature: Amended by</legend>
        <SignatureStep password={signed.password} onPassword={signed.setPassword} error={signed.passwordError} />
      </fieldset>
      <ErrorMessage error={failure} />
      <div class="actions">
        <button type="submit" class="primary">
          Sign amendment
        </button>
        <button type="button" class="secondary" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function JustifyForm(props: { record: PmRecord; onDone: (record: PmRecord) => void }) {
  const draftKey = `justify:${props.record.labId}:${props.record.recordNumber}`;
  const [reason, setReason] = useState('');
  const signed = useSignedSubmit();
  const { errors, failure } = signed;
  useKeptDraft(draftKey, { reason }, (kept) => setReason(kept.reason));
  async function submit(event: Event) {
    event.preventDefault();
    const outcome = await signed.submit(
      async (signature) =>
        (await api.post<PmRecord>(`/api/labs/${props.record.labId}/records/${props.record.recordNumber}/justification`, { reason, signature })).body,
    );
    if (!outcome.signed) return;
    forgetDraft(draftKey);
    props.onDone(outcome.answer);
  }
  return (
    <form class="justify" onSubmit={submit} noValidate>
      <h2>Justify the missed PM</h2>
      <label for="justify-reason">Why was it missed?</label>
      <textarea
        id="justify-reason"
        rows={3}
        value={reason}
        onInput={(event) => setReason(event.currentTarget.value)}
        aria-describedby={errors.reason ? 'justify-reason-error' : undefined}
      />
      {errors.reason && (
        <p class="field-error" id="justify-reason-error">
          {errors.reason}
        </p>
      )}
      <p class="hint">The justification is signed: meaning "Justified by", with your name and the time.</p>
      <SignatureStep password={signed.password} onPassword={signed.setPassword} error={signed.passwordError} />
      <ErrorMessage error={failure} />
      <button type="submit" class="secondary">
        Sign the justification
      </button>
    </form>
  );
}

/**
 * Whether the machine may be used for work (SPEC §9), said plainly where the technician stands: PM goes
 * on whatever the calibration says, but a machine that is not fit must not be used for results.
 */
function MachineFitness(props: { labId: string; serialNumber: string }) {
  const { data } = useLoad(
    () =>
      api
        .get<CalibrationPlan>(`/api/labs/${props.labId}/equipment/${encodeURIComponent(props.serialNumber)}/calibration-plan`)
        .then(({ body }) => body.fitness),
    [props.labId, props.serialNumber],
  );
  if (!data || data.state === 'fit') return null;
  const reasons = data.reasons.join('; ');
  return data.state === 'not fit' ? (
    <p class="alert error" role="status">
      {props.serialNumber} is not fit for use: {reasons}. Do the PM checks as usual, but do not use the machine for work until it is fit again.
    </p>
  ) : (
    <p class="alert info" role="status">
      {props.serialNumber}: {reasons}
      {data.calibrationDue ? ` (due ${data.calibrationDue})` : ''}.
    </p>
  );
}

export function RecordPage(props: { labId: string; recordNumber: string }) {
  const { data, error, loading, reload } = useLoad(
    () => api.get<PmRecord>(`/api/labs/${props.labId}/records/${props.recordNumber}`),
    [props.labId, props.recordNumber],
  );
  const [current, setCurrent] = useState<{ record: PmRecord; notice: string; next?: RecordSummary | null; ncNumber?: string | null } | null>(null);
  const [amending, setAmending] = useState(false);
  useEffect(() => setCurrent(null), [data]);
  const role = session.value?.labs.find((lab) => lab.labId === props.labId)?.role ?? null;
  if (loading && !data) return <Loading what="the record" />;
  if (!data) return <ErrorMessage error={error} />;
  const record = current?.record ?? data.body;
  const completable =
    (record.status === 'Open' || record.status === 'Missed') && record.completableUntil !== null && Date.parse(record.completableUntil) > Date.now();
  const settled = (next: PmRecord, notice: string, leadsOn = false) => {
    setAmending(false);
    const ncNumber = faultReported.ncNumber;
    faultReported.ncNumber = null;
    setCurrent({ record: next, notice, next: leadsOn && !ncNumber ? takeNextInWorkList(next.labId, next.recordNumber) : null, ncNumber });
  };
  return (
    <>
      <PrintHeader
        title={`PM record ${record.recordNumber} · ${record.frequency} PM of ${record.serialNumber}`}
        labIds={[record.labId]}
        period={record.periodStart}
      />
      <PageTitle title={`${record.frequency} PM · ${record.serialNumber}`}>
        {record.status !== 'Open' && (
          <button type="button" class="secondary" onClick={() => print()}>
            Print
          </button>
        )}
      </PageTitle>
      {current && (
        <Notice>
          {current.notice}{' '}
          {current.next && (
            <Link href={`/records/${current.next.labId}/${current.next.recordNumber}`} class="button next-checklist" autoFocus>
              Next: {current.next.serialNumber} · {current.next.frequency}
            </Link>
          )}{' '}
          <Link href="/">Back to today’s list</Link>
        </Notice>
      )}
      {current?.ncNumber && (
        <p class="alert error" role="status">
          Fault reported: nonconformity <Link href={ncPage(record.labId, current.ncNumber)}>{current.ncNumber}</Link> is open, and {record.serialNumber} is out
          of service until a manager returns it.
        </p>
      )}
      <MachineFitness labId={record.labId} serialNumber={record.serialNumber} />
      <dl class="facts">
        <dt>Record</dt>
        <dd>{record.recordNumber}</dd>
        <dt>Status</dt>
        <dd>
          <RecordStatusBadge record={record} />
          {record.late && record.status === 'Completed' && ' late'}
        </dd>
        <dt>Machine</dt>
        <dd>
          {may('equipment', 'read', role) ? <Link href={`/equipment/${record.labId}/${record.serialNumber}`}>{record.serialNumber}</Link> : record.serialNumber}
        </dd>
        <dt>Model</dt>
        <dd>
          {record.modelId} (version {record.modelVersion})
        </dd>
        {record.usage ? (
          <>
            <dt>Opened</dt>
            <dd>
              {record.periodStart}: {record.usage.meter} {usageCauseWords(record.usage)}
            </dd>
          </>
        ) : (
          <>
            <dt>Period</dt>
            <dd>{record.periodStart}</dd>
          </>
        )}
        <dt>Due</dt>
        <dd>{formatDueTime(record.dueEnd, record.labId)}</dd>
        {completable && record.status === 'Missed' && (
          <>
            <dt>Can be done late until</dt>
            <dd>{formatDateTime(record.completableUntil, record.labId)}</dd>
          </>
        )}
        {record.cancelReason && (
          <>
            <dt>Cancelled</dt>
            <dd>{record.cancelReason}</dd>
          </>
        )}
        {record.justification && (
          <>
            <dt>Justification</dt>
            <dd>
              {record.justification.reason} ({record.justification.signature ? `${record.justification.signature.meaning} ` : ''}
              {record.justification.by.displayName}, {formatDateTime(record.justification.at, record.labId)})
            </dd>
          </>
        )}
      </dl>
      {record.status !== 'Completed' && !(completable && may('records', 'complete', role)) && <TaskList record={record} />}
      {completable && may('records', 'complete', role) && (
        <CompletionForm record={record} etag={current ? null : data.etag} onDone={(done) => settled(done, 'Signed and completed.', true)} onStale={reload} />
      )}
      {record.status === 'Completed' && <CompletedView record={record} />}
      {record.status === 'Completed' && may('records', 'write', role) && !amending && (
        <button type="button" class="secondary" onClick={() => setAmending(true)}>
          Amend
        </button>
      )}
      {record.status === 'Completed' &&
        record.needsVerification &&
        !record.verification &&
        may('records', 'complete', role) &&
        record.completedBy?.username !== session.value?.user.username && (
          <VerifyForm record={record} etag={current ? null : data.etag} onDone={(done) => settled(done, 'Verified and signed.')} />
        )}
      {amending && (
        <AmendForm
          record={record}
          etag={current ? null : data.etag}
          onDone={(done) => settled(done, 'Amendment signed.')}
          onCancel={() => setAmending(false)}
        />
      )}
      {record.status === 'Missed' && !record.justification && may('records', 'write', role) && (
        <JustifyForm record={record} onDone={(done) => settled(done, 'Justification saved.')} />
      )}
    </>
  );
}
