import { formatDay, localDay } from '../../shared/domain/periods.js';
import type { FitnessView } from '../../shared/schemas/equipment.js';
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { describeError } from './api.js';
import { currentLab, session } from './state.js';

/** A label, the control, and the hint and error read out with it. */
export function Field(props: {
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  children: (ids: { id: string; describedBy: string | undefined; invalid: boolean }) => JSX.Element;
}) {
  const id = useId();
  const hintId = props.hint ? `${id}-hint` : null;
  const errorId = props.error ? `${id}-error` : null;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div class={props.error ? 'field invalid' : 'field'}>
      <label for={id}>{props.label}</label>
      {props.children({ id, describedBy, invalid: Boolean(props.error) })}
      {props.hint && (
        <p class="hint" id={hintId!}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p class="field-error" id={errorId!}>
          {props.error}
        </p>
      )}
    </div>
  );
}

type InputProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'value' | 'onInput'> & {
  label: string;
  value: string;
  onValue: (value: string) => void;
  hint?: string | undefined;
  error?: string | undefined;
};

export function TextField({ label, value, onValue, hint, error, ...rest }: InputProps) {
  return (
    <Field label={label} hint={hint} error={error}>
      {({ id, describedBy, invalid }) => (
        <input
          {...rest}
          id={id}
          value={value}
          aria-describedby={describedBy}
          aria-invalid={invalid || undefined}
          onInput={(event) => onValue(event.currentTarget.value)}
        />
      )}
    </Field>
  );
}

/** A password box with a button that shows what was typed, for gloved hands and small screens. */
export function PasswordField({ label, value, onValue, hint, error, ...rest }: InputProps) {
  const [shown, setShown] = useState(false);
  return (
    <Field label={label} hint={hint} error={error}>
      {({ id, describedBy, invalid }) => (
        <div class="password-box">
          <input
            {...rest}
            id={id}
            type={shown ? 'text' : 'password'}
            value={value}
            aria-describedby={describedBy}
            aria-invalid={invalid || undefined}
            autocapitalize="off"
            spellcheck={false}
            onInput={(event) => onValue(event.currentTarget.value)}
          />
          <button type="button" class="secondary" aria-pressed={shown} aria-controls={id} onClick={() => setShown(!shown)}>
            {shown ? 'Hide' : 'Show'}
          </button>
        </div>
      )}
    </Field>
  );
}

export function SelectField<T extends string>(props: {
  label: string;
  value: T;
  options: readonly (T | { value: T; label: string })[];
  onValue: (value: T) => void;
  error?: string | undefined;
  hint?: string | undefined;
  disabled?: boolean;
}) {
  return (
    <Field label={props.label} hint={props.hint} error={props.error}>
      {({ id, describedBy, invalid }) => (
        <select
          id={id}
          value={props.value}
          disabled={props.disabled}
          aria-describedby={describedBy}
          aria-invalid={invalid || undefined}
          onChange={(event) => props.onValue(event.currentTarget.value as T)}
        >
          {props.options.map((option) => {
            const { value, label } = typeof option === 'string' ? { value: option, label: option } : option;
            return (
              <option key={value} value={value}>
                {label}
              </option>
            );
          })}
        </select>
      )}
    </Field>
  );
}

export function CheckboxField(props: { label: string; checked: boolean; onChecked: (checked: boolean) => void; disabled?: boolean; hint?: string }) {
  const id = useId();
  return (
    <div class="checkbox-field">
      <input id={id} type="checkbox" checked={props.checked} disabled={props.disabled} onChange={(event) => props.onChecked(event.currentTarget.checked)} />
      <label for={id}>{props.label}</label>
      {props.hint && <p class="hint">{props.hint}</p>}
    </div>
  );
}

export function ErrorMessage(props: { error: unknown }) {
  if (props.error === null || props.error === undefined) return null;
  return (
    <p class="alert error" role="alert">
      {typeof props.error === 'string' ? props.error : describeError(props.error)}
    </p>
  );
}

export function Notice(props: { children: ComponentChildren }) {
  return (
    <p class="alert success" role="status">
      {props.children}
    </p>
  );
}

const focusable = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Tab from the last control goes to the first, and Shift+Tab from the first to the last. */
function keepFocusInside(event: KeyboardEvent, dialog: HTMLDialogElement): void {
  if (event.key !== 'Tab') return;
  const controls = Array.from(dialog.querySelectorAll<HTMLElement>(focusable));
  const first = controls[0];
  const last = controls.at(-1);
  if (!first || !last) return;
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}

/**
 * A modal dialog on the browser's own <dialog>: the page behind is inert, Tab cycles inside it,
 * Escape closes it, and focus goes back to what opened it.
 */
export function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const dialog = ref.current!;
    dialog.showModal();
    dialog.querySelector<HTMLElement>('input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea, button:not(.dialog-close)')?.focus();
    return () => {
      if (dialog.open) dialog.close();
      opener?.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      class={props.wide ? 'wide' : undefined}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        props.onClose();
      }}
      onKeyDown={(event) => keepFocusInside(event, ref.current!)}
    >
      <div class="dialog-head">
        <h2 id={titleId}>{props.title}</h2>
        <button type="button" class="dialog-close secondary" aria-label="Close" onClick={props.onClose}>
          ×
        </button>
      </div>
      {props.children}
    </dialog>
  );
}

const statusClasses: Record<string, string> = {
  Open: 'badge open',
  Completed: 'badge done',
  Missed: 'badge missed',
  Overdue: 'badge missed',
  Cancelled: 'badge muted',
  'In Service': 'badge done',
  Active: 'badge done',
  Locked: 'badge missed',
  Disabled: 'badge muted',
};

const fitnessClasses = { fit: 'badge done', 'due soon': 'badge open', 'not fit': 'badge missed' } as const;

/** Fit for use (SPEC §9) with its reasons in words, wherever a machine is shown. */
/** Fit, due soon or not fit, with why; `compact` (inside a row) keeps the why for the tooltip and screen readers. */
export function FitnessBadge(props: { fitness: FitnessView; compact?: boolean }) {
  const { state, reasons, calibrationDue } = props.fitness;
  const label = state === 'fit' ? 'Fit' : state === 'due soon' ? 'Due soon' : 'Not fit';
  const detail = [...reasons, ...(calibrationDue ? [`calibration due ${calibrationDue}`] : [])].join('; ');
  if (props.compact) {
    return (
      <span class={fitnessClasses[state]} title={detail}>
        {label}
        {detail && <span class="visually-hidden">: {detail}</span>}
      </span>
    );
  }
  return (
    <span class="fitness">
      <span class={fitnessClasses[state]}>{label}</span>
      {detail && <span class="fitness-detail"> {detail}</span>}
    </span>
  );
}

export function Badge(props: { status: string }) {
  return <span class={statusClasses[props.status] ?? 'badge'}>{props.status}</span>;
}

/**
 * A time as the lab lives it (SPEC §5): in the lab's own time zone, with the zone, whatever the
 * reader's browser is set to. Without a lab, the lab chosen in the header; a lab the reader cannot
 * see, UTC.
 */
export function formatDateTime(iso: string | null | undefined, labId?: string | null): string {
  if (!iso) return '—';
  const lab = labOrChosen(labId);
  return new Date(iso).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: lab?.timeZone ?? 'UTC',
    timeZoneName: 'short',
  });
}

/** The lab named, or else the lab the header shows (chosen, or the reader's own before any choice). */
function labOrChosen(labId: string | null | undefined) {
  return labId ? session.value?.labs.find((candidate) => candidate.labId === labId) : currentLab.value;
}

/** A date as people read it, in the lab's zone: "Dec 3, 2026"; for when the hour says nothing. */
export function formatDate(iso: string | null | undefined, labId?: string | null): string {
  if (!iso) return '—';
  const lab = labOrChosen(labId);
  return new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric', timeZone: lab?.timeZone ?? 'UTC' });
}

/** The lab's own date today, `YYYY-MM-DD`, whatever the browser's zone: the day a form defaults to. */
export function labToday(labId: string): string {
  const timeZone = session.value?.labs.find((candidate) => candidate.labId === labId)?.timeZone ?? 'UTC';
  return formatDay(localDay(new Date(), timeZone));
}

/** The lab's own date of a moment, `YYYY-MM-DD`: the day the lab's calendar gives it. */
export function labDayOf(iso: string, labId: string): string {
  const timeZone = session.value?.labs.find((candidate) => candidate.labId === labId)?.timeZone ?? 'UTC';
  return new Date(iso).toLocaleDateString('en-CA', { timeZone });
}

/**
 * What a printed page opens with: what it is, of which lab and period, who printed it and when, in
 * the lab's zone. Page numbers ("Page 2 of 5") come from the stylesheet's @page rule.
 */
export function PrintHeader(props: { title: string; labIds: string[]; period?: string | undefined }) {
  const user = session.value?.user;
  const zoneOf = props.labIds.length === 1 ? props.labIds[0] : null;
  return (
    <div class="print-only print-header">
      <p class="print-title">{props.title}</p>
      <p>
        {props.labIds.length === 1 ? 'Lab' : 'Labs'}: {props.labIds.map(labLabel).join(', ')}
        {props.period && <> · Period: {props.period}</>}
      </p>
      <p>
        Printed by {user ? `${user.displayName} (${user.username})` : 'someone signed out'} on {formatDateTime(new Date().toISOString(), zoneOf)}
      </p>
    </div>
  );
}

/** A lab as people name it, its id beside: "Boston Dental Lab (LAB01)"; the id alone for a lab the session does not know. */
export function labLabel(labId: string): string {
  const name = session.value?.labs.find((lab) => lab.labId === labId)?.name;
  return name ? `${name} (${labId})` : labId;
}

/**
 * A due time as a technician reads it, in the lab's zone: "end of today (EST)", "end of Mon, Dec 7
 * (EST)" for the usual midnight, else "today, 2:00 PM EST" or "Mon, Dec 7, 2:00 PM EST".
 */
export function formatDueTime(iso: string, labId: string): string {
  const timeZone = session.value?.labs.find((candidate) => candidate.labId === labId)?.timeZone ?? 'UTC';
  const at = Date.parse(iso);
  const clock = new Date(at).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone });
  // Midnight ends the day before it: a daily checklist is due by the end of its own day.
  const endOfDay = clock === '00:00' || clock === '24:00';
  const day = endOfDay ? at - 1 : at;
  const dayKey = (moment: number) => new Date(moment).toLocaleDateString('en-CA', { timeZone });
  const today = dayKey(Date.now());
  const tomorrow = dayKey(Date.now() + 86_400_000);
  const dayWords =
    dayKey(day) === today
      ? 'today'
      : dayKey(day) === tomorrow
        ? 'tomorrow'
        : new Date(day).toLocaleDateString(undefined, { weekday: 'short', month: 'short', day: 'numeric', timeZone });
  if (endOfDay) {
    const zone = new Intl.DateTimeFormat(undefined, { timeZone, timeZoneName: 'short' }).formatToParts(day).find((part) => part.type === 'timeZoneName')?.value;
    return `end of ${dayWords} (${zone})`;
  }
  return `${dayWords}, ${new Date(at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', timeZone, timeZoneName: 'short' })}`;
}

/** Loads data for a page and reloads it on demand; `error` holds a refusal to show. */
export function useLoad<T>(load: () => Promise<T>, dependencies: unknown[]): { data: T | null; error: unknown; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean }>({ data: null, error: null, loading: true });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let current = true;
    setState((previous) => ({ ...previous, loading: true, error: null }));
    load().then(
      (data) => current && setState({ data, error: null, loading: false }),
      (error: unknown) => current && setState({ data: null, error, loading: false }),
    );
    return () => {
      current = false;
    };
    // The caller names what the load depends on.
  }, [...dependencies, generation]);
  return { ...state, reload: () => setGeneration((value) => value + 1) };
}

export function Loading(props: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {props.what}…
    </p>
  );
}

export function PageTitle(props: { title: string; children?: ComponentChildren }) {
  useEffect(() => {
    document.title = `${props.title} · EquipManSys`;
  }, [props.title]);
  return (
    <div class="page-head">
      <h1 tabIndex={-1} id="page-title">
        {props.title}
      </h1>
      {props.children && <div class="page-actions">{props.children}</div>}
    </div>
  );
}

export type LabScope = 'lab' | 'all';

/** For company-wide roles only: one lab (the current one) or every lab. */
export function LabScopeField(props: { labId: string; value: LabScope; onValue: (value: LabScope) => void }) {
  return (
    <SelectField
      label="Labs"
      value={props.value}
      options={[
        { value: 'lab', label: `${props.labId} only` },
        { value: 'all', label: 'Every lab' },
      ]}
      onValue={props.onValue}
    />
  );
}

/** A dialog form's buttons: what it does, and Cancel. */
export function DialogActions(props: { submitLabel: string; disabled?: boolean; onCancel: () => void }) {
  return (
    <div class="actions">
      <button type="submit" class="primary" disabled={props.disabled}>
        {props.submitLabel}
      </button>
      <button type="button" class="secondary" onClick={props.onCancel}>
        Cancel
      </button>
    </div>
  );
}
