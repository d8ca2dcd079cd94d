import type { AuditAction } from '../domain/audit-actions.js';
import type { HttpRequest } from '@azure/functions';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { actorOf, type Principal } from '../auth/principal.js';
import { changeApiKey, countApiKeyUse, createApiKey, listApiKeys, readApiKey, usesOf, type ApiKeyDocument } from '../data/api-keys-repository.js';
import { readLab } from '../data/labs-repository.js';
import { invalidTokenAsBadRequest } from '../data/paging.js';
import type { AuditActor, AuditEvent } from '../domain/audit-chain.js';
import { canAnywhere } from '../domain/permissions.js';
import type { RequestFacts, RequestOrigin } from '../platform/http-pipeline.js';
import { badRequest, forbidden, HttpProblem, notFound } from '../platform/problems.js';
import { apiKeyHeader, type ApiKey, type ApiKeyScope, type CreateApiKey } from '../schemas/api-keys.js';
import { auditEvent } from '../domain/audit-entries.js';

/**
 * A key reads `ems_<keyId>_<secret>`: the id names the key's partition and document, so checking a key
 * is one point read; the secret is 32 random bytes. A hash that fast is enough for a secret that long
 * (nobody guesses 256 bits), where a password needs a slow one.
 */
const keyPattern = /^ems_([a-f0-9]{16})_([A-Za-z0-9_-]{43})$/;
const usageDaysShown = 30;
const longestLifeDays = 731;

/** The integration that called, once its key is checked: what it may read and where. */
export interface ApiKeyCaller {
  keyId: string;
  name: string;
  labIds: readonly string[];
  scopes: readonly ApiKeyScope[];
}

/** A key acting on its own behalf, as the audit trail names it. */
export const keyActor = (key: Pick<ApiKeyDocument, 'keyId' | 'name'>): AuditActor => ({
  username: `api-key:${key.keyId}`,
  displayName: `API key "${key.name}"`,
});

const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex');
const utcDay = (at: Date) => at.toISOString().slice(0, 10);

function addDays(day: string, days: number): string {
  return utcDay(new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000));
}

function keyEvent(
  action: AuditAction,
  key: Pick<ApiKeyDocument, 'keyId' | 'labIds'>,
  actor: AuditActor | null,
  facts: RequestOrigin,
  extra: Partial<AuditEvent> = {},
): AuditEvent {
  return auditEvent(action, { kind: 'api-key', keyId: key.keyId, labIds: key.labIds }, actor, facts, extra);
}

/** What the audit trail keeps of a key: everything but its secret's hash. */
function auditedView(key: ApiKeyDocument) {
  return { name: key.name, labIds: key.labIds, scopes: key.scopes, expiresOn: key.expiresOn, revokedAt: key.revokedAt };
}

async function viewOf(key: ApiKeyDocument, today: string): Promise<ApiKey> {
  const uses = key.lastUsedOn ? await usesOf(key.keyId, addDays(today, -usageDaysShown)) : [];
  return {
    keyId: key.keyId,
    name: key.name,
    labIds: key.labIds,
    scopes: key.scopes,
    expiresOn: key.expiresOn,
    createdAt: key.createdAt,
    createdBy: key.createdBy,
    revokedAt: key.revokedAt,
    revokedBy: key.revokedBy,
    lastUsedOn: key.lastUsedOn,
    usesByDay: uses.map(({ day, uses: count }) => ({ day, uses: count })),
  };
}

export function assertMayAdministerApiKeys(principal: Principal): void {
  if (!canAnywhere(principal, 'administration', 'write')) throw forbidden('Only an administrator can create, list or revoke API keys.');
}

export async function createKey(principal: Principal, input: CreateApiKey, facts: RequestFacts, now = new Date()): Promise<ApiKey & { key: string }> {
  const today = utcDay(now);
  if (input.expiresOn < today)
    throw badRequest(`Expires on must be today or later (today is ${today} in UTC).`, [{ field: 'expiresOn', message: 'must be today or later' }]);
  if (input.expiresOn > addDays(today, longestLifeDays)) {
    throw badRequest('Expires on must be at most two years ahead; make a new key when this one ends.', [
      { field: 'expiresOn', message: 'must be at most two years ahead' },
    ]);
  }
  const labIds = [...new Set(input.labIds)];
  const missing = (await Promise.all(labIds.map(async (labId) => ((await readLab(labId)) ? null : labId)))).filter((labId) => labId !== null);
  if (missing.length > 0)
    throw badRequest(`Labs must be labs of this installation; there is no ${missing.join(', ')}.`, [
      { field: 'labIds', message: `names ${missing.join(', ')}, which do not exist` },
    ]);
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const key: ApiKeyDocument = {
    id: keyId,
    type: 'api-key',
    keyId,
    name: input.name,
    labIds,
    scopes: [...new Set(input.scopes)],
    expiresOn: input.expiresOn,
    secretHash: hashOf(secret),
    createdAt: now.toISOString(),
    createdBy: principal.username,
    revokedAt: null,
    revokedBy: null,
    lastUsedOn: null,
  };
  const created = await createApiKey(key, [keyEvent('api-key.created', key, actorOf(principal), facts, { after: auditedView(key) })]);
  return { ...(await viewOf(created, today)), key: `ems_${keyId}_${secret}` };
}

export async function listKeys(pageSize: number, continuationToken: string | undefined): Promise<{ items: ApiKey[]; continuationToken: string | null }> {
  const page = await listApiKeys(pageSize, continuationToken).catch(invalidTokenAsBadRequest);
  const today = utcDay(new Date());
  return { items: await Promise.all(page.items.map((key) => viewOf(key, today))), continuationToken: page.continuationToken };
}

export async function revokeKey(principal: Principal, keyId: string, reason: string, facts: RequestFacts): Promise<ApiKey> {
  const revoked = await changeApiKey(keyId, (key) => {
    if (key.revokedAt) return null;
    const next = { ...key, revokedAt: new Date().toISOString(), revokedBy: principal.username };
    return { key: next, events: [keyEvent('api-key.revoked', key, actorOf(principal), facts, { before: auditedView(key), after: auditedView(next), reason })] };
  });
  if (!revoked) throw notFound(`There is no API key ${keyId}.`);
  return viewOf(revoked, utcDay(new Date()));
}

const notAKey = () => new HttpProblem(401, 'Not signed in', 'The API key is not one this installation issued; check that it was copied whole.');

/**
 * The integration behind the request's API key, allowed `scope`: null when the request carries no key
 * (the caller may have signed in instead). A key that is unknown, expired or revoked gets 401, one
 * without the scope 403, each with a sentence; a key's first use of the day and each refusal of a
 * genuine key join the key's audit chain, and every use is counted for the day.
 */
export async function apiKeyCaller(request: HttpRequest, scope: ApiKeyScope, facts: RequestOrigin, now = new Date()): Promise<ApiKeyCaller | null> {
  const sent = request.headers.get(apiKeyHeader);
  if (sent === null) return null;
  const match = keyPattern.exec(sent.trim());
  if (!match) throw notAKey();
  const [, keyId, secret] = match as unknown as [string, string, string];
  const stored = await readApiKey(keyId);
  const expected = Buffer.from(stored?.document.secretHash ?? '0'.repeat(64), 'hex');
  if (!stored || !timingSafeEqual(Buffer.from(hashOf(secret), 'hex'), expected)) throw notAKey();
  const key = stored.document;
  const today = utcDay(now);
  const what = `${request.method} ${new URL(request.url).pathname}`;
  const refuse = async (problem: HttpProblem): Promise<never> => {
    await changeApiKey(keyId, (current) => ({
      key: current,
      events: [keyEvent('api-key.refused', key, keyActor(key), facts, { reason: `${what}: ${problem.detail ?? problem.title}` })],
    }));
    throw problem;
  };
  if (key.revokedAt)
    return refuse(
      new HttpProblem(401, 'Not signed in', `The API key "${key.name}" was revoked on ${key.revokedAt.slice(0, 10)}; ask an administrator for a new one.`),
    );
  if (key.expiresOn < today)
    return refuse(new HttpProblem(401, 'Not signed in', `The API key "${key.name}" expired on ${key.expiresOn}; ask an administrator for a new one.`));
  if (!key.scopes.includes(scope)) return refuse(forbidden(`The API key "${key.name}" does not allow ${scope}; it allows ${key.scopes.join(' and ')}.`));
  await countApiKeyUse(key, today, keyEvent('api-key.used', key, keyActor(key), facts, { reason: `First use on ${today} (UTC): ${what}` }));
  return { keyId, name: key.name, labIds: key.labIds, scopes: key.scopes };
}
