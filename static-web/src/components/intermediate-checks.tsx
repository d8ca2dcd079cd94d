import { useState } from 'preact/hooks';
import { judgePoint } from '../../../shared/domain/calibration-rules.js';
import type { PlanPoint, PlanVersion } from '../../../shared/schemas/calibration.js';
import type { IntermediateCheck, IntermediateChecks } from '../../../shared/schemas/intermediate-checks.js';
import { api } from '../api.js';
import { Dialog, DialogActions, ErrorMessage, formatDateTime, labToday, Notice, TextField, useLoad } from '../ui.js';
import { parseDecimal } from './decimal-input.js';
import { SignatureStep } from './signature-step.js';
import { useSignedSubmit } from './signed-submit.js';

type CheckPlan = NonNullable<PlanVersion['intermediateCheck']>;

const checksPath = (labId: string, serialNumber: string) => `/api/labs/${labId}/equipment/${encodeURIComponent(serialNumber)}/intermediate-checks`;

/** Pass or fail as the value is typed: a check point passes within its limits, as the server judges it. */
function CheckVerdict(props: { point: PlanPoint; value: string }) {
  const value = parseDecimal(props.value);
  if (!Number.isFinite(value)) return null;
  const verdict = judgePoint(props.point, { pointId: props.point.pointId, value }, 'simple');
  return <span class={verdict.pass ? 'badge done' : 'badge missed'}>{verdict.pass ? 'Pass' : `Fail: ${verdict.why}`}</span>;
}

/** Record an intermediate check: one reading per check point, signed by who did it. */
function IntermediateCheckForm(props: { labId: string; serialNumber: string; check: CheckPlan; onDone: (notice: string) => void; onClose: () => void }) {
  const [performedOn, setPerformedOn] = useState(labToday(props.labId));
  const [values, setValues] = useState<Record<string, string>>({});
  const signed = useSignedSubmit();
  const { errors, failure } = signed;

  async function submit(event: Event) {
    event.preventDefault();
    const problems: Record<string, string> = {};
    props.check.points.forEach((point, index) => {
      if (Number.isNaN(parseDecimal(values[point.pointId] ?? '')))
        problems[`readings.${index}.value`] = `${point.name} needs a number, such as 100,2 or 100.2.`;
    });
    if (Object.keys(problems).length > 0) {
      signed.setErrors(problems);
      signed.setFailure(`Nothing was signed. Correct ${Object.values(problems).join(' ')}`);
      return;
    }
    const readings = props.check.points.map((point) => ({ pointId: point.pointId, value: parseDecimal(values[point.pointId]!) }));
    const outcome = await signed.submit(
      async (signature) =>
        (
          await api.post<IntermediateCheck>(checksPath(props.labId, props.serialNumber), {
            performedOn,
            readings,
            signature: { meaning: 'Performed by', ...signature },
          })
        ).body,
    );
    if (!outcome.signed) return;
    const recorded = outcome.answer;
    props.onDone(
      recorded.result === 'Pass'
        ? `Intermediate check ${recorded.checkId} is recorded: Pass.`
        : `Intermediate check ${recorded.checkId} is recorded: Fail. ${props.serialNumber} is not fit for use; nonconformity ${recorded.ncNumber} is opened.`,
    );
  }

  return (
    <Dialog title={`Record an intermediate check of ${props.serialNumber}`} onClose={props.onClose} wide>
      <form onSubmit={submit} noValidate>
        <p class="hint">Against {props.check.checkStandard}.</p>
        <TextField label="Performed on" type="date" value={performedOn} onValue={setPerformedOn} error={errors.performedOn} />
        <fieldset>
          <legend>Readings</legend>
          {errors.readings && <p class="field-error">{errors.readings}</p>}
          {props.check.points.map((point, index) => (
            <div class="point-row" key={point.pointId}>
              <TextField
                label={`${point.name} (${point.unit})`}
                value={values[point.pointId] ?? ''}
                onValue={(value) => {
                  setValues({ ...values, [point.pointId]: value });
                  signed.clearErrors(`readings.${index}.`);
                }}
                inputMode="decimal"
                hint={`${point.lowerLimit} to ${point.upperLimit} ${point.unit}`}
                error={errors[`readings.${index}.value`]}
              />
              <CheckVerdict point={point} value={values[point.pointId] ?? ''} />
            </div>
          ))}
        </fieldset>
        <SignatureStep password={signed.password} onPassword={signed.setPassword} error={signed.passwordError} />
        <ErrorMessage error={failure} />
        <DialogActions submitLabel="Sign: Performed by" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}

/**
 * A machine's intermediate checks (ISO/IEC 17025 §6.4.10): when the next is due, the last ones with
 * their result and signer, and the form to record one. Nothing when the plan defines no check.
 */
export function IntermediateChecksSection(props: {
  labId: string;
  serialNumber: string;
  check: CheckPlan | undefined;
  canRecord: boolean;
  onDone: () => void;
}) {
  const path = checksPath(props.labId, props.serialNumber);
  const checks = useLoad(() => api.get<IntermediateChecks>(path).then(({ body }) => body), [path, props.check]);
  const [recording, setRecording] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  if (!props.check) return null;
  const check = props.check;
  return (
    <section class="intermediate-checks">
      <h2>Intermediate checks</h2>
      {notice && <Notice>{notice}</Notice>}
      <p>
        Every {check.intervalDays} days against {check.checkStandard}:{' '}
        {check.points.map((point) => `${point.name} within ${point.lowerLimit} to ${point.upperLimit} ${point.unit}`).join('; ')}.{' '}
        {checks.data?.nextDue && <strong>Next intermediate check due {checks.data.nextDue}.</strong>}
      </p>
      {props.canRecord && (
        <button type="button" class="secondary" onClick={() => setRecording(true)}>
          Record an intermediate check
        </button>
      )}
      <ErrorMessage error={checks.error} />
      {checks.data?.items.length === 0 && <p class="empty">No intermediate check recorded yet.</p>}
      <ul class="intermediate-check-list">
        {(checks.data?.items ?? []).slice(0, 10).map((item) => (
          <li key={item.checkId}>
            <span class={item.result === 'Pass' ? 'badge done' : 'badge missed'}>{item.result}</span> {item.checkId} of {item.performedOn}:{' '}
            {item.points.map((point) => `${point.name} ${point.value} ${point.unit}`).join(', ')}. Signed by {item.signature.displayName},{' '}
            {formatDateTime(item.signature.signedAt, props.labId)}
            {item.ncNumber && `; opened ${item.ncNumber}`}
          </li>
        ))}
      </ul>
      {recording && (
        <IntermediateCheckForm
          labId={props.labId}
          serialNumber={props.serialNumber}
          check={check}
          onDone={(text) => {
            setRecording(false);
            setNotice(text);
            checks.reload();
            props.onDone();
          }}
          onClose={() => setRecording(false)}
        />
      )}
    </section>
  );
}
