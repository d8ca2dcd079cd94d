import type { AuditAction } from '../domain/audit-actions.js';
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RateLimiter } from '../auth/rate-limit.js';
import { hashPassword } from '../auth/passwords.js';
import { assertAcceptablePassword } from '../auth/sign-in.js';
import type { AuditActor, AuditEvent } from '../domain/audit-chain.js';
import { readLab } from '../data/labs-repository.js';
import { deleteSessionsOf } from '../data/sessions-repository.js';
import { appendToBreakGlass, changeUser, readUser } from '../data/users-repository.js';
import { settings } from '../platform/config.js';
import type { RequestFacts } from '../platform/http-pipeline.js';
import { badRequest, conflict, forbidden } from '../platform/problems.js';
import { freshSecret } from '../platform/secrets.js';
import type { BreakGlassRequest, BreakGlassResult } from '../schemas/setup.js';
import { createLocalUser } from '../users/manage-users.js';
import { userEvent } from '../auth/user-events.js';

/**
 * Break-glass (SPEC §4): when no Administrator can sign in, whoever can write a secret in the
 * installation's Key Vault (that is, holds the Azure subscription) lets one in. In Azure the token is
 * the Key Vault secret break-glass-token, read at each attempt so a token written a moment ago works;
 * locally `npm run break-glass` keeps only its SHA-256 in the data folder. Each token works once.
 */
const breakGlassSecret = { vault: 'break-glass-token', env: 'BREAK_GLASS_TOKEN' } as const;
export const localBreakGlassFile = 'break-glass-token.sha256';

/** A guess at the token costs an attempt: half the sign-in limit a minute from one address (5 by default). */
const perAddress = new RateLimiter('break-glass-attempts-per-address', () => Math.max(1, Math.floor(settings().LOGIN_RATE_LIMIT_PER_MINUTE / 2)), 60, false);

const actor: AuditActor = { username: 'break-glass', displayName: 'Break-glass (holder of the Azure subscription)' };

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

async function expectedDigest(): Promise<string | null> {
  const secret = await freshSecret(breakGlassSecret);
  if (secret) return sha256(secret);
  if (settings().KEY_VAULT_URI) return null;
  try {
    return (await readFile(join(settings().LOCAL_DATA_DIR, localBreakGlassFile), 'utf8')).trim() || null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function sameDigest(given: string, expected: string | null): boolean {
  return expected !== null && given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

function breakGlassEvent(action: AuditAction, username: string, facts: RequestFacts, reason: string): AuditEvent {
  return { ...userEvent(action, { username, labIds: [] }, actor, facts, { reason }), entityType: 'break-glass', entityId: username };
}

/** Everything that could refuse the request, checked before the token is spent. */
async function plannedOutcome(input: BreakGlassRequest): Promise<BreakGlassResult['outcome']> {
  const found = await readUser(input.username);
  if (found) {
    if (found.document.authMethod !== 'local' || found.document.companyRole !== 'Administrator') {
      throw conflict(
        `${input.username} is not a local Administrator. Break-glass unlocks a local Administrator, or creates one under a username nobody holds.`,
      );
    }
    assertAcceptablePassword(input.password, input.username, 'password');
    return 'unlocked';
  }
  const missing = (['firstName', 'lastName', 'primaryLabId'] as const).filter((field) => !input[field]);
  if (missing.length > 0) {
    throw badRequest(
      `There is no user ${input.username}; to create that Administrator, give firstName, lastName and primaryLabId (an existing lab) too.`,
      missing.map((field) => ({ field, message: 'is required to create an Administrator' })),
    );
  }
  if (!(await readLab(input.primaryLabId!)))
    throw badRequest(`There is no lab ${input.primaryLabId}.`, [{ field: 'primaryLabId', message: 'must be an existing lab' }]);
  assertAcceptablePassword(input.password, input.username, 'password');
  return 'created';
}

export async function performBreakGlass(input: BreakGlassRequest, facts: RequestFacts): Promise<BreakGlassResult> {
  await perAddress.take(facts.clientAddress);
  const given = sha256(input.token);
  if (!sameDigest(given, await expectedDigest())) {
    await appendToBreakGlass([
      breakGlassEvent('break-glass.refused', input.username, facts, `wrong break-glass token for ${input.username} from ${facts.clientAddress}`),
    ]);
    throw forbidden(
      'The break-glass token is not correct. In Azure it is the Key Vault secret break-glass-token; locally `npm run break-glass` prints a new one.',
    );
  }
  const outcome = await plannedOutcome(input);
  const reason = `break-glass from ${facts.clientAddress}: ${outcome === 'unlocked' ? 'Administrator unlocked with a new password' : 'new Administrator created'}`;
  const spent = await appendToBreakGlass([breakGlassEvent('break-glass.used', input.username, facts, reason)], given);
  if (!spent)
    throw conflict('This break-glass token was used already; each token works once. Write a new one as "Break-glass" in docs/operating-on-azure.md says.');

  if (outcome === 'created') {
    await createLocalUser(
      null,
      {
        username: input.username,
        firstName: input.firstName!,
        lastName: input.lastName!,
        primaryLabId: input.primaryLabId!,
        role: 'Administrator',
        password: input.password,
        requirePasswordChange: false,
      },
      facts,
    );
    return { username: input.username, outcome };
  }
  const passwordHash = await hashPassword(input.password);
  await changeUser(input.username, (current) => {
    const events: AuditEvent[] = [];
    if (current.status !== 'Active') {
      const action = current.status === 'Locked' ? 'user.unlocked' : 'user.enabled';
      events.push(userEvent(action, current, actor, facts, { before: { status: current.status }, after: { status: 'Active' }, reason: 'break-glass' }));
    }
    events.push(userEvent('user.password.reset', current, actor, facts, { reason: 'password set by break-glass' }));
    const next = {
      ...current,
      status: 'Active' as const,
      failedLogins: 0,
      passwordHash,
      passwordChangedAt: new Date().toISOString(),
      requirePasswordChange: false,
    };
    return { user: next, events };
  });
  // Whoever held a session of this account lost it with the old password.
  await deleteSessionsOf(input.username);
  return { username: input.username, outcome };
}
