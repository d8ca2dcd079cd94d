import { useEffect, useState } from 'preact/hooks';
import type { SessionView, SignInMethods } from '../../../shared/schemas/auth.js';
import { api, ApiError, describeError } from '../api.js';
import { signedIn, signInNotice } from '../state.js';
import { ErrorMessage, PasswordField, TextField } from '../ui.js';
import { SetupPage } from './setup.js';

/** What a person should read for each way sign-in can be refused. */
export function signInMessage(error: unknown): string {
  if (!(error instanceof ApiError)) return describeError(error);
  switch (error.status) {
    case 401:
      return 'The username or password is not correct. Check both and try again.';
    case 423:
      return error.problem?.detail ?? 'This account is locked. Ask a manager or an administrator to unlock it.';
    case 403:
      return error.problem?.detail ?? 'This account is disabled. Ask an administrator if you need access again.';
    case 429:
      // The server says which limit holds: this address, or devices the account never signed in on (SPEC §4).
      return (
        error.problem?.detail ??
        (error.retryAfterSeconds
          ? `Too many sign-in attempts. Wait ${error.retryAfterSeconds} seconds, then try again.`
          : 'Too many sign-in attempts. Wait a minute, then try again.')
      );
    case 400:
      return 'Enter both your username and your password.';
    default:
      return describeError(error);
  }
}

export function SignInPage() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(new URLSearchParams(location.search).get('signInError'));
  const [busy, setBusy] = useState(false);
  const [microsoft, setMicrosoft] = useState(false);
  // An installation with no Administrator yet opens on its setup.
  const [setupNeeded, setSetupNeeded] = useState(false);
  useEffect(() => {
    api.get<SignInMethods>('/api/auth/methods').then(
      ({ body }) => {
        setMicrosoft(body.microsoft);
        setSetupNeeded(body.setupNeeded);
      },
      () => setMicrosoft(false),
    );
  }, []);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      signedIn((await api.post<SessionView>('/api/auth/login', { username, password })).body);
    } catch (refusal) {
      setError(signInMessage(refusal));
      setPassword('');
    } finally {
      setBusy(false);
    }
  }

  if (setupNeeded) return <SetupPage />;
  return (
    <main id="main" class="sign-in">
      <h1>EquipManSys</h1>
      <p class="lead">Preventive maintenance and equipment tracking</p>
      {signInNotice.value && (
        <p class="alert info" role="status">
          {signInNotice.value}
        </p>
      )}
      <form onSubmit={submit} noValidate>
        <TextField label="Username" value={username} onValue={setUsername} autocomplete="username" autocapitalize="off" spellcheck={false} required />
        <PasswordField label="Password" value={password} onValue={setPassword} autocomplete="current-password" required />
        <ErrorMessage error={error} />
        <button type="submit" class="primary wide" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {microsoft && (
        <>
          <p class="or">or</p>
          <a class="button secondary wide" href="/api/auth/microsoft/login">
            Sign in with Microsoft
          </a>
        </>
      )}
    </main>
  );
}
