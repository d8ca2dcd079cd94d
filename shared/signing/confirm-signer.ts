import { freshSignInSeconds } from '../auth/microsoft-sign-in.js';
import { hashPassword, needsRehash, verifyPassword } from '../auth/passwords.js';
import type { Principal } from '../auth/principal.js';
import { limitSignerAttempts, recordFailedPassword } from '../auth/sign-in.js';
import { changeUser } from '../data/users-repository.js';
import { selfActor, userEvent } from '../auth/user-events.js';
import type { RequestOrigin } from '../platform/http-pipeline.js';
import { badRequest, HttpProblem, locked } from '../platform/problems.js';
import type { Signature } from '../schemas/records.js';

/**
 * The signer proves again who they are (21 CFR Part 11 §11.200): local accounts re-enter their
 * password, which counts toward lockout and rate limits like a sign-in; Microsoft accounts must have
 * signed in again at Microsoft (prompt=login) within the last five minutes.
 */
export type ConfirmSigner = (principal: Principal, password: string | undefined, facts: RequestOrigin, context: string) => Promise<Signature['method']>;

export const confirmSigner: ConfirmSigner = async (principal, password, facts, context) => {
  if (principal.user.authMethod === 'microsoft') {
    const at = principal.session.freshSignInAt ? Date.parse(principal.session.freshSignInAt) : Number.NaN;
    if (!(Date.now() - at <= freshSignInSeconds * 1000)) {
      throw new HttpProblem(
        401,
        'Sign in again to sign',
        'Signing needs a fresh Microsoft sign-in: sign in again (GET /api/auth/microsoft/login?purpose=signature) and sign within 5 minutes.',
      );
    }
    return 'microsoft';
  }
  if (!password) throw badRequest('Enter your password to sign.', [{ field: 'signature.password', message: 'is required: enter your password to sign' }]);
  await limitSignerAttempts(principal.username);
  if (!principal.user.passwordHash || !(await verifyPassword(password, principal.user.passwordHash))) {
    const failure = await recordFailedPassword(principal.username, facts, context);
    // The signer is signed in, so telling them how close the lock is reveals nothing to a stranger.
    if (failure.lockedNow || failure.attemptsLeft === 0) {
      throw locked(
        'The password is not correct, and that was the last attempt: your account is now locked and you are signed out. Nothing was signed. ' +
          'A manager of your lab or an administrator can unlock the account.',
      );
    }
    const left =
      failure.attemptsLeft === 1 ? 'One more wrong password locks your account.' : `${failure.attemptsLeft} more wrong passwords in a row lock your account.`;
    throw new HttpProblem(401, 'Signature refused', `The password is not correct; nothing was signed. ${left}`);
  }
  if (needsRehash(principal.user.passwordHash)) await storeStrongerHash(principal, password, facts);
  return 'password';
};

/** A signature is a successful password check, so it replaces a hash of an earlier release as a sign-in does. */
async function storeStrongerHash(principal: Principal, password: string, facts: RequestOrigin): Promise<void> {
  const passwordHash = await hashPassword(password);
  await changeUser(principal.username, (user) =>
    user.passwordHash === principal.user.passwordHash
      ? {
          user: { ...user, passwordHash },
          events: [userEvent('user.password.rehashed', user, selfActor(user), facts, { reason: 'stored again with the current hash at a signature' })],
        }
      : null,
  );
}
