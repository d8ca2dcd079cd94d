import { rememberReturn, saveDrafts, session, signatureReady } from '../state.js';
import { PasswordField } from '../ui.js';

/** Password re-entry, or a fresh Microsoft sign-in, that makes the click a signature. */
export function SignatureStep(props: { password: string; onPassword: (value: string) => void; error: string | undefined }) {
  const user = session.value!.user;
  if (user.authMethod === 'local')
    return (
      <PasswordField label="Your password, to sign" value={props.password} onValue={props.onPassword} autocomplete="current-password" error={props.error} />
    );
  if (signatureReady.value) return <p class="alert success">Microsoft sign-in confirmed. Sign within five minutes.</p>;
  return (
    <div>
      <p class="hint">Signing needs a fresh Microsoft sign-in. What you entered is kept while you sign in.</p>
      {props.error && <p class="field-error">{props.error}</p>}
      <button
        type="button"
        class="secondary"
        onClick={() => {
          saveDrafts();
          rememberReturn(location.pathname);
          location.assign('/api/auth/microsoft/login?purpose=signature');
        }}
      >
        Confirm with Microsoft
      </button>
    </div>
  );
}
