import { useState } from 'preact/hooks';
import type { DecisionRule } from '../../../shared/domain/calibration-rules.js';
import type { PlanVersion } from '../../../shared/schemas/calibration.js';
import type { DefaultPlan } from '../../../shared/schemas/calibration-plan.js';
import { ApiError } from '../api.js';
import { CheckboxField, Dialog, DialogActions, ErrorMessage, SelectField, TextField } from '../ui.js';
import { parseDecimal } from './decimal-input.js';

export function intervalText(plan: Pick<PlanVersion, 'intervalMonths' | 'intervalDays'>): string {
  if (plan.intervalMonths !== undefined) return `${plan.intervalMonths} month${plan.intervalMonths === 1 ? '' : 's'}`;
  if (plan.intervalDays !== undefined) return `${plan.intervalDays} days`;
  return 'none';
}

type PointDraft = { name: string; unit: string; nominal: string; lowerLimit: string; upperLimit: string; maxUncertainty: string; pointId?: string };

const toNumber = parseDecimal;

/**
 * The plan's fields, points and rule: a machine's plan (saved as a new version) or a model's default
 * (kept in the model editor until the model is saved). `save` sends the plan and says what happened.
 */
export function PlanForm(props: {
  title: string;
  current: DefaultPlan | null;
  version?: number | undefined;
  submitLabel: string;
  save: (plan: DefaultPlan & { version?: number; changeReason?: string }) => Promise<string>;
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
  const [points, setPoints] = useState<PointDraft[]>(
    (current?.points ?? []).map((point) => ({
      pointId: point.pointId,
      name: point.name,
      unit: point.unit,
      nominal: String(point.nominal),
      lowerLimit: String(point.lowerLimit),
      upperLimit: String(point.upperLimit),
      maxUncertainty: point.maxUncertainty === undefined ? '' : String(point.maxUncertainty),
    })),
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const setPoint = (index: number, field: keyof PointDraft, value: string) =>
    setPoints(points.map((point, at) => (at === index ? { ...point, [field]: value } : point)));

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
      points: points.map((point) => ({
        ...(point.pointId ? { pointId: point.pointId } : {}),
        name: point.name,
        unit: point.unit,
        nominal: toNumber(point.nominal),
        lowerLimit: toNumber(point.lowerLimit),
        upperLimit: toNumber(point.upperLimit),
        ...(point.maxUncertainty.trim() ? { maxUncertainty: toNumber(point.maxUncertainty) } : {}),
      })),
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
          {errors.points && <p class="field-error">{errors.points}</p>}
          {points.map((point, index) => (
            <div class="point-row" key={index}>
              <TextField
                label={`Point ${index + 1} name`}
                value={point.name}
                onValue={(value) => setPoint(index, 'name', value)}
                error={errors[`points.${index}.name`]}
              />
              <TextField
                label={`Point ${index + 1} unit`}
                value={point.unit}
                onValue={(value) => setPoint(index, 'unit', value)}
                error={errors[`points.${index}.unit`]}
              />
              <TextField
                label={`Point ${index + 1} nominal`}
                value={point.nominal}
                onValue={(value) => setPoint(index, 'nominal', value)}
                inputMode="decimal"
                error={errors[`points.${index}.nominal`]}
              />
              <TextField
                label={`Point ${index + 1} lower limit`}
                value={point.lowerLimit}
                onValue={(value) => setPoint(index, 'lowerLimit', value)}
                inputMode="decimal"
                error={errors[`points.${index}.lowerLimit`]}
              />
              <TextField
                label={`Point ${index + 1} upper limit`}
                value={point.upperLimit}
                onValue={(value) => setPoint(index, 'upperLimit', value)}
                inputMode="decimal"
                error={errors[`points.${index}.upperLimit`]}
              />
              <TextField
                label={`Point ${index + 1} maximum uncertainty`}
                value={point.maxUncertainty}
                onValue={(value) => setPoint(index, 'maxUncertainty', value)}
                inputMode="decimal"
                hint="Optional"
                error={errors[`points.${index}.maxUncertainty`]}
              />
              <button type="button" class="secondary" onClick={() => setPoints(points.filter((_, at) => at !== index))}>
                Remove point {index + 1}
              </button>
            </div>
          ))}
          <button
            type="button"
            class="secondary"
            onClick={() => setPoints([...points, { name: '', unit: '', nominal: '', lowerLimit: '', upperLimit: '', maxUncertainty: '' }])}
          >
            Add a point
          </button>
        </fieldset>
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
