import { useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { rememberReturn, saveDrafts, session, signatureReady, signedOut } from '../state.js';

/** What the API takes as a signature: the password of a local account; a Microsoft account signs by its fresh sign-in. */
export type SignatureProof = { password?: string };

export function signatureProof(password: string): SignatureProof {
  return session.value!.user.authMethod === 'local' ? { password } : {};
}

/**
 * The last wrong signature password locks the account and ends the session: what was typed (never the
 * password) is kept for after the unlock, and the sign-in page says what happened and who can help.
 */
function lockedOutWhileSigning(refusal: unknown): boolean {
  if (!(refusal instanceof ApiError && refusal.status === 423)) return false;
  saveDrafts();
  rememberReturn(location.pathname);
  signedOut(`${refusal.message} What you entered on the form is kept in this browser tab: sign in again once the account is unlocked, and sign it then.`);
  return true;
}

const wrongPassword = (refusal: unknown): refusal is ApiError =>
  refusal instanceof ApiError && refusal.status === 401 && refusal.problem?.title !== 'Not signed in';

export type SignedOutcome<T> = { signed: true; answer: T } | { signed: false; refusal: unknown };

/**
 * The state and the one submit of every signed form (records, calibrations, nonconformities): the
 * password, field errors, the refusal to show and whether it is on its way. A refused signature is
 * sorted the same way everywhere: a lockout ends the session and keeps the form, a wrong password is
 * said under the password, field errors go beside their fields (the password stays, since it was
 * not what was wrong), anything else is shown as the form's failure.
 */
export function useSignedSubmit() {
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit<T>(
    send: (signature: SignatureProof) => Promise<T>,
    options: { describe?: (refusal: unknown) => unknown } = {},
  ): Promise<SignedOutcome<T>> {
    setErrors({});
    setFailure(null);
    setBusy(true);
    try {
      const answer = await send(signatureProof(password));
      signatureReady.value = false;
      return { signed: true, answer };
    } catch (refusal) {
      if (lockedOutWhileSigning(refusal)) return { signed: false, refusal };
      if (refusal instanceof ApiError && refusal.status === 400 && refusal.problem?.errors) {
        setErrors(refusal.fieldErrors);
        setFailure(refusal);
        return { signed: false, refusal };
      }
      setPassword('');
      if (wrongPassword(refusal)) {
        signatureReady.value = false;
        setErrors({ 'signature.password': refusal.message });
      } else setFailure(options.describe ? options.describe(refusal) : refusal);
      return { signed: false, refusal };
    } finally {
      setBusy(false);
    }
  }

  /** A field's error goes as soon as its value changes: it spoke of what was there before. */
  function clearErrors(prefix: string) {
    if (Object.keys(errors).some((field) => field.startsWith(prefix)))
      setErrors(Object.fromEntries(Object.entries(errors).filter(([field]) => !field.startsWith(prefix))));
  }

  return { password, setPassword, errors, setErrors, clearErrors, failure, setFailure, busy, submit, passwordError: errors['signature.password'] };
}
