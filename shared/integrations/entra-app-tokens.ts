import type { HttpRequest } from '@azure/functions';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { auditEntraApp, countApiKeyUse, entraAppPartition, type EntraAppDocument } from '../data/api-keys-repository.js';
import type { AuditActor } from '../domain/audit-chain.js';
import { auditEvent } from '../domain/audit-entries.js';
import { settings } from '../platform/config.js';
import type { RequestOrigin } from '../platform/http-pipeline.js';
import { forbidden, HttpProblem } from '../platform/problems.js';
import { entraTokenHeader, type ApiKeyScope } from '../schemas/api-keys.js';
import type { ApiKeyCaller } from './api-keys.js';

/** The app roles an app registration is given, and the scope of a key each stands for. */
export const entraAppRoles: Record<ApiKeyScope, string> = { 'feed:read': 'Feed.Read', 'fitness:read': 'Fitness.Read', 'meters:write': 'Meters.Write' };

interface TrustedTenant {
  issuers: string[];
  keys: ReturnType<typeof createRemoteJWKSet>;
}

let pendingTenant: Promise<TrustedTenant> | undefined;

/**
 * The issuers and signing keys this installation trusts, from the provider's OpenID metadata:
 * ENTRA_AUTHORITY (any OpenID provider; tests run a local one) or the Entra tenant. An app registration
 * that keeps the default v1 access tokens gets them from sts.windows.net, so that issuer is trusted too.
 */
async function loadTenant(): Promise<TrustedTenant> {
  const { ENTRA_AUTHORITY, ENTRA_TENANT_ID } = settings();
  const authority = (ENTRA_AUTHORITY ?? `https://login.microsoftonline.com/${ENTRA_TENANT_ID}/v2.0`).replace(/\/$/, '');
  const response = await fetch(`${authority}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`The Microsoft Entra metadata at ${authority} answered ${response.status}`);
  const metadata = (await response.json()) as { issuer: string; jwks_uri: string };
  const issuers = ENTRA_AUTHORITY ? [metadata.issuer] : [metadata.issuer, `https://sts.windows.net/${ENTRA_TENANT_ID}/`];
  return { issuers, keys: createRemoteJWKSet(new URL(metadata.jwks_uri)) };
}

function trustedTenant(): Promise<TrustedTenant> {
  pendingTenant ??= loadTenant().catch((error: unknown) => {
    pendingTenant = undefined;
    throw error;
  });
  return pendingTenant;
}

const notSignedIn = (detail: string) => new HttpProblem(401, 'Not signed in', detail);

/** The calling app: `azp` in v2 access tokens, `appid` in v1. */
const appIdOf = (payload: JWTPayload): string | undefined =>
  typeof payload.azp === 'string' ? payload.azp : typeof payload.appid === 'string' ? payload.appid : undefined;

const appActor = (appId: string, name: string): AuditActor => ({ username: `entra-app:${appId}`, displayName: `Microsoft Entra app "${name}"` });

/**
 * The app registration behind the request's Microsoft Entra access token, allowed `scope`: null when
 * the request carries no token. The token must be signed by the trusted tenant's keys, issued by it,
 * meant for this API (ENTRA_API_AUDIENCE), unexpired, an app's own (client credentials, no user), and
 * hold the scope's app role; the app must be one ENTRA_APP_CALLERS gives labs. A refusal is 401 or 403
 * with a sentence. Once the signature holds, each refusal and the app's first use of the day join the
 * app's audit chain, and every use is counted for the day, as a key's are.
 */
export async function entraAppCaller(request: HttpRequest, scope: ApiKeyScope, facts: RequestOrigin, now = new Date()): Promise<ApiKeyCaller | null> {
  const sent = request.headers.get(entraTokenHeader);
  if (sent === null) return null;
  const token = sent.replace(/^Bearer\s+/i, '').trim();
  const { ENTRA_API_AUDIENCE, ENTRA_APP_CALLERS } = settings();
  if (!ENTRA_API_AUDIENCE || !ENTRA_APP_CALLERS)
    throw notSignedIn('This installation does not accept Microsoft Entra access tokens; send an API key in the X-Api-Key header instead.');
  const tenant = await trustedTenant();
  let payload: JWTPayload;
  let refusal: HttpProblem | null = null;
  try {
    payload = (await jwtVerify(token, tenant.keys, { issuer: tenant.issuers, audience: ENTRA_API_AUDIENCE, currentDate: now, clockTolerance: 60 })).payload;
  } catch (error) {
    if (!(error instanceof errors.JWTClaimValidationFailed || error instanceof errors.JWTExpired)) {
      throw notSignedIn('The Microsoft Entra access token could not be verified: it is not a token signed by the tenant this installation trusts.');
    }
    // The signature held, so the token is genuine: say which claim failed and audit the refusal.
    payload = error.payload;
    refusal = claimRefusal(error, payload);
  }
  const appId = appIdOf(payload);
  const caller = appId ? ENTRA_APP_CALLERS[appId] : undefined;
  const what = `${request.method} ${new URL(request.url).pathname}`;
  if (!refusal) {
    if (!appId) refusal = notSignedIn('The Microsoft Entra access token names no calling app (azp or appid); request it with the client credentials flow.');
    else if (typeof payload.scp === 'string')
      refusal = forbidden(
        'The Microsoft Entra access token was given to a person (it holds scp); integrations use an app-only token from the client credentials flow.',
      );
    else if (!caller) refusal = forbidden(`The Microsoft Entra app ${appId} is given no labs here; an administrator adds it to ENTRA_APP_CALLERS.`);
    else if (!rolesOf(payload).includes(entraAppRoles[scope]))
      refusal = forbidden(`The Microsoft Entra app "${caller.name}" does not hold the app role ${entraAppRoles[scope]}, which ${scope} needs.`);
  }
  const name = caller?.name ?? appId ?? 'unknown';
  const subject = { kind: 'entra-app' as const, appId: appId ?? 'unknown', labIds: caller?.labIds ?? [] };
  if (refusal) {
    if (appId)
      await auditEntraApp({ appId, name }, [auditEvent('entra-app.refused', subject, appActor(appId, name), facts, { reason: `${what}: ${refusal.detail}` })]);
    throw refusal;
  }
  const today = now.toISOString().slice(0, 10);
  const document: EntraAppDocument = {
    id: entraAppPartition(appId!),
    type: 'entra-app',
    keyId: entraAppPartition(appId!),
    appId: appId!,
    name,
    lastUsedOn: null,
  };
  await countApiKeyUse(
    document,
    today,
    auditEvent('entra-app.used', subject, appActor(appId!, name), facts, { reason: `First use on ${today} (UTC): ${what}` }),
  );
  return {
    keyId: document.keyId,
    name,
    labIds: caller!.labIds,
    scopes: (Object.keys(entraAppRoles) as ApiKeyScope[]).filter((s) => rolesOf(payload).includes(entraAppRoles[s])),
  };
}

const rolesOf = (payload: JWTPayload): string[] =>
  Array.isArray(payload.roles) ? payload.roles.filter((role): role is string => typeof role === 'string') : [];

function claimRefusal(error: errors.JWTClaimValidationFailed | errors.JWTExpired, payload: JWTPayload): HttpProblem {
  if (error instanceof errors.JWTExpired) {
    const at = typeof payload.exp === 'number' ? ` at ${new Date(payload.exp * 1000).toISOString()}` : '';
    return notSignedIn(`The Microsoft Entra access token expired${at}; request a new one.`);
  }
  if (error.claim === 'aud') {
    const audiences = settings().ENTRA_API_AUDIENCE ?? [];
    return notSignedIn(`The Microsoft Entra access token is meant for ${JSON.stringify(payload.aud)}, not this API; request it for ${audiences[0]}/.default.`);
  }
  if (error.claim === 'iss')
    return notSignedIn(`The Microsoft Entra access token was issued by ${String(payload.iss)}, not by the tenant this installation trusts.`);
  return notSignedIn(`The Microsoft Entra access token is not valid yet or lacks a claim (${error.claim}); request a new one.`);
}
