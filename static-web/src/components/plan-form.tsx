import { useState } from 'preact/hooks';
import type { DecisionRule } from '../../../shared/domain/calibration-rules.js';
import type { PlanVersion } from '../../../shared/schemas/calibration.js';
import type { DefaultPlan, PlanInput } from '../../../shared/schemas/calibration-plan.js';
import { ApiError } from '../api.js';
import { CheckboxField, Dialog, DialogActions, ErrorMessage, SelectField, TextField } from '../ui.js';
import { parseDecimal } from './decimal-input.js';

export function intervalText(plan: Pick<PlanVersion, 'intervalMonths' | 'intervalDays'>): string {
  if (plan.intervalMonths !== undefined) return `${plan.intervalMonths} month${plan.intervalMonths === 1 ? '' : 's'}`;
  if (plan.intervalDays !== undefined) return `${plan.intervalDays} days`;
  return 'none';
}

type PlanDraftSource = DefaultPlan & { intermediateCheck?: PlanInput['intermediateCheck'] };

type PointDraft = { name: string; unit: string; nominal: string; lowerLimit: string; upperLimit: string; maxUncertainty: string; pointId?: string };

const toNumber = parseDecimal;

const draftOf = (point: DefaultPlan['points'][number]): PointDraft => ({
  ...(point.pointId ? { pointId: point.pointId } : {}),
  name: point.name,
  unit: point.unit,
  nominal: String(point.nominal),
  lowerLimit: String(point.lowerLimit),
  upperLimit: String(point.upperLimit),
  maxUncertainty: point.maxUncertainty === undefined ? '' : String(point.maxUncertainty),
});

const pointOf = (point: PointDraft) => ({
  ...(point.pointId ? { pointId: point.pointId } : {}),
  name: point.name,
  unit: point.unit,
  nominal: toNumber(point.nominal),
  lowerLimit: toNumber(point.lowerLimit),
  upperLimit: toNumber(point.upperLimit),
  ...(point.maxUncertainty.trim() ? { maxUncertainty: toNumber(point.maxUncertainty) } : {}),
});

/** The rows of a plan's points, for its calibration and for its intermediate check alike. */
function PointRows(props: { label: string; path: string; points: PointDraft[]; onPoints: (points: PointDraft[]) => void; errors: Record<string, string> }) {
  const { label, path, points, errors } = props;
  const setPoint = (index: number, field: keyof PointDraft, value: string) =>
    props.onPoints(points.map((point, at) => (at === index ? { ...point, [field]: value } : point)));
  const fields: { field: keyof PointDraft; text: string; decimal?: boolean; hint?: string }[] = [
    { field: 'name', text: 'name' },
    { field: 'unit', text: 'unit' },
    { field: 'nominal', text: 'nominal', decimal: true },
    { field: 'lowerLimit', text: 'lower limit', decimal: true },
    { field: 'upperLimit', text: 'upper limit', decimal: true },
    { field: 'maxUncertainty', text: 'maximum uncertainty', decimal: true, hint: 'Optional' },
  ];
  return (
    <>
      {errors[path] && <p class="field-error">{errors[path]}</p>}
      {points.map((point, index) => (
        <div class="point-row" key={index}>
          {fields.map(({ field, text, decimal, hint }) => (
            <TextField
              key={field}
              label={`${label} ${index + 1} ${text}`}
              value={point[field] ?? ''}
              onValue={(value) => setPoint(index, field, value)}
              {...(decimal ? { inputMode: 'decimal' as const } : {})}
              {...(hint ? { hint } : {})}
              error={errors[`${path}.${index}.${field}`]}
            />
          ))}
          <button type="button" class="secondary" onClick={() => props.onPoints(points.filter((_, at) => at !== index))}>
            Remove {label.toLowerCase()} {index + 1}
          </button>
        </div>
      ))}
      <button
        type="button"
        class="secondary"
        onClick={() => props.onPoints([...points, { name: '', unit: '', nominal: '', lowerLimit: '', upperLimit: '', maxUncertainty: '' }])}
      >
        Add a {label.toLowerCase()}
      </button>
    </>
  );
}

/**
 * The plan's fields, points and rule: a machine's plan (saved as a new version) or a model's default
 * (kept in the model editor until the model is saved). `save` sends the plan and says what happened.
 */
export function PlanForm(props: {
  title: string;
  current: PlanDraftSource | null;
  version?: number | undefined;
  /** A machine's plan may define intermediate checks; a model's default does not. */
  intermediateCheck?: boolean;
  submitLabel: string;
  save: (plan: DefaultPlan & { version?: number; changeReason?: string; intermediateCheck?: PlanInput['intermediateCheck'] }) => Promise<string>;
  onDone: (notice: string) => void;
  onClose: () => void;
}) {
  const current = props.current;
  const [required, setRequired] = useState(current?.required ?? true);
  const [reason, setReason] = useState(current?.reason ?? '');
  const [intervalMonths, setIntervalMonths] = useState(String(current?.intervalMonths ?? (current?.intervalDays === undefined ? 12 : '')));
  const [intervalDays, setIntervalDays] = useState(String(current?.intervalDays ?? ''));
  const [warningDays, setWarningDays] = useState(String(current?.warningDays ?? 30));
  const [graceDays, setGraceDays] = useState(String(current?.graceDays ?? 0));
  const [decisionRule, setDecisionRule] = useState<DecisionRule>(current?.decisionRule ?? 'simple');
  const [referenceStandard, setReferenceStandard] = useState(current?.referenceStandard ?? false);
  const [changeReason, setChangeReason] = useState('');
  const [points, setPoints] = useState<PointDraft[]>((current?.points ?? []).map(draftOf));
  const check = current?.intermediateCheck;
  const [checking, setChecking] = useState(check !== undefined);
  const [checkInterval, setCheckInterval] = useState(String(check?.intervalDays ?? 30));
  const [checkStandard, setCheckStandard] = useState(check?.checkStandard ?? '');
  const [checkPoints, setCheckPoints] = useState<PointDraft[]>((check?.points ?? []).map(draftOf));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  async function submit(event: Event) {
    event.preventDefault();
    setErrors({});
    setFailure(null);
    const body = {
      required,
      reason,
      ...(intervalDays.trim() ? { intervalDays: toNumber(intervalDays) } : intervalMonths.trim() ? { intervalMonths: toNumber(intervalMonths) } : {}),
      warningDays: toNumber(warningDays),
      graceDays: toNumber(graceDays),
      decisionRule,
      referenceStandard,
      points: points.map(pointOf),
      ...(props.intermediateCheck && checking
        ? { intermediateCheck: { intervalDays: toNumber(checkInterval), checkStandard, points: checkPoints.map(pointOf) } }
        : {}),
      ...(props.version !== undefined ? { version: props.version } : {}),
      ...(changeReason.trim() ? { changeReason } : {}),
    };
    try {
      props.onDone(await props.save(body));
    } catch (refusal) {
      if (refusal instanceof ApiError && refusal.problem?.errors) setErrors(refusal.fieldErrors);
      setFailure(refusal);
    }
  }

  return (
    <Dialog title={props.title} onClose={props.onClose} wide>
      <form onSubmit={submit} noValidate>
        <CheckboxField label="Calibration required" checked={required} onChecked={setRequired} />
        <TextField label="Why (ISO/IEC 17025 §6.4.6)" value={reason} onValue={setReason} error={errors.reason} />
        <TextField
          label="Interval in months"
          value={intervalMonths}
          onValue={setIntervalMonths}
          inputMode="numeric"
          error={errors.intervalMonths}
          hint="Or leave empty and give days."
        />
        <TextField label="Interval in days" value={intervalDays} onValue={setIntervalDays} inputMode="numeric" error={errors.intervalDays} />
        <TextField label="Warning days before due" value={warningDays} onValue={setWarningDays} inputMode="numeric" error={errors.warningDays} />
        <TextField label="Grace days after due" value={graceDays} onValue={setGraceDays} inputMode="numeric" error={errors.graceDays} />
        <SelectField
          label="Decision rule"
          value={decisionRule}
          options={[
            { value: 'simple', label: 'Simple: value within the limits' },
            { value: 'guard-band', label: 'Guard band: value ± uncertainty within the limits' },
          ]}
          onValue={setDecisionRule}
        />
        <CheckboxField label="Reference standard, used to calibrate other machines" checked={referenceStandard} onChecked={setReferenceStandard} />
        <fieldset>
          <legend>Points</legend>
          <PointRows label="Point" path="points" points={points} onPoints={setPoints} errors={errors} />
        </fieldset>
        {props.intermediateCheck && (
          <fieldset>
            <legend>Intermediate checks between calibrations (§6.4.10)</legend>
            <CheckboxField label="Check between calibrations" checked={checking} onChecked={setChecking} />
            {checking && (
              <>
                <TextField
                  label="Check every (days)"
                  value={checkInterval}
                  onValue={setCheckInterval}
                  inputMode="numeric"
                  error={errors['intermediateCheck.intervalDays']}
                />
                <TextField
                  label="Check standard"
                  value={checkStandard}
                  onValue={setCheckStandard}
                  hint="The serial or name of what the check measures against, such as a reference thermometer."
                  error={errors['intermediateCheck.checkStandard']}
                />
                <PointRows label="Check point" path="intermediateCheck.points" points={checkPoints} onPoints={setCheckPoints} errors={errors} />
              </>
            )}
          </fieldset>
        )}
        {props.version !== undefined && (
          <TextField
            label="Why it changed"
            value={changeReason}
            onValue={setChangeReason}
            error={errors.changeReason}
            hint="Needed when the interval changes (§6.4.7)."
          />
        )}
        <ErrorMessage error={failure} />
        <DialogActions submitLabel={props.submitLabel} onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
