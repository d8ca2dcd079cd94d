import type { Cookie } from '@azure/functions';
import { deleteSession, deleteSessionsOf } from '../data/sessions-repository.js';
import { countAttempt, readAttemptCount } from '../data/attempt-counters.js';
import { appendToUnknownAccounts, changeUser, readUser, type UserDocument } from '../data/users-repository.js';
import { brokenPasswordRules } from '../domain/password-rules.js';
import { settings } from '../platform/config.js';
import { checkCsrfToken, type RequestFacts, type RequestOrigin } from '../platform/http-pipeline.js';
import { badRequest, forbidden, HttpProblem, locked } from '../platform/problems.js';
import { deviceCookieAfterSignIn, isRecognisedDevice } from './recognised-device.js';
import { trackProductEvent } from '../platform/telemetry.js';
import type { SessionView } from '../schemas/auth.js';
import { hashPassword, needsRehash, verifyAgainstNothing, verifyPassword } from './passwords.js';
import { actorOf, type Principal } from './principal.js';
import { selfActor, userEvent } from './user-events.js';
import { RateLimiter } from './rate-limit.js';
import { microsoftLogoutUrl } from './microsoft.js';
import { sessionView } from './session-view.js';
import { endedSessionCookie, resolveSession, startSession } from './sessions.js';

const perAccount = new RateLimiter('password-attempts-per-account', () => settings().LOGIN_RATE_LIMIT_PER_MINUTE, 60, true);
/** One address may sign in several people (a shared lab PC), so it gets more room than one account. */
const perAddress = new RateLimiter('password-attempts-per-address', () => settings().LOGIN_RATE_LIMIT_PER_MINUTE * 5, 60, false);

/** Both an unknown name and a wrong password get exactly this answer. */
const wrongCredentials = () => new HttpProblem(401, 'Sign-in failed', 'The username or password is incorrect.');

const whoUnlocks = 'A manager of your lab or an administrator can unlock it.';
/** A locked account gets this whatever password was sent: the answer never tells a right password from a wrong one. */
const lockedAccount = () => locked(`This account is locked after too many wrong passwords. ${whoUnlocks}`);
const nowLocked = (failures: number) => locked(`That was the ${ordinal(failures)} wrong password in a row, so the account is now locked. ${whoUnlocks}`);
const disabledAccount = () => forbidden('This account is disabled. Ask an administrator if you need access again.');

function ordinal(count: number): string {
  const words = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth'];
  return words[count - 1] ?? `${count}th`;
}

/**
 * Names nobody holds are counted too and "lock" at the same threshold, so that locking is no way to
 * learn which usernames exist. The count lasts 30 days, as no one unlocks a name that is not there.
 */
const unknownNameWindowSeconds = 30 * 86_400;

async function countUnknownNameFailure(username: string): Promise<number> {
  const windowStart = Math.floor(Date.now() / (unknownNameWindowSeconds * 1000)) * unknownNameWindowSeconds * 1000;
  return countAttempt('unknown-name-failures', username, windowStart, unknownNameWindowSeconds);
}

/**
 * Back-off (LOCKOUT_MODE=backoff): wrong passwords for an account from devices it never signed in on
 * are counted per account in fixed windows of LOCKOUT_BACKOFF_MINUTES. At the threshold such devices
 * are paused until the window ends, and the account is never locked by them: a stranger can at most
 * keep repeating a pause that a recognised device does not see. Names nobody holds are counted the
 * same way, so a pause tells nobody which names exist.
 */
const strangerFailures = 'password-failures-from-unrecognised-devices';

function backoffWindow(now = Date.now()): { start: number; seconds: number; retryAfterSeconds: number } {
  const seconds = settings().LOCKOUT_BACKOFF_MINUTES * 60;
  const start = Math.floor(now / (seconds * 1000)) * seconds * 1000;
  return { start, seconds, retryAfterSeconds: Math.max(1, Math.ceil((start + seconds * 1000 - now) / 1000)) };
}

function minutes(seconds: number): string {
  const count = Math.ceil(seconds / 60);
  return count === 1 ? 'a minute' : `${count} minutes`;
}

const pausedForUnrecognisedDevices = (retryAfterSeconds: number) =>
  new HttpProblem(
    429,
    'Too many requests',
    `Too many wrong passwords for this account from devices it has not signed in on, so such devices must wait ${minutes(retryAfterSeconds)}. A device this account has signed in on before can sign in now.`,
    { headers: { 'Retry-After': String(retryAfterSeconds) } },
  );

/** Refuses, without looking at the password, an attempt from an unrecognised device while the account is paused for those. */
async function refuseWhilePaused(username: string, facts: RequestFacts): Promise<void> {
  const window = backoffWindow();
  if ((await readAttemptCount(strangerFailures, username, window.start)) < settings().LOCKOUT_THRESHOLD) return;
  const reason = `paused for devices it has not signed in on; the password was not checked`;
  trackProductEvent('SignInFailed', { username, method: 'password', reason: 'paused for unrecognised devices' }, {});
  const existing = await changeUser(username, (user) => ({ user, events: [userEvent('auth.login.refused', user, selfActor(user), facts, { reason })] }));
  if (!existing) await appendToUnknownAccounts([userEvent('auth.login.refused', { username, labIds: [] }, null, facts, { reason })]);
  throw pausedForUnrecognisedDevices(window.retryAfterSeconds);
}

/**
 * Counts a wrong password from an unrecognised device; the one that reaches the threshold starts the
 * pause, which is audited (on the account, or among unknown names) and answered as such.
 */
async function countStrangerFailure(username: string, facts: RequestFacts, known: boolean): Promise<HttpProblem> {
  const window = backoffWindow();
  const failures = await countAttempt(strangerFailures, username, window.start, window.seconds);
  const threshold = settings().LOCKOUT_THRESHOLD;
  const event = (user: Pick<UserDocument, 'username' | 'labIds'>, actor: ReturnType<typeof selfActor> | null) => [
    userEvent('auth.login.failed', user, actor, facts, {
      reason: `sign-in: wrong password from a device this account has not signed in on (${failures} in this ${settings().LOCKOUT_BACKOFF_MINUTES}-minute window)`,
    }),
    ...(failures === threshold
      ? [
          userEvent('auth.login.paused', user, actor, facts, {
            reason: `${failures} wrong passwords from unrecognised devices: such devices wait ${minutes(window.retryAfterSeconds)}; recognised devices are not paused and the account is not locked`,
          }),
        ]
      : []),
  ];
  if (known) await changeUser(username, (user) => ({ user, events: event(user, selfActor(user)) }));
  else await appendToUnknownAccounts(event({ username, labIds: [] }, null));
  return failures >= threshold ? pausedForUnrecognisedDevices(window.retryAfterSeconds) : wrongCredentials();
}

/** What a failed password did to its account: counted, and perhaps locked it just now. */
export interface FailedPassword {
  user: UserDocument | null;
  lockedNow: boolean;
  failures: number;
  /** Wrong passwords left before the account locks; 0 once it is locked. */
  attemptsLeft: number;
}

export async function limitSignInAttempts(username: string, facts: Pick<RequestFacts, 'clientAddress'>): Promise<void> {
  await Promise.all([perAddress.take(facts.clientAddress), perAccount.take(username)]);
}

/**
 * A signer is already signed in, so their password attempts come from one account whatever the
 * address: the account's limit (and its lockout) is the whole defence, and one counter is enough.
 */
export async function limitSignerAttempts(username: string): Promise<void> {
  await perAccount.take(username);
}

/**
 * Counts a failed password for the account, locking it at the threshold. Returns the new status.
 * Used by sign-in and by every other place that asks for the password again.
 */
export async function recordFailedPassword(username: string, facts: RequestOrigin, context: string): Promise<FailedPassword> {
  let lockedAfter: number | null = null;
  let failures = 0;
  const changed = await changeUser(username, (user) => {
    const failedLogins = user.failedLogins + 1;
    const locks = user.status === 'Active' && failedLogins >= settings().LOCKOUT_THRESHOLD;
    // The change may be tried again after a conflict; the try that was written decides.
    lockedAfter = locks ? failedLogins : null;
    failures = failedLogins;
    const next: UserDocument = { ...user, failedLogins, status: locks ? 'Locked' : user.status };
    const events = [userEvent('auth.login.failed', user, selfActor(user), facts, { reason: `${context}: wrong password (${failedLogins} in a row)` })];
    if (locks) {
      events.push(
        userEvent('user.locked', user, selfActor(user), facts, {
          before: { status: user.status },
          after: { status: 'Locked' },
          reason: `${failedLogins} failed sign-ins in a row`,
        }),
      );
    }
    return { user: next, events };
  });
  trackProductEvent('SignInFailed', { username, method: 'password', reason: `${context}: wrong password` }, {});
  if (changed && lockedAfter !== null) trackProductEvent('AccountLocked', { username }, { failedAttempts: lockedAfter });
  const stillActive = changed?.status === 'Active';
  return {
    user: changed,
    lockedNow: changed !== null && lockedAfter !== null,
    failures,
    attemptsLeft: stillActive ? Math.max(0, settings().LOCKOUT_THRESHOLD - failures) : 0,
  };
}

export async function signIn(username: string, password: string, facts: RequestFacts): Promise<{ view: SessionView; cookie: Cookie; deviceCookie: Cookie }> {
  await limitSignInAttempts(username, facts);
  const fromStranger = settings().LOCKOUT_MODE === 'backoff' && !(await isRecognisedDevice(facts.request, username));
  if (fromStranger) await refuseWhilePaused(username, facts);
  const found = await readUser(username);
  const hash = found?.document.authMethod === 'local' ? found.document.passwordHash : null;
  const correct = hash ? await verifyPassword(password, hash) : await verifyAgainstNothing(password);
  if (!found || !hash) {
    const reason = found ? 'account signs in with Microsoft' : 'no such account';
    trackProductEvent('SignInFailed', { username, method: 'password', reason }, {});
    if (fromStranger) throw await countStrangerFailure(username, facts, false);
    await appendToUnknownAccounts([userEvent('auth.login.failed', { username, labIds: found?.document.labIds ?? [] }, null, facts, { reason })]);
    const failures = await countUnknownNameFailure(username);
    const threshold = settings().LOCKOUT_THRESHOLD;
    if (failures === threshold) throw nowLocked(failures);
    if (failures > threshold) throw lockedAccount();
    throw wrongCredentials();
  }
  // An account that is not Active answers the same to the right and to a wrong password: otherwise a
  // locked account would go on telling an attacker which guess was right. Only the audit trail says.
  if (found.document.status !== 'Active') {
    const status = found.document.status;
    const reason = `account is ${status}; the password given was ${correct ? 'right' : 'wrong'}`;
    trackProductEvent('SignInFailed', { username, method: 'password', reason: `account is ${status}` }, {});
    await changeUser(username, (user) => ({ user, events: [userEvent('auth.login.refused', user, selfActor(user), facts, { reason })] }));
    throw status === 'Locked' ? lockedAccount() : disabledAccount();
  }
  if (!correct) {
    if (fromStranger) {
      trackProductEvent('SignInFailed', { username, method: 'password', reason: 'sign-in: wrong password from an unrecognised device' }, {});
      throw await countStrangerFailure(username, facts, true);
    }
    const failure = await recordFailedPassword(username, facts, 'sign-in');
    if (failure.lockedNow) throw nowLocked(failure.failures);
    throw wrongCredentials();
  }
  const rehashed = needsRehash(hash) ? await hashPassword(password) : null;
  const { view, cookie } = await signedInSession(username, facts, 'local password', rehashed ? { passwordHash: rehashed } : {});
  return { view, cookie, deviceCookie: await deviceCookieAfterSignIn(facts.request, username, facts.origin) };
}

/**
 * The end of every local sign-in, once the password is proven (by sign-in, or by setup, which was
 * just given it): the failure count is cleared, the sign-in audited, and a session started.
 */
export async function signedInSession(
  username: string,
  facts: RequestFacts,
  reason: string,
  changes: Partial<Pick<UserDocument, 'passwordHash'>> = {},
): Promise<{ view: SessionView; cookie: Cookie }> {
  const user = await changeUser(username, (current) => ({
    user: { ...current, failedLogins: 0, lastLoginAt: new Date().toISOString(), ...changes },
    events: [userEvent('auth.login', current, selfActor(current), facts, { reason })],
  }));
  if (!user) throw wrongCredentials();
  const started = await startSession(user, facts.origin);
  return { view: await sessionView(user, started.session), cookie: started.cookie };
}

export async function signOut(facts: RequestFacts): Promise<{ cookie: Cookie; logoutUrl: string | null }> {
  const resolved = await resolveSession(facts.request);
  if (!resolved) return { cookie: endedSessionCookie(facts.origin), logoutUrl: null };
  const { session, user } = resolved;
  // Sign-out is public so that an expired session can still clear its cookie; a live one ends only
  // with its own CSRF token, so another site cannot sign a user out.
  checkCsrfToken(facts.request, session);
  await deleteSession(session.username, session.id);
  await changeUser(user.username, (current) => ({ user: current, events: [userEvent('auth.logout', current, selfActor(current), facts)] }));
  const logoutUrl = session.authMethod === 'microsoft' ? await microsoftLogoutUrl(facts.origin, session.logoutHint) : null;
  return { cookie: endedSessionCookie(facts.origin), logoutUrl };
}

export function passwordProblems(password: string, username: string): string[] {
  return brokenPasswordRules(password, username, { requireCharacterClasses: settings().PASSWORD_REQUIRE_CHARACTER_CLASSES });
}

export function assertAcceptablePassword(password: string, username: string, field: string): void {
  const broken = passwordProblems(password, username);
  if (broken.length > 0) {
    throw badRequest(
      `The new password does not meet these rules: ${broken.join('; ')}.`,
      broken.map((rule) => ({ field, message: `must meet the rule: ${rule}` })),
    );
  }
}

export async function changeOwnPassword(principal: Principal, currentPassword: string, newPassword: string, facts: RequestFacts): Promise<void> {
  if (principal.user.authMethod !== 'local' || !principal.user.passwordHash) {
    throw badRequest('This account signs in with Microsoft; change the password there.');
  }
  await limitSignInAttempts(principal.username, facts);
  if (!(await verifyPassword(currentPassword, principal.user.passwordHash))) {
    const failure = await recordFailedPassword(principal.username, facts, 'password change');
    if (failure.lockedNow) throw nowLocked(failure.failures);
    throw badRequest('The current password is not correct.', [{ field: 'currentPassword', message: 'is not your current password' }]);
  }
  assertAcceptablePassword(newPassword, principal.username, 'newPassword');
  if (newPassword === currentPassword) {
    throw badRequest('The new password must differ from the current one.', [{ field: 'newPassword', message: 'must differ from the current password' }]);
  }
  const passwordHash = await hashPassword(newPassword);
  await changeUser(principal.username, (user) => ({
    user: { ...user, passwordHash, passwordChangedAt: new Date().toISOString(), requirePasswordChange: false, failedLogins: 0 },
    events: [userEvent('user.password.changed', user, actorOf(principal), facts, { reason: 'changed by the user' })],
  }));
  // Anyone else holding a session of this account loses it with the old password.
  await deleteSessionsOf(principal.username, principal.session.id);
}
