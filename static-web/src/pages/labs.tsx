import { useState } from 'preact/hooks';
import type { VisibleLab } from '../../../shared/schemas/labs.js';
import { allPages, api, ApiError } from '../api.js';
import { loadSession } from '../state.js';
import { Badge, CheckboxField, Dialog, DialogActions, ErrorMessage, Loading, Notice, PageTitle, SelectField, TextField, useLoad } from '../ui.js';

/** Every zone the browser knows, UTC first: what a lab's day, due times and reports follow. */
function timeZoneChoices(current: string): string[] {
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...new Set(['UTC', ...known, current])];
}

/** A lab's time zone, chosen from the list rather than typed. */
export function TimeZoneField(props: { value: string; onValue: (zone: string) => void; hint: string; error: string | undefined }) {
  return (
    <SelectField
      label="Time zone"
      hint={props.hint}
      value={props.value}
      options={timeZoneChoices(props.value).map((zone) => ({ value: zone, label: zone.replace(/_/g, ' ') }))}
      onValue={props.onValue}
      error={props.error}
    />
  );
}

const whatInactiveMeans =
  'An inactive lab gets no new checklists and takes no new or moved-in machines. Its records, machines and audit trail are kept and stay readable, in reports too; checklists already open can still be signed until their time runs out.';

function LabDialog(props: { lab: VisibleLab | null; onDone: (notice: string) => void; onClose: () => void }) {
  const editing = props.lab;
  const [form, setForm] = useState({
    labId: editing?.labId ?? '',
    name: editing?.name ?? '',
    timeZone: editing?.timeZone ?? 'UTC',
    active: editing?.active ?? true,
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const set = (change: Partial<typeof form>) => setForm({ ...form, ...change });

  async function submit(event: Event) {
    event.preventDefault();
    setErrors({});
    setFailure(null);
    try {
      if (!editing) {
        await api.post('/api/labs', form);
        return props.onDone(`${form.name} (${form.labId}) is added. Give people access to it on the Users page, then register its machines.`);
      }
      const changes = Object.fromEntries(
        Object.entries({ name: form.name, timeZone: form.timeZone, active: form.active }).filter(([key, value]) => editing[key as keyof VisibleLab] !== value),
      );
      if (Object.keys(changes).length === 0) return props.onDone(`Nothing changed at ${editing.name}.`);
      await api.patch(`/api/labs/${editing.labId}`, changes);
      const becameInactive = changes.active === false;
      props.onDone(`${form.name} (${editing.labId}) is saved.${becameInactive ? ' It is inactive now: no new checklists are generated there.' : ''}`);
    } catch (refusal) {
      if (refusal instanceof ApiError && refusal.problem?.errors) setErrors(refusal.fieldErrors);
      setFailure(refusal);
    }
  }

  return (
    <Dialog title={editing ? `Edit ${editing.name}` : 'New lab'} onClose={props.onClose}>
      <form onSubmit={submit} noValidate>
        {editing ? (
          <p class="hint">
            Lab id <span class="id">{editing.labId}</span>: it names the lab in every record and cannot change.
          </p>
        ) : (
          <TextField
            label="Lab id"
            hint="2 to 10 capital letters, digits or dashes, e.g. LAB03; it cannot change later."
            value={form.labId}
            onValue={(labId) => set({ labId: labId.toUpperCase() })}
            error={errors.labId}
            autocapitalize="characters"
            spellcheck={false}
          />
        )}
        <TextField label="Name" value={form.name} onValue={(name) => set({ name })} error={errors.name} />
        <TimeZoneField
          value={form.timeZone}
          onValue={(timeZone) => set({ timeZone })}
          hint="The lab’s day starts at midnight here: due times, missed checklists and reports follow it."
          error={errors.timeZone}
        />
        <CheckboxField label="Active" checked={form.active} onChecked={(active) => set({ active })} hint={whatInactiveMeans} />
        <ErrorMessage error={failure} />
        <DialogActions submitLabel={editing ? 'Save' : 'Add lab'} onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}

export function LabsPage() {
  const { data, error, loading, reload } = useLoad(() => allPages<VisibleLab>('/api/labs'), []);
  const [editing, setEditing] = useState<VisibleLab | 'new' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const done = (message: string) => {
    setEditing(null);
    setNotice(message);
    reload();
    // The lab switcher and every lab name on screen come from the session.
    void loadSession();
  };
  return (
    <>
      <PageTitle title="Labs">
        <button type="button" class="primary" onClick={() => setEditing('new')}>
          New lab
        </button>
      </PageTitle>
      {notice && <Notice>{notice}</Notice>}
      <ErrorMessage error={error} />
      {loading && !data ? (
        <Loading what="labs" />
      ) : (
        <div class="table-box">
          <table class="responsive">
            <thead>
              <tr>
                <th scope="col">Lab</th>
                <th scope="col">Id</th>
                <th scope="col">Time zone</th>
                <th scope="col">Status</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              {(data ?? []).map((lab) => (
                <tr key={lab.labId} class={lab.active ? undefined : 'muted'}>
                  <td data-label="Lab">{lab.name}</td>
                  <td data-label="Id" class="id">
                    {lab.labId}
                  </td>
                  <td data-label="Time zone">{lab.timeZone.replace(/_/g, ' ')}</td>
                  <td data-label="Status">
                    <Badge status={lab.active ? 'Active' : 'Inactive'} />
                  </td>
                  <td data-label="Change">
                    <button type="button" class="secondary" onClick={() => setEditing(lab)} aria-label={`Edit ${lab.name}`}>
                      Edit
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p class="hint">{whatInactiveMeans}</p>
      {editing && <LabDialog lab={editing === 'new' ? null : editing} onDone={done} onClose={() => setEditing(null)} />}
    </>
  );
}
