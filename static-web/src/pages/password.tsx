import { useEffect, useState } from 'preact/hooks';
import { passwordRulesWith } from '../../../shared/domain/password-rule-checks.js';
import type { z } from 'zod';
import type { passwordRulesSchema } from '../../../shared/schemas/auth.js';
import { api, ApiError, describeError } from '../api.js';
import { navigate } from '../router.js';
import { loadSession, session, takeReturn } from '../state.js';
import { ErrorMessage, Notice, PageTitle, PasswordField } from '../ui.js';

type PasswordRules = z.infer<typeof passwordRulesSchema>;

let commonPasswords: Promise<ReadonlySet<string>> | null = null;

/** The list behind "not a commonly used password", fetched once and only where a password is chosen. */
function loadCommonPasswords(): Promise<ReadonlySet<string>> {
  commonPasswords ??= fetch('/common-passwords.json')
    .then((response) => response.json() as Promise<string[]>)
    .then((list) => new Set(list));
  return commonPasswords;
}

/** The rules in force, each ticked as the typed password meets it. */
export function PasswordChecklist(props: { password: string; username: string }) {
  const [rules, setRules] = useState<PasswordRules['rules'] | null>(null);
  const [common, setCommon] = useState<ReadonlySet<string> | null>(null);
  useEffect(() => {
    api.get<PasswordRules>('/api/auth/password-rules').then(
      ({ body }) => setRules(body.rules),
      () => setRules([]),
    );
    loadCommonPasswords().then(setCommon, () => setCommon(null));
  }, []);
  if (!rules) return null;
  const policy = { requireCharacterClasses: rules.some((rule) => rule.id === 'uppercase') };
  const checks = new Map(passwordRulesWith(policy, common ?? new Set()).map((rule) => [rule.id, rule]));
  return (
    <div class="checklist">
      <p id="password-rules-title">The new password needs:</p>
      <ul aria-labelledby="password-rules-title">
        {rules.map((rule) => {
          const check = checks.get(rule.id);
          const met =
            props.password.length > 0 && check !== undefined && (rule.id !== 'not-common' || common !== null) && check.isMet(props.password, props.username);
          return (
            <li key={rule.id} class={met ? 'met' : 'unmet'}>
              <span aria-hidden="true">{met ? '✓' : '○'}</span> {rule.description}
              <span class="visually-hidden">{met ? ' (met)' : ' (not yet met)'}</span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

export function PasswordPage() {
  const user = session.value!.user;
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const forced = user.mustChangePassword;

  async function submit(event: Event) {
    event.preventDefault();
    setError(null);
    setFieldErrors({});
    if (next !== repeat) {
      setFieldErrors({ repeat: 'The two new passwords are not the same.' });
      return;
    }
    setBusy(true);
    try {
      await api.post('/api/auth/password', { currentPassword: current, newPassword: next });
      setDone(true);
      setCurrent('');
      setNext('');
      setRepeat('');
      await loadSession();
      if (forced) navigate(takeReturn() ?? '/', { replace: true });
    } catch (refusal) {
      if (refusal instanceof ApiError && refusal.status === 401) setFieldErrors({ currentPassword: 'This is not your current password.' });
      else if (refusal instanceof ApiError && refusal.problem?.errors) setFieldErrors(refusal.fieldErrors);
      else setError(describeError(refusal));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <PageTitle title={forced ? 'Choose a new password' : 'Change password'} />
      {forced && <p class="alert info">Your password must be changed before you can go on. Choose a new one below.</p>}
      {done && <Notice>Your password is changed.</Notice>}
      <form class="narrow" onSubmit={submit} noValidate>
        <PasswordField label="Current password" value={current} onValue={setCurrent} autocomplete="current-password" error={fieldErrors.currentPassword} />
        <PasswordField label="New password" value={next} onValue={setNext} autocomplete="new-password" error={fieldErrors.newPassword} />
        <PasswordChecklist password={next} username={user.username} />
        <PasswordField label="New password again" value={repeat} onValue={setRepeat} autocomplete="new-password" error={fieldErrors.repeat} />
        <ErrorMessage error={error} />
        <button type="submit" class="primary" disabled={busy}>
          Change password
        </button>
      </form>
    </>
  );
}
