import type { Task, UsageSchedule } from '../../../shared/schemas/catalog.js';
import { CheckboxField, SelectField, TextField } from '../ui.js';

/**
 * A model's usage schedules being edited (SPEC §15): every N units of a named meter, due within units
 * or days, and optionally "or every N months, whichever comes first". A task added here is a check.
 */
export interface UsageDraft {
  key: number;
  meter: string;
  every: string;
  dueIn: 'units' | 'days';
  dueWithin: string;
  orEveryMonths: string;
  needsVerification: boolean;
  /** A task the schedule has keeps its id, kind and limits; a new one is a check. */
  tasks: { kept?: Task; text: string }[];
}

let nextKey = 1;

export function usageDraftOf(schedule: UsageSchedule): UsageDraft {
  const inUnits = schedule.dueWithin.units !== undefined;
  return {
    key: nextKey++,
    meter: schedule.meter,
    every: String(schedule.every),
    dueIn: inUnits ? 'units' : 'days',
    dueWithin: String(inUnits ? schedule.dueWithin.units : schedule.dueWithin.days),
    orEveryMonths: schedule.orEveryMonths === undefined ? '' : String(schedule.orEveryMonths),
    needsVerification: schedule.needsVerification === true,
    tasks: schedule.tasks.map((task) => ({ kept: task, text: task.text })),
  };
}

export function emptyUsageDraft(): UsageDraft {
  return { key: nextKey++, meter: '', every: '', dueIn: 'days', dueWithin: '14', orEveryMonths: '', needsVerification: false, tasks: [{ text: '' }] };
}

/** A number as typed, or the text itself so that the API names what is wrong with it. */
function numberOrText(text: string): number | string {
  const trimmed = text.trim().replace(',', '.');
  const value = Number(trimmed);
  return trimmed !== '' && Number.isFinite(value) ? value : text;
}

/** A schedule as the API takes it. */
export function usageScheduleBody(draft: UsageDraft) {
  return {
    meter: draft.meter,
    every: numberOrText(draft.every),
    dueWithin: { [draft.dueIn]: numberOrText(draft.dueWithin) },
    ...(draft.orEveryMonths.trim() ? { orEveryMonths: numberOrText(draft.orEveryMonths) } : {}),
    tasks: draft.tasks.map((task) => (task.kept ? { ...task.kept, text: task.text } : { text: task.text, kind: 'check' as const })),
    ...(draft.needsVerification ? { needsVerification: true } : {}),
  };
}

/** One schedule's fields; `index` is its place in the body sent, which names its fields in the API's refusals. */
export function UsageScheduleEditor(props: {
  index: number;
  draft: UsageDraft;
  errors: Record<string, string>;
  onChange: (draft: UsageDraft) => void;
  onRemove: () => void;
}) {
  const { draft, index } = props;
  const path = `usageSchedules.${index}`;
  const set = (change: Partial<UsageDraft>) => props.onChange({ ...draft, ...change });
  const error = (field: string) => props.errors[`${path}.${field}`];
  return (
    <li class="task-editor usage-schedule">
      <div class="task-fields">
        <TextField
          label="Meter"
          hint="As named on the machine, e.g. Spindle hours"
          value={draft.meter}
          onValue={(meter) => set({ meter })}
          error={error('meter')}
        />
        <TextField label="Every (units)" inputMode="decimal" value={draft.every} onValue={(every) => set({ every })} error={error('every')} />
        <TextField
          label="Or every (months)"
          hint="Whichever comes first; leave empty for units only"
          inputMode="numeric"
          value={draft.orEveryMonths}
          onValue={(orEveryMonths) => set({ orEveryMonths })}
          error={error('orEveryMonths')}
        />
        <TextField
          label="Due within"
          inputMode="decimal"
          value={draft.dueWithin}
          onValue={(dueWithin) => set({ dueWithin })}
          error={error(`dueWithin.${draft.dueIn}`) ?? error('dueWithin')}
        />
        <SelectField
          label="Due within in"
          value={draft.dueIn}
          options={[
            { value: 'days', label: 'days' },
            { value: 'units', label: 'units' },
          ]}
          onValue={(dueIn) => set({ dueIn })}
        />
      </div>
      <ol>
        {draft.tasks.map((task, taskIndex) => (
          <li key={taskIndex} class="task-fields">
            <TextField
              label={`Task ${taskIndex + 1}`}
              value={task.text}
              onValue={(text) => set({ tasks: draft.tasks.map((each, at) => (at === taskIndex ? { ...each, text } : each)) })}
              error={error(`tasks.${taskIndex}.text`)}
            />
            {draft.tasks.length > 1 && (
              <button
                type="button"
                class="secondary danger"
                aria-label={`Remove task ${taskIndex + 1} of usage schedule ${index + 1}`}
                onClick={() => set({ tasks: draft.tasks.filter((_, at) => at !== taskIndex) })}
              >
                Remove
              </button>
            )}
          </li>
        ))}
      </ol>
      {error('tasks') && <p class="field-error">{error('tasks')}</p>}
      <CheckboxField
        label="A second person verifies each record"
        checked={draft.needsVerification}
        onChecked={(needsVerification) => set({ needsVerification })}
      />
      <div class="row-actions">
        <button type="button" class="secondary" onClick={() => set({ tasks: [...draft.tasks, { text: '' }] })}>
          Add a task
        </button>
        <button type="button" class="secondary danger" aria-label={`Remove usage schedule ${index + 1}`} onClick={props.onRemove}>
          Remove the schedule
        </button>
      </div>
    </li>
  );
}

/** How a stored schedule reads as a heading: "Every 500 of Spindle hours or every 6 months, whichever comes first". */
export function usageScheduleText(schedule: UsageSchedule): string {
  const months = schedule.orEveryMonths === undefined ? '' : ` or every ${schedule.orEveryMonths} months, whichever comes first`;
  return `Every ${schedule.every} of ${schedule.meter}${months}`;
}
