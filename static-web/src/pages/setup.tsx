import { useState } from 'preact/hooks';
import type { SessionView } from '../../../shared/schemas/auth.js';
import type { SetupResult } from '../../../shared/schemas/setup.js';
import { api, ApiError } from '../api.js';
import { signedIn } from '../state.js';
import { ErrorMessage, PasswordField, SelectField, TextField } from '../ui.js';
import { TimeZoneField } from './labs.js';
import { PasswordChecklist } from './password.js';

type AdministratorKind = 'local' | 'microsoft';

/**
 * The first screen of an empty installation (SPEC §12): the first lab, the first Administrator and
 * the one-time token the installer was given; then the new Administrator is signed in.
 */
export function SetupPage() {
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const [form, setForm] = useState({
    token: '',
    labId: '',
    labName: '',
    timeZone: browserZone,
    username: '',
    firstName: '',
    lastName: '',
    password: '',
    microsoftUser: '',
  });
  const [kind, setKind] = useState<AdministratorKind>('local');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [microsoftDone, setMicrosoftDone] = useState<string | null>(null);
  const set = (change: Partial<typeof form>) => setForm({ ...form, ...change });

  async function submit(event: Event) {
    event.preventDefault();
    setErrors({});
    setFailure(null);
    setBusy(true);
    const administrator =
      kind === 'local'
        ? { username: form.username, firstName: form.firstName, lastName: form.lastName, password: form.password }
        : { microsoftUser: form.microsoftUser };
    try {
      const { body } = await api.post<SetupResult>('/api/setup', {
        token: form.token,
        lab: { labId: form.labId, name: form.labName, timeZone: form.timeZone },
        administrator,
      });
      // Setup signed a local Administrator in (it set the session cookie): the session says the rest.
      if (body.administrator.authMethod === 'local') {
        signedIn((await api.get<SessionView>('/api/auth/me')).body);
      } else {
        setMicrosoftDone(body.administrator.microsoftUser);
      }
    } catch (refusal) {
      if (refusal instanceof ApiError && refusal.problem?.errors) setErrors(refusal.fieldErrors);
      setFailure(refusal);
    } finally {
      setBusy(false);
    }
  }

  if (microsoftDone) {
    return (
      <main id="main" class="sign-in setup">
        <h1>EquipManSys is set up</h1>
        <p class="alert success" role="status">
          Sign in with Microsoft as {microsoftDone}: that account is the first Administrator.
        </p>
        <a class="button primary wide" href="/api/auth/microsoft/login">
          Sign in with Microsoft
        </a>
      </main>
    );
  }

  return (
    <main id="main" class="sign-in setup">
      <h1>Set up EquipManSys</h1>
      <p class="lead">This installation is new: add its first lab and its first Administrator. You need the one-time setup token.</p>
      <form onSubmit={submit} noValidate>
        <TextField
          label="Setup token"
          hint="Printed by npm start, or in Azure the Key Vault secret setup-token (see “From an empty subscription” in docs/operating-on-azure.md)."
          value={form.token}
          onValue={(token) => set({ token })}
          error={errors.token}
          autocomplete="off"
          autocapitalize="off"
          spellcheck={false}
        />
        <fieldset>
          <legend>The first lab</legend>
          <TextField
            label="Lab id"
            hint="2 to 10 capital letters, digits or dashes, e.g. LAB01."
            value={form.labId}
            onValue={(labId) => set({ labId: labId.toUpperCase() })}
            error={errors['lab.labId']}
            autocapitalize="characters"
            spellcheck={false}
          />
          <TextField label="Lab name" value={form.labName} onValue={(labName) => set({ labName })} error={errors['lab.name']} />
          <TimeZoneField
            value={form.timeZone}
            onValue={(timeZone) => set({ timeZone })}
            hint="The lab’s day starts at midnight here."
            error={errors['lab.timeZone']}
          />
        </fieldset>
        <fieldset>
          <legend>The first Administrator</legend>
          <SelectField
            label="Signs in with"
            value={kind}
            options={[
              { value: 'local', label: 'Username and password' },
              { value: 'microsoft', label: 'Microsoft account (Entra ID)' },
            ]}
            onValue={setKind}
          />
          {kind === 'local' ? (
            <>
              <TextField
                label="Username"
                value={form.username}
                onValue={(username) => set({ username })}
                error={errors['administrator.username']}
                autocomplete="username"
                autocapitalize="off"
                spellcheck={false}
              />
              <TextField label="First name" value={form.firstName} onValue={(firstName) => set({ firstName })} error={errors['administrator.firstName']} />
              <TextField label="Last name" value={form.lastName} onValue={(lastName) => set({ lastName })} error={errors['administrator.lastName']} />
              <PasswordField
                label="Password"
                value={form.password}
                onValue={(password) => set({ password })}
                error={errors['administrator.password']}
                autocomplete="new-password"
              />
              <PasswordChecklist password={form.password} username={form.username} />
            </>
          ) : (
            <TextField
              label="Microsoft account"
              hint="The user principal name (ada@contoso.com) or the object id. That account becomes Administrator at its first sign-in."
              value={form.microsoftUser}
              onValue={(microsoftUser) => set({ microsoftUser })}
              error={errors['administrator.microsoftUser'] ?? errors.administrator}
              autocapitalize="off"
              spellcheck={false}
            />
          )}
        </fieldset>
        <ErrorMessage error={failure} />
        <button type="submit" class="primary wide" disabled={busy}>
          {busy ? 'Setting up…' : 'Set up and sign in'}
        </button>
      </form>
    </main>
  );
}
