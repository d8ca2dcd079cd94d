import type { HttpRequest } from '@azure/functions';
import { changeUser } from '../data/users-repository.js';
import { passwordChangeDue } from '../domain/password-age.js';
import { settings } from '../platform/config.js';
import type { RequestOrigin } from '../platform/http-pipeline.js';
import { userEvent } from './user-events.js';
import { actorOf, displayNameOf, grantsOf, type Principal } from './principal.js';
import { resolveSession } from './sessions.js';

export async function authenticate(request: HttpRequest): Promise<Principal | null> {
  const resolved = await resolveSession(request);
  if (!resolved) return null;
  const { session, user } = resolved;
  return {
    ...grantsOf(user),
    username: user.username,
    displayName: displayNameOf(user),
    user,
    session,
    csrfToken: session.csrfToken,
    mustChangePassword: passwordChangeDue(user, new Date(), settings().PASSWORD_MAX_AGE_DAYS),
  };
}

/** A refused request joins the caller's own audit chain, so probing leaves a trace. */
export async function recordDeniedRequest(principal: Principal, what: string, reason: string, facts: RequestOrigin): Promise<void> {
  await changeUser(principal.username, (user) => ({
    user,
    events: [{ ...userEvent('access.denied', user, actorOf(principal), facts, { reason }), entityType: 'request', entityId: what }],
  }));
}
