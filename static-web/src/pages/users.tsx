import { useState } from 'preact/hooks';
import type { LabRole, Role } from '../../../shared/schemas/common.js';
import { labRoles, roles, userStatuses } from '../../../shared/schemas/vocabulary.js';
import type { VisibleLab } from '../../../shared/schemas/labs.js';
import type { User, UserStatus } from '../../../shared/schemas/users.js';
import { allPages, api, ApiError, query } from '../api.js';
import { session } from '../state.js';
import { PasswordChecklist } from './password.js';
import {
  Badge,
  CheckboxField,
  Dialog,
  DialogActions,
  ErrorMessage,
  formatDateTime,
  labLabel,
  Loading,
  Notice,
  PageTitle,
  PasswordField,
  SelectField,
  TextField,
  useLoad,
} from '../ui.js';

/** SPEC §3 as the screen shows it: administrators everywhere, managers at the labs they manage. */
function managedLabs(): 'all' | string[] {
  const labs = session.value?.labs ?? [];
  if (labs.some((lab) => lab.role === 'Administrator')) return 'all';
  return labs.filter((lab) => lab.role === 'Manager').map((lab) => lab.labId);
}

function labChoices(all: VisibleLab[]): VisibleLab[] {
  const managed = managedLabs();
  return managed === 'all' ? all : all.filter((lab) => managed.includes(lab.labId));
}

function CreateUserDialog(props: { labs: VisibleLab[]; onDone: (notice: string) => void; onClose: () => void }) {
  const choices = labChoices(props.labs);
  const roleChoices: readonly Role[] = managedLabs() === 'all' ? roles : labRoles;
  const [form, setForm] = useState({
    username: '',
    firstName: '',
    lastName: '',
    primaryLabId: choices[0]?.labId ?? '',
    role: 'Technician' as Role,
    password: '',
    requirePasswordChange: true,
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const set = (change: Partial<typeof form>) => setForm({ ...form, ...change });

  async function submit(event: Event) {
    event.preventDefault();
    setErrors({});
    setFailure(null);
    try {
      const { body } = await api.post<User>('/api/users', form);
      props.onDone(`${body.displayName} (${body.username}) can now sign in${body.requirePasswordChange ? ' and will be asked to choose a new password' : ''}.`);
    } catch (refusal) {
      if (refusal instanceof ApiError && refusal.problem?.errors) setErrors(refusal.fieldErrors);
      setFailure(refusal);
    }
  }

  return (
    <Dialog title="New user" onClose={props.onClose}>
      <form onSubmit={submit} noValidate>
        <TextField
          label="Username"
          value={form.username}
          onValue={(username) => set({ username })}
          error={errors.username}
          autocapitalize="off"
          spellcheck={false}
        />
        <TextField label="First name" value={form.firstName} onValue={(firstName) => set({ firstName })} error={errors.firstName} />
        <TextField label="Last name" value={form.lastName} onValue={(lastName) => set({ lastName })} error={errors.lastName} />
        <SelectField
          label="Primary lab"
          value={form.primaryLabId}
          options={choices.map((lab) => ({ value: lab.labId, label: `${lab.labId} · ${lab.name}` }))}
          onValue={(primaryLabId) => set({ primaryLabId })}
          error={errors.primaryLabId}
        />
        <SelectField label="Role" value={form.role} options={roleChoices} onValue={(role) => set({ role })} error={errors.role} />
        <PasswordField
          label="Temporary password"
          value={form.password}
          onValue={(password) => set({ password })}
          autocomplete="new-password"
          error={errors.password}
        />
        <PasswordChecklist password={form.password} username={form.username} />
        <CheckboxField
          label="Ask for a new password at first sign-in"
          checked={form.requirePasswordChange}
          onChecked={(requirePasswordChange) => set({ requirePasswordChange })}
        />
        <ErrorMessage error={failure} />
        <DialogActions submitLabel="Create user" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}

function EditUserDialog(props: { user: User; labs: VisibleLab[]; onDone: (notice: string) => void; onClose: () => void }) {
  const { user } = props;
  const managed = managedLabs();
  // A manager edits everything of users whose primary lab they manage; of visitors, only password and status.
  const full = managed === 'all' || managed.includes(user.primaryLabId);
  const choices = labChoices(props.labs);
  const [form, setForm] = useState({
    firstName: user.firstName,
    lastName: user.lastName,
    primaryLabId: user.primaryLabId,
    status: user.status,
    password: '',
    requirePasswordChange: true,
  });
  const [access, setAccess] = useState(user.labAccess);
  const [grant, setGrant] = useState<{ labId: string; role: LabRole }>({
    labId: choices.find((lab) => !user.labAccess.some((entry) => entry.labId === lab.labId))?.labId ?? '',
    role: 'Technician',
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const set = (change: Partial<typeof form>) => setForm({ ...form, ...change });

  async function save(event: Event) {
    event.preventDefault();
    setErrors({});
    setFailure(null);
    const changes: Record<string, unknown> = {};
    if (full && form.firstName !== user.firstName) changes.firstName = form.firstName;
    if (full && form.lastName !== user.lastName) changes.lastName = form.lastName;
    if (full && form.primaryLabId !== user.primaryLabId) changes.primaryLabId = form.primaryLabId;
    if (form.status !== user.status) changes.status = form.status;
    if (form.password) Object.assign(changes, { password: form.password, requirePasswordChange: form.requirePasswordChange });
    if (Object.keys(changes).length === 0) return props.onDone(`Nothing changed for ${user.username}.`);
    try {
      await api.patch<User>(`/api/users/${encodeURIComponent(user.username)}`, changes);
      props.onDone(`${user.username} is saved.`);
    } catch (refusal) {
      if (refusal instanceof ApiError && refusal.problem?.errors) setErrors(refusal.fieldErrors);
      setFailure(refusal);
    }
  }

  async function changeAccess(labId: string, role: LabRole | null) {
    setFailure(null);
    try {
      const path = `/api/users/${encodeURIComponent(user.username)}/labs/${labId}`;
      const { body } = role ? await api.put<User>(path, { role }) : await api.delete<User>(path);
      setAccess(body.labAccess);
      setNotice(role ? `${user.username} is ${role} at ${labLabel(labId)}.` : `${user.username} no longer has access to ${labLabel(labId)}.`);
    } catch (refusal) {
      setFailure(refusal);
    }
  }

  const grantable = choices.filter((lab) => !access.some((entry) => entry.labId === lab.labId));
  return (
    <Dialog title={`Edit ${user.displayName}`} onClose={props.onClose} wide>
      <form onSubmit={save} noValidate>
        {!full && (
          <p class="hint">
            {user.username} belongs to {user.primaryLabId}: you can change their password and status only.
          </p>
        )}
        <TextField label="First name" value={form.firstName} onValue={(firstName) => set({ firstName })} error={errors.firstName} disabled={!full} />
        <TextField label="Last name" value={form.lastName} onValue={(lastName) => set({ lastName })} error={errors.lastName} disabled={!full} />
        <SelectField
          label="Primary lab"
          value={form.primaryLabId}
          options={(full ? choices : props.labs.filter((lab) => lab.labId === user.primaryLabId)).map((lab) => ({
            value: lab.labId,
            label: `${lab.labId} · ${lab.name}`,
          }))}
          onValue={(primaryLabId) => set({ primaryLabId })}
          error={errors.primaryLabId}
          disabled={!full}
        />
        <SelectField
          label="Status"
          value={form.status}
          options={userStatuses}
          onValue={(status: UserStatus) => set({ status })}
          error={errors.status}
          hint={user.status === 'Locked' ? 'Set to Active to unlock the account.' : undefined}
        />
        {user.authMethod === 'local' && (
          <>
            <PasswordField
              label="New temporary password (leave empty to keep)"
              value={form.password}
              onValue={(password) => set({ password })}
              autocomplete="new-password"
              error={errors.password}
            />
            {form.password && <PasswordChecklist password={form.password} username={user.username} />}
            <CheckboxField
              label="Ask for a new password at next sign-in"
              checked={form.requirePasswordChange}
              onChecked={(requirePasswordChange) => set({ requirePasswordChange })}
            />
          </>
        )}
        <ErrorMessage error={failure} />
        <div class="actions">
          <button type="submit" class="primary">
            Save
          </button>
          <button type="button" class="secondary" onClick={props.onClose}>
            Close
          </button>
        </div>
      </form>
      {user.companyRole === null && (
        <section aria-labelledby="access-title">
          <h3 id="access-title">Lab access</h3>
          {notice && <Notice>{notice}</Notice>}
          <ul class="access-list">
            {access.map((entry) => {
              const editable = managed === 'all' || managed.includes(entry.labId);
              return (
                <li key={entry.labId}>
                  <span>{labLabel(entry.labId)}</span>
                  <SelectField
                    label={`Role at ${entry.labId}`}
                    value={entry.role}
                    options={labRoles}
                    disabled={!editable}
                    onValue={(role) => void changeAccess(entry.labId, role)}
                  />
                  {editable && entry.labId !== user.primaryLabId && (
                    <button type="button" class="secondary danger" onClick={() => void changeAccess(entry.labId, null)}>
                      Remove {entry.labId}
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
          {grantable.length > 0 && (
            <div class="inline-form">
              <SelectField
                label="Give access to"
                value={grant.labId || grantable[0]!.labId}
                options={grantable.map((lab) => ({ value: lab.labId, label: `${lab.name} (${lab.labId})` }))}
                onValue={(labId) => setGrant({ ...grant, labId })}
              />
              <SelectField label="As" value={grant.role} options={labRoles} onValue={(role) => setGrant({ ...grant, role })} />
              <button type="button" class="secondary" onClick={() => void changeAccess(grant.labId || grantable[0]!.labId, grant.role)}>
                Grant access
              </button>
            </div>
          )}
        </section>
      )}
    </Dialog>
  );
}

export function UsersPage() {
  const [showDisabled, setShowDisabled] = useState(false);
  const [dialog, setDialog] = useState<{ kind: 'create' } | { kind: 'edit'; user: User } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const users = useLoad(() => allPages<User>(`/api/users${query({ includeDisabled: showDisabled || undefined })}`), [showDisabled]);
  const labs = useLoad(() => allPages<VisibleLab>('/api/labs'), []);
  const writable = managedLabs() === 'all' || (managedLabs() as string[]).length > 0;
  const done = (text: string) => {
    setDialog(null);
    setNotice(text);
    users.reload();
  };
  const [unlockFailure, setUnlockFailure] = useState<unknown>(null);
  async function unlock(user: User) {
    setUnlockFailure(null);
    try {
      await api.patch<User>(`/api/users/${encodeURIComponent(user.username)}`, { status: 'Active' });
      done(`${user.displayName} (${user.username}) is unlocked and can sign in again.`);
    } catch (refusal) {
      setUnlockFailure(refusal);
    }
  }
  return (
    <>
      <PageTitle title="Users">
        {writable && (
          <button type="button" class="primary" onClick={() => setDialog({ kind: 'create' })} disabled={!labs.data}>
            New user
          </button>
        )}
      </PageTitle>
      {notice && <Notice>{notice}</Notice>}
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <CheckboxField label="Show disabled users" checked={showDisabled} onChecked={setShowDisabled} />
      </form>
      <ErrorMessage error={users.error} />
      <ErrorMessage error={unlockFailure} />
      {users.loading && !users.data ? (
        <Loading what="users" />
      ) : (
        <div class="table-box">
          <table class="responsive">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Name</th>
                <th scope="col">Primary lab</th>
                <th scope="col">Roles</th>
                <th scope="col">Status</th>
                <th scope="col">Last sign-in</th>
                {writable && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {(users.data ?? []).map((user) => (
                <tr key={user.username} class={user.status === 'Disabled' ? 'muted' : undefined}>
                  <td data-label="User">{user.username}</td>
                  <td data-label="Name">{user.displayName}</td>
                  <td data-label="Primary lab">{user.primaryLabId}</td>
                  <td data-label="Roles">{user.companyRole ?? user.labAccess.map((entry) => `${entry.role} at ${labLabel(entry.labId)}`).join(', ')}</td>
                  <td data-label="Status">
                    <Badge status={user.status} />
                  </td>
                  <td data-label="Last sign-in">{formatDateTime(user.lastLoginAt, user.primaryLabId)}</td>
                  {writable && (
                    <td data-label="Actions">
                      {user.status === 'Locked' && (
                        <button type="button" class="primary" aria-label={`Unlock ${user.username}`} onClick={() => void unlock(user)}>
                          Unlock
                        </button>
                      )}{' '}
                      <button type="button" class="secondary" aria-label={`Edit ${user.username}`} onClick={() => setDialog({ kind: 'edit', user })}>
                        Edit
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {dialog?.kind === 'create' && <CreateUserDialog labs={labs.data ?? []} onDone={done} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'edit' && <EditUserDialog user={dialog.user} labs={labs.data ?? []} onDone={done} onClose={() => setDialog(null)} />}
    </>
  );
}
