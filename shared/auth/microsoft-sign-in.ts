import type { Cookie } from '@azure/functions';
import { listLabs } from '../data/labs-repository.js';
import { DocumentExists } from '../data/errors.js';
import { claimSignInFlow, readSession, saveSession } from '../data/sessions-repository.js';
import { changeUser, createUser, labIdsOf, readUser, type UserDocument } from '../data/users-repository.js';
import { readInstallation } from '../data/installation-repository.js';
import type { AuditEvent } from '../domain/audit-chain.js';
import { accessFromGroups } from '../domain/entra-groups.js';
import { settings } from '../platform/config.js';
import { isDocumentId } from '../schemas/document-ids.js';
import type { RequestFacts } from '../platform/http-pipeline.js';
import { notFound, unauthorized } from '../platform/problems.js';
import { selfActor, userEvent } from './user-events.js';
import { userView } from './user-view.js';
import { buildCookie, expiredCookie, readCookie } from './cookies.js';
import { microsoftClient, microsoftSignInConfigured, redirectUriFor, signInScopes, startMicrosoftSignIn } from './microsoft.js';
import { signToken, verifyToken } from './session-tokens.js';
import { trackProductEvent } from '../platform/telemetry.js';
import { resolveSession, startSession } from './sessions.js';

const flowLifetimeSeconds = 600;

/** Whether a Microsoft account is the one the setup named as first Administrator (by UPN or object id). */
async function isNamedFirstAdministrator(claims: { username: string; objectId: string }): Promise<boolean> {
  const installation = await readInstallation();
  if (!installation || !('microsoftUser' in installation.firstAdministrator)) return false;
  const named = installation.firstAdministrator.microsoftUser;
  return named === claims.username || named === claims.objectId.toLowerCase();
}

/** How long a fresh Microsoft sign-in counts as the signer confirming who they are (SPEC §5). */
export const freshSignInSeconds = 5 * 60;

function flowCookieName(): string {
  return `${settings().SESSION_COOKIE_NAME}_signin`;
}

export interface BrowserRedirect {
  location: string;
  cookies: Cookie[];
}

/** Why a Microsoft sign-in ended without a session, in words for the person at the browser. */
class SignInRefused extends Error {}

function failure(facts: RequestFacts, message: string): BrowserRedirect {
  // Who tried is often unknown here: Microsoft's answer is what failed.
  trackProductEvent('SignInFailed', { username: '', method: 'microsoft', reason: message }, {});
  return { location: `/?signInError=${encodeURIComponent(message)}`, cookies: [expiredCookie(flowCookieName(), facts.origin, 'Lax')] };
}

export function assertMicrosoftConfigured(): void {
  if (!microsoftSignInConfigured()) throw notFound('Microsoft sign-in is not configured for this installation.');
}

/**
 * `purpose: 'signature'` is a fresh sign-in by the user of the current Microsoft session before they
 * sign a record: Microsoft asks for the credentials again, and the session remembers when.
 */
export async function beginMicrosoftSignIn(facts: RequestFacts, purpose: 'sign-in' | 'signature' = 'sign-in'): Promise<BrowserRedirect> {
  assertMicrosoftConfigured();
  const current = purpose === 'signature' ? await resolveSession(facts.request) : null;
  if (purpose === 'signature' && current?.session.authMethod !== 'microsoft') {
    throw unauthorized('Sign in with Microsoft first; a fresh sign-in for signing continues an existing Microsoft session.');
  }
  const start = await startMicrosoftSignIn(
    facts.origin,
    purpose === 'signature' ? { prompt: 'login', loginHint: current!.session.logoutHint ?? current!.user.username } : {},
  );
  const expiresAt = new Date(Date.now() + flowLifetimeSeconds * 1000);
  const flowToken = await signToken(
    'signin-flow',
    {
      state: start.state,
      nonce: start.nonce,
      verifier: start.verifier,
      purpose,
      ...(current ? { sessionId: current.session.id, username: current.user.username } : {}),
    },
    'signin',
    expiresAt,
  );
  return {
    location: start.url,
    cookies: [buildCookie(flowCookieName(), flowToken, facts.origin, { maxAgeSeconds: flowLifetimeSeconds, sameSite: 'Lax' })],
  };
}

interface IdClaims {
  oid?: string;
  /** Seconds since the epoch when the user last entered their credentials. */
  auth_time?: number;
  preferred_username?: string;
  email?: string;
  upn?: string;
  name?: string;
  given_name?: string;
  family_name?: string;
  groups?: string[];
  login_hint?: string;
}

function namesFrom(claims: IdClaims, username: string): { firstName: string; lastName: string } {
  if (claims.given_name || claims.family_name) return { firstName: claims.given_name ?? '', lastName: claims.family_name ?? '' };
  const [first, ...rest] = (claims.name ?? username).split(' ');
  return { firstName: first ?? username, lastName: rest.join(' ') };
}

async function choosePrimaryLab(existing: UserDocument | null, companyWide: boolean, labIds: string[]): Promise<string> {
  if (existing && (companyWide || labIds.includes(existing.primaryLabId))) return existing.primaryLabId;
  if (labIds[0]) return labIds[0];
  const fallback = settings().ENTRA_DEFAULT_PRIMARY_LAB ?? (await listLabs())[0]?.labId;
  if (!fallback) throw new SignInRefused('No lab exists yet; an administrator must create one first.');
  return fallback;
}

/** Creates or refreshes the account from the ID token: groups decide the roles on every sign-in. */
/**
 * The account's name here: the first of the names Microsoft gives that can be a document id and is no
 * reserved partition. A guest's UPN (`ann_example.com#EXT#@tenant...`) holds a `#`, which Cosmos DB
 * refuses in ids, so a guest goes by the e-mail or, failing that, the object id.
 */
export function entraUsername(claims: Pick<IdClaims, 'preferred_username' | 'email' | 'upn' | 'oid'>): string {
  const candidates = [claims.preferred_username, claims.email, claims.upn, claims.oid].map((name) => name?.toLowerCase() ?? '');
  return candidates.find((name) => isDocumentId(name) && !name.startsWith('~')) ?? '';
}

async function provisionUser(claims: IdClaims, facts: RequestFacts): Promise<UserDocument> {
  const username = entraUsername(claims);
  if (!username || !claims.oid) throw new SignInRefused('Microsoft did not say who you are; try again.');
  const fromGroups = accessFromGroups(claims.groups ?? [], settings().ENTRA_GROUP_MAP ?? {});
  const { labAccess } = fromGroups;
  // The account the first-run setup named is Administrator whatever its groups, so the company's
  // first sign-in works before any group is mapped.
  const companyRole = (await isNamedFirstAdministrator({ username, objectId: claims.oid })) ? 'Administrator' : fromGroups.companyRole;
  if (!companyRole && labAccess.length === 0) {
    throw new SignInRefused('Your Microsoft account is not in any group that gives access to EquipManSys. Ask your administrator to add you.');
  }
  const existing = (await readUser(username))?.document ?? null;
  if (existing && (existing.authMethod !== 'microsoft' || existing.entraObjectId !== claims.oid)) {
    throw new SignInRefused(`The name ${username} belongs to another account here. Ask your administrator.`);
  }
  if (existing && existing.status !== 'Active') {
    throw new SignInRefused(`Your account is ${existing.status.toLowerCase()}. Ask a manager or an administrator.`);
  }
  const primaryLabId = await choosePrimaryLab(
    existing,
    companyRole !== null,
    labAccess.map((access) => access.labId),
  );
  const names = namesFrom(claims, username);
  const now = new Date().toISOString();
  const actor = selfActor({ ...names, username });
  if (!existing) {
    const user: UserDocument = {
      id: username,
      type: 'user',
      username,
      ...names,
      primaryLabId,
      companyRole,
      labAccess,
      labIds: labIdsOf(primaryLabId, labAccess),
      status: 'Active',
      authMethod: 'microsoft',
      passwordHash: null,
      passwordChangedAt: null,
      requirePasswordChange: false,
      failedLogins: 0,
      lastLoginAt: now,
      createdAt: now,
      entraObjectId: claims.oid,
    };
    const events: AuditEvent[] = [
      userEvent('user.created', user, actor, facts, { after: userView(user), reason: 'first Microsoft sign-in' }),
      userEvent('auth.login', user, actor, facts, { reason: 'Microsoft' }),
    ];
    try {
      return (await createUser(user, events)).document;
    } catch (error) {
      if (error instanceof DocumentExists) return provisionUser(claims, facts);
      throw error;
    }
  }
  const updated = await changeUser(username, (current) => {
    const next: UserDocument = { ...current, ...names, companyRole, labAccess, primaryLabId, labIds: labIdsOf(primaryLabId, labAccess), lastLoginAt: now };
    const events: AuditEvent[] = [];
    if (JSON.stringify([current.companyRole, current.labAccess, current.primaryLabId]) !== JSON.stringify([companyRole, labAccess, primaryLabId])) {
      events.push(
        userEvent('user.access.synced', next, actor, facts, {
          labIds: [...new Set([...current.labIds, ...next.labIds])],
          before: { companyRole: current.companyRole, labAccess: current.labAccess, primaryLabId: current.primaryLabId },
          after: { companyRole, labAccess, primaryLabId },
          reason: 'Microsoft group membership',
        }),
      );
    }
    events.push(userEvent('auth.login', next, actor, facts, { reason: 'Microsoft' }));
    return { user: next, events };
  });
  if (!updated) throw new SignInRefused('Your account could not be found; try again.');
  return updated;
}

/**
 * The end of a fresh sign-in for signing: the same Microsoft account as the session's, having entered
 * its credentials within the last five minutes. The session remembers when, for the signature.
 */
async function confirmFreshSignIn(claims: IdClaims, username: string, sessionId: string, facts: RequestFacts): Promise<BrowserRedirect> {
  const session = await readSession(username, sessionId);
  const user = await readUser(username);
  if (!session || !user || user.document.entraObjectId !== claims.oid) {
    throw new SignInRefused('Sign in again as the same Microsoft account to sign.');
  }
  const enteredAt = (claims.auth_time ?? 0) * 1000;
  if (!(Date.now() - enteredAt <= freshSignInSeconds * 1000)) {
    throw new SignInRefused('Microsoft did not ask for your credentials just now; sign in again to sign.');
  }
  await saveSession({ ...session, freshSignInAt: new Date(enteredAt).toISOString() });
  await changeUser(username, (current) => ({
    user: current,
    events: [
      userEvent('auth.signature.reauthenticated', current, selfActor(current), facts, { reason: 'fresh Microsoft sign-in for an electronic signature' }),
    ],
  }));
  return { location: '/?signature=ready', cookies: [expiredCookie(flowCookieName(), facts.origin, 'Lax')] };
}

export async function completeMicrosoftSignIn(
  response: { code?: string | undefined; state?: string | undefined; error?: string | undefined; error_description?: string | undefined },
  facts: RequestFacts,
): Promise<BrowserRedirect> {
  assertMicrosoftConfigured();
  if (response.error) return failure(facts, `Microsoft sign-in did not complete: ${response.error_description ?? response.error}`);
  const flowToken = readCookie(facts.request, flowCookieName());
  const flow = flowToken ? await verifyToken('signin-flow', flowToken) : null;
  if (!flow || !response.state || flow.state !== response.state || !response.code) {
    return failure(facts, 'This sign-in expired or was started in another browser. Please sign in again.');
  }
  try {
    await claimSignInFlow(response.state, flowLifetimeSeconds);
  } catch (error) {
    if (error instanceof DocumentExists) return failure(facts, 'This sign-in response was already used. Please sign in again.');
    throw error;
  }
  try {
    const { client } = await microsoftClient();
    // The confidential client (msal-node 7) checks the ID token's nonce and the response's state
    // against the request's, so both go there as well as in the authorization response.
    const nonce = String(flow.nonce);
    const result = await client.acquireTokenByCode(
      {
        code: response.code,
        scopes: signInScopes,
        redirectUri: redirectUriFor(facts.origin),
        codeVerifier: String(flow.verifier),
        nonce,
        state: response.state,
      },
      { code: response.code, state: response.state, nonce },
    );
    const claims = result.idTokenClaims as IdClaims;
    if (flow.purpose === 'signature') return await confirmFreshSignIn(claims, String(flow.username), String(flow.sessionId), facts);
    const user = await provisionUser(claims, facts);
    const started = await startSession(user, facts.origin, claims.login_hint ?? user.username);
    return { location: '/', cookies: [started.cookie, expiredCookie(flowCookieName(), facts.origin, 'Lax')] };
  } catch (error) {
    if (error instanceof SignInRefused) return failure(facts, error.message);
    const code = (error as { errorCode?: string }).errorCode;
    if (code) return failure(facts, `Microsoft sign-in failed (${code}). Please sign in again.`);
    throw error;
  }
}
