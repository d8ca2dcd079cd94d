import { useEffect, useState } from 'preact/hooks';
import type { EquipmentClass, Frequency, Model, Task } from '../../../shared/schemas/catalog.js';
import { frequencies } from '../../../shared/schemas/vocabulary.js';
import { allPages, api, ApiError } from '../api.js';
import { navigate } from '../router.js';
import { mayAnywhere } from '../state.js';
import { CheckboxField, ErrorMessage, Loading, Notice, PageTitle, SelectField, TextField, useLoad } from '../ui.js';
import { intervalText, PlanForm } from '../components/plan-form.js';
import type { DefaultPlan } from '../../../shared/schemas/calibration-plan.js';
import { fieldLabel } from '../../../shared/platform/problems.js';
import { emptyUsageDraft, usageDraftOf, UsageScheduleEditor, usageScheduleBody, usageScheduleText, type UsageDraft } from '../components/usage-schedules.js';

interface TaskDraft {
  /** Tells rows apart while editing; tasks the model already has keep their taskId. */
  key: number;
  taskId?: string;
  text: string;
  kind: 'check' | 'reading';
  unit: string;
  min: string;
  max: string;
  decimals: string;
  /** The machine's meter this reading updates, by name; empty for a reading kept on the record only. */
  meter: string;
}

type Plan = Record<Frequency, TaskDraft[]>;
let nextKey = 1;

function draftOf(task: Task): TaskDraft {
  return {
    key: nextKey++,
    taskId: task.taskId,
    text: task.text,
    kind: task.kind,
    unit: task.unit ?? '',
    min: task.min === undefined ? '' : String(task.min),
    max: task.max === undefined ? '' : String(task.max),
    decimals: task.decimals === undefined ? '' : String(task.decimals),
    meter: task.meter ?? '',
  };
}

function planOf(model: Model | null): Plan {
  return Object.fromEntries(frequencies.map((frequency) => [frequency, (model?.frequencies[frequency]?.tasks ?? []).map(draftOf)])) as Plan;
}

function numberOrText(text: string): number | string | undefined {
  const trimmed = text.trim().replace(',', '.');
  if (trimmed === '') return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : text;
}

/** Frequencies whose checklists a second person verifies ("Verified by") after completion. */
type Verified = Record<Frequency, boolean>;

function verifiedOf(model: Model | null): Verified {
  return Object.fromEntries(frequencies.map((frequency) => [frequency, model?.frequencies[frequency]?.needsVerification === true])) as Verified;
}

/** The body the API takes; a frequency without tasks is left out, which means it needs no PM. */
function frequenciesBody(plan: Plan, verified: Verified) {
  return Object.fromEntries(
    frequencies
      .filter((frequency) => plan[frequency].length > 0)
      .map((frequency) => [
        frequency,
        {
          tasks: plan[frequency].map(taskBody),
          ...(verified[frequency] ? { needsVerification: true } : {}),
        },
      ]),
  );
}

/** One task being edited; `group` names its list in the buttons' labels ("Daily", "Return-to-service") and `path` is its place in the body sent. */
/** A task as the API takes it: a reading's unit, limits and decimals only where given. */
function taskBody(task: TaskDraft) {
  return {
    ...(task.taskId ? { taskId: task.taskId } : {}),
    text: task.text,
    kind: task.kind,
    ...(task.kind === 'reading' && task.unit.trim() ? { unit: task.unit.trim() } : {}),
    ...(task.kind === 'reading' && numberOrText(task.min) !== undefined ? { min: numberOrText(task.min) } : {}),
    ...(task.kind === 'reading' && numberOrText(task.max) !== undefined ? { max: numberOrText(task.max) } : {}),
    ...(task.kind === 'reading' && numberOrText(task.decimals) !== undefined ? { decimals: numberOrText(task.decimals) } : {}),
    ...(task.kind === 'reading' && task.meter.trim() ? { meter: task.meter.trim() } : {}),
  };
}

function TaskRow(props: {
  group: string;
  path: string;
  index: number;
  count: number;
  task: TaskDraft;
  /** Whether the task may read a meter of the machine: PM checklists' readings do, return-to-service checks do not. */
  readsMeters?: boolean;
  errors: Record<string, string>;
  onChange: (task: TaskDraft) => void;
  onMove: (by: number) => void;
  onRemove: () => void;
}) {
  const { task, group: frequency, index, path } = props;
  const set = (change: Partial<TaskDraft>) => props.onChange({ ...task, ...change });
  const rowError = Object.entries(props.errors).find(([field]) => field === path)?.[1];
  return (
    <li class="task-editor">
      <div class="task-fields">
        <TextField label={`Task ${index + 1}`} value={task.text} onValue={(text) => set({ text })} error={props.errors[`${path}.text`]} />
        <SelectField
          label="Kind"
          value={task.kind}
          options={[
            { value: 'check', label: 'Check' },
            { value: 'reading', label: 'Reading' },
          ]}
          onValue={(kind) => set({ kind })}
        />
        {task.kind === 'reading' && (
          <>
            <TextField label="Unit" value={task.unit} onValue={(unit) => set({ unit })} error={props.errors[`${path}.unit`]} />
            <TextField label="Minimum" inputMode="decimal" value={task.min} onValue={(min) => set({ min })} error={props.errors[`${path}.min`]} />
            <TextField label="Maximum" inputMode="decimal" value={task.max} onValue={(max) => set({ max })} error={props.errors[`${path}.max`]} />
            <TextField
              label="Decimals"
              hint="Digits after the point, e.g. 2 shows 0.20"
              inputMode="numeric"
              value={task.decimals}
              onValue={(decimals) => set({ decimals })}
              error={props.errors[`${path}.decimals`]}
            />
            {props.readsMeters && (
              <TextField
                label="Meter"
                hint="The machine's meter this reading updates, e.g. Spindle hours; leave empty to keep it on the checklist only"
                value={task.meter}
                onValue={(meter) => set({ meter })}
                error={props.errors[`${path}.meter`]}
              />
            )}
          </>
        )}
      </div>
      {rowError && <p class="field-error">{rowError}</p>}
      <div class="row-actions">
        <button type="button" class="secondary" disabled={index === 0} aria-label={`Move ${frequency} task ${index + 1} up`} onClick={() => props.onMove(-1)}>
          ↑
        </button>
        <button
          type="button"
          class="secondary"
          disabled={index === props.count - 1}
          aria-label={`Move ${frequency} task ${index + 1} down`}
          onClick={() => props.onMove(1)}
        >
          ↓
        </button>
        <button type="button" class="secondary danger" aria-label={`Remove ${frequency} task ${index + 1}`} onClick={props.onRemove}>
          Remove
        </button>
      </div>
    </li>
  );
}

function ReadOnlyTasks(props: { model: Model }) {
  return (
    <>
      {frequencies
        .filter((frequency) => props.model.frequencies[frequency])
        .map((frequency) => (
          <section key={frequency} aria-labelledby={`tasks-${frequency}`}>
            <h2 id={`tasks-${frequency}`}>{frequency}</h2>
            {props.model.frequencies[frequency]!.needsVerification && <p class="hint">A second person verifies each checklist (signs "Verified by").</p>}
            <ol class="tasks read-only">
              {props.model.frequencies[frequency]!.tasks.map((task) => (
                <li key={task.taskId} class="task">
                  <span class="task-text">{task.text}</span>
                  <span class="task-answer">
                    {task.kind === 'check'
                      ? 'Check'
                      : `Reading${task.unit ? ` in ${task.unit}` : ''}${task.min !== undefined || task.max !== undefined ? `, ${task.min ?? '…'}–${task.max ?? '…'}` : ''}${task.meter ? `, updates the meter ${task.meter}` : ''}`}
                  </span>
                </li>
              ))}
            </ol>
          </section>
        ))}
      {(props.model.usageSchedules ?? []).map((schedule) => (
        <section key={schedule.scheduleId} aria-labelledby={`usage-${schedule.scheduleId}`}>
          <h2 id={`usage-${schedule.scheduleId}`}>{usageScheduleText(schedule)}</h2>
          <p class="hint">
            Due within {schedule.dueWithin.days !== undefined ? `${schedule.dueWithin.days} days` : `${schedule.dueWithin.units} more`} of passing each
            threshold.
          </p>
          <ol class="tasks read-only">
            {schedule.tasks.map((task) => (
              <li key={task.taskId} class="task">
                <span class="task-text">{task.text}</span>
                <span class="task-answer">{task.kind === 'check' ? 'Check' : `Reading${task.unit ? ` in ${task.unit}` : ''}`}</span>
              </li>
            ))}
          </ol>
        </section>
      ))}
    </>
  );
}

export function ModelPage(props: { modelId: string | null }) {
  const editable = mayAnywhere('models', 'write');
  const loaded = useLoad(
    () => (props.modelId ? api.get<Model>(`/api/models/${encodeURIComponent(props.modelId)}`).then(({ body }) => body) : Promise.resolve(null)),
    [props.modelId],
  );
  const classes = useLoad(() => (editable ? allPages<EquipmentClass>('/api/equipment-classes') : Promise.resolve([])), []);
  const [model, setModel] = useState<Model | null>(null);
  const [modelId, setModelId] = useState('');
  const [manufacturer, setManufacturer] = useState('');
  const [equipmentClass, setEquipmentClass] = useState('');
  const [active, setActive] = useState(true);
  const [plan, setPlan] = useState<Plan>(planOf(null));
  const [verified, setVerified] = useState<Verified>(verifiedOf(null));
  const [returnChecks, setReturnChecks] = useState<TaskDraft[]>([]);
  const [usageSchedules, setUsageSchedules] = useState<UsageDraft[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [defaultPlan, setDefaultPlan] = useState<DefaultPlan | null>(null);
  const [editingPlan, setEditingPlan] = useState(false);

  function show(next: Model | null) {
    setModel(next);
    setManufacturer(next?.manufacturer ?? '');
    setEquipmentClass(next?.equipmentClass ?? '');
    setActive(next?.active ?? true);
    setPlan(planOf(next));
    setVerified(verifiedOf(next));
    setReturnChecks((next?.returnToServiceChecks ?? []).map(draftOf));
    setUsageSchedules((next?.usageSchedules ?? []).map(usageDraftOf));
    setDefaultPlan(next?.calibrationPlan ?? null);
  }
  useEffect(() => show(loaded.data ?? null), [loaded.data]);
  useEffect(() => {
    if (!equipmentClass && classes.data?.[0]) setEquipmentClass(classes.data[0].name);
  }, [classes.data]);

  if (props.modelId && loaded.loading && !loaded.data) return <Loading what="the model" />;
  if (props.modelId && !loaded.data) return <ErrorMessage error={loaded.error} />;
  // The form state takes the loaded model one render later; until then this page would be the new-model form.
  if (props.modelId && !model) return <Loading what="the model" />;
  if (!editable && model) {
    return (
      <>
        <PageTitle title={`Model · ${model.modelId}`} />
        <dl class="facts">
          <dt>Manufacturer</dt>
          <dd>{model.manufacturer}</dd>
          <dt>Class</dt>
          <dd>{model.equipmentClass}</dd>
          <dt>Status</dt>
          <dd>{model.active ? 'Active' : 'Disabled'}</dd>
          <dt>Version</dt>
          <dd>{model.version}</dd>
          <dt>Default calibration plan</dt>
          <dd>
            {model.calibrationPlan
              ? `${model.calibrationPlan.required ? `required every ${intervalText(model.calibrationPlan)}` : 'not required'}, ${model.calibrationPlan.points.length} point${model.calibrationPlan.points.length === 1 ? '' : 's'}`
              : 'none'}
          </dd>
        </dl>
        <ReadOnlyTasks model={model} />
        {model.returnToServiceChecks && (
          <section aria-labelledby="return-checks">
            <h2 id="return-checks">Return-to-service checks</h2>
            <ol class="tasks read-only">
              {model.returnToServiceChecks.map((task) => (
                <li key={task.taskId} class="task">
                  <span class="task-text">{task.text}</span>
                </li>
              ))}
            </ol>
          </section>
        )}
      </>
    );
  }

  const updateTasks = (frequency: Frequency, tasks: TaskDraft[]) => setPlan({ ...plan, [frequency]: tasks });

  async function save(event: Event) {
    event.preventDefault();
    setErrors({});
    setFailure(null);
    setNotice(null);
    const body = {
      manufacturer,
      equipmentClass,
      active,
      frequencies: frequenciesBody(plan, verified),
      ...(defaultPlan ? { calibrationPlan: defaultPlan } : {}),
      ...(returnChecks.length ? { returnToServiceChecks: returnChecks.map(({ taskId: _id, ...task }) => taskBody(task)) } : {}),
      ...(usageSchedules.length ? { usageSchedules: usageSchedules.map(usageScheduleBody) } : {}),
    };
    try {
      if (model) {
        const { body: saved } = await api.put<Model>(`/api/models/${encodeURIComponent(model.modelId)}`, { ...body, version: model.version });
        show(saved);
        setNotice(`Saved as version ${saved.version}. New checklists use it; existing ones keep the tasks they were made with.`);
      } else {
        const { body: created } = await api.post<Model>('/api/models', { modelId, ...body });
        navigate(`/models/${encodeURIComponent(created.modelId)}`, { replace: true });
      }
    } catch (refusal) {
      if (refusal instanceof ApiError && refusal.problem?.errors) {
        setErrors(refusal.fieldErrors);
        setFailure(`${refusal.message} The fields to correct are marked.`);
      } else if (refusal instanceof ApiError && refusal.status === 412) {
        setFailure('Someone else changed this model while you were editing. Reload it to see their version, then make your change again.');
      } else setFailure(refusal);
    }
  }

  const classOptions = (classes.data ?? []).map((item) => item.name);
  if (equipmentClass && !classOptions.includes(equipmentClass)) classOptions.unshift(equipmentClass);

  return (
    <>
      <PageTitle title={model ? `Model · ${model.modelId}` : 'New model'} />
      {notice && <Notice>{notice}</Notice>}
      <form class="model-form" onSubmit={save} noValidate>
        {!model && <TextField label="Model" value={modelId} onValue={setModelId} error={errors.modelId} />}
        <TextField label="Manufacturer" value={manufacturer} onValue={setManufacturer} error={errors.manufacturer} />
        <SelectField label="Equipment class" value={equipmentClass} options={classOptions} onValue={setEquipmentClass} error={errors.equipmentClass} />
        <CheckboxField label="Active (disabled models get no new checklists)" checked={active} onChecked={setActive} />
        {frequencies.map((frequency) => (
          <fieldset key={frequency} class="frequency-tasks">
            <legend>
              {frequency}
              {plan[frequency].length === 0 && <span class="hint"> · no checks at this frequency</span>}
            </legend>
            <ol>
              {plan[frequency].map((task, index) => (
                <TaskRow
                  key={task.key}
                  group={frequency}
                  readsMeters
                  path={`frequencies.${frequency}.tasks.${index}`}
                  index={index}
                  count={plan[frequency].length}
                  task={task}
                  errors={errors}
                  onChange={(changed) =>
                    updateTasks(
                      frequency,
                      plan[frequency].map((each) => (each.key === task.key ? changed : each)),
                    )
                  }
                  onMove={(by) => {
                    const tasks = [...plan[frequency]];
                    tasks.splice(index, 1);
                    tasks.splice(index + by, 0, task);
                    updateTasks(frequency, tasks);
                  }}
                  onRemove={() =>
                    updateTasks(
                      frequency,
                      plan[frequency].filter((each) => each.key !== task.key),
                    )
                  }
                />
              ))}
            </ol>
            <button
              type="button"
              class="secondary"
              onClick={() =>
                updateTasks(frequency, [...plan[frequency], { key: nextKey++, text: '', kind: 'check', unit: '', min: '', max: '', decimals: '', meter: '' }])
              }
            >
              Add {frequency.toLowerCase()} task
            </button>
            {plan[frequency].length > 0 && (
              <CheckboxField
                label={`A second person verifies each ${frequency.toLowerCase()} checklist (signs "Verified by"); until then it does not count as done`}
                checked={verified[frequency]}
                onChecked={(checked) => setVerified({ ...verified, [frequency]: checked })}
              />
            )}
          </fieldset>
        ))}
        <fieldset class="default-plan">
          <legend>Default calibration plan</legend>
          <p>
            {defaultPlan
              ? `${defaultPlan.required ? `Calibration required every ${intervalText(defaultPlan)}` : 'Calibration not required'}; ${defaultPlan.points.length} point${defaultPlan.points.length === 1 ? '' : 's'}, ${defaultPlan.decisionRule} rule${defaultPlan.referenceStandard ? ', a reference standard' : ''}.`
              : 'None: machines of this model get their plan one by one.'}{' '}
            Registering a machine of the model copies it as the machine's first plan version; machines already registered keep theirs.
          </p>
          {Object.entries(errors)
            .filter(([field]) => field === 'calibrationPlan' || field.startsWith('calibrationPlan.'))
            .map(([field, message]) => (
              <p class="field-error" key={field}>
                {fieldLabel(field.replace(/^calibrationPlan\.?/, '')) || 'The plan'} {message}
              </p>
            ))}
          <button type="button" class="secondary" onClick={() => setEditingPlan(true)}>
            {defaultPlan ? 'Change the default plan' : 'Set a default plan'}
          </button>{' '}
          {defaultPlan && (
            <button type="button" class="secondary" onClick={() => setDefaultPlan(null)}>
              Remove the default plan
            </button>
          )}
        </fieldset>
        <fieldset class="frequency-tasks return-checks">
          <legend>Return-to-service checks</legend>
          <p class="hint">
            What a manager checks and signs before a machine of this model returns to service after a nonconformity, when its calibration plan does not require
            a calibration.
          </p>
          <ol>
            {returnChecks.map((task, index) => (
              <TaskRow
                key={task.key}
                group="Return-to-service"
                path={`returnToServiceChecks.${index}`}
                index={index}
                count={returnChecks.length}
                task={task}
                errors={errors}
                onChange={(changed) => setReturnChecks(returnChecks.map((each) => (each.key === task.key ? changed : each)))}
                onMove={(by) => {
                  const tasks = [...returnChecks];
                  tasks.splice(index, 1);
                  tasks.splice(index + by, 0, task);
                  setReturnChecks(tasks);
                }}
                onRemove={() => setReturnChecks(returnChecks.filter((each) => each.key !== task.key))}
              />
            ))}
          </ol>
          <button
            type="button"
            class="secondary"
            onClick={() => setReturnChecks([...returnChecks, { key: nextKey++, text: '', kind: 'check', unit: '', min: '', max: '', decimals: '', meter: '' }])}
          >
            Add a return-to-service check
          </button>
        </fieldset>
        <fieldset class="frequency-tasks usage-schedules">
          <legend>Maintenance by use</legend>
          <p class="hint">
            Checklists that fall due each time a machine's meter passes another so many units, or (whichever comes first) so many months after the last one.
          </p>
          <ol>
            {usageSchedules.map((draft, index) => (
              <UsageScheduleEditor
                key={draft.key}
                index={index}
                draft={draft}
                errors={errors}
                onChange={(changed) => setUsageSchedules(usageSchedules.map((each) => (each.key === draft.key ? changed : each)))}
                onRemove={() => setUsageSchedules(usageSchedules.filter((each) => each.key !== draft.key))}
              />
            ))}
          </ol>
          <button type="button" class="secondary" onClick={() => setUsageSchedules([...usageSchedules, emptyUsageDraft()])}>
            Add a usage schedule
          </button>
        </fieldset>
        <ErrorMessage error={failure} />
        <div class="actions">
          <button type="submit" class="primary">
            {model ? 'Save model' : 'Create model'}
          </button>
        </div>
      </form>
      {editingPlan && (
        <PlanForm
          title={`Default calibration plan of ${model?.modelId ?? (modelId || 'the new model')}`}
          current={defaultPlan}
          submitLabel="Keep for this model"
          save={async ({ version: _version, changeReason: _reason, ...chosen }) => {
            setDefaultPlan(chosen);
            return `The default calibration plan is set; ${model ? 'save the model' : 'create the model'} to keep it.`;
          }}
          onDone={(text) => {
            setEditingPlan(false);
            setNotice(text);
          }}
          onClose={() => setEditingPlan(false)}
        />
      )}
    </>
  );
}
