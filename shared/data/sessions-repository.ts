import type { OperationInput } from '@azure/cosmos';
import { createHash, randomUUID } from 'node:crypto';
import type { AuthMethod } from '../schemas/users.js';
import { container } from './cosmos.js';
import { DocumentExists } from './errors.js';
import type { UserDocument } from './users-repository.js';
import type { Versioned } from './versioned.js';

export interface SessionDocument {
  id: string;
  type: 'session';
  username: string;
  authMethod: AuthMethod;
  csrfToken: string;
  createdAt: string;
  lastSeenAt: string;
  /** Absolute end of the session, whatever the activity. */
  expiresAt: string;
  /** For Microsoft sessions: whom to sign out at Entra. */
  logoutHint?: string;
  /** For Microsoft sessions: when the user last signed in again at Microsoft to sign a record. */
  freshSignInAt?: string;
  /** Seconds until Cosmos may drop it (real accounts); expiry is enforced in code as well. */
  ttl: number;
}

/**
 * Sessions live in their user's partition of the users container, so that a signed-in request reads
 * the session and the user in one transactional batch: one request instead of two. Sign-in flow
 * markers have a partition of their own there; no username can start with '~'.
 */
const home = 'users';
const flowPartition = '~signin-flows';

/** Session ids carry a prefix no username has, so a session can never take a user document's id. */
export function newSessionId(): string {
  return `session:${randomUUID()}`;
}

export async function createSession(session: SessionDocument): Promise<void> {
  await (await container(home)).items.create(session);
}

export async function readSession(username: string, sessionId: string): Promise<SessionDocument | null> {
  const { resource } = await (await container(home)).item(sessionId, username).read<SessionDocument>();
  return resource && resource.type === 'session' ? resource : null;
}

/**
 * The session and its user, read together; null when either is missing (signed out, purged, or the
 * user removed). A batch in which one read finds nothing fails as a whole: that read answers 404 and
 * the other 424.
 */
export async function readSessionAndUser(username: string, sessionId: string): Promise<{ session: SessionDocument; user: Versioned<UserDocument> } | null> {
  const reads: OperationInput[] = [
    { operationType: 'Read', id: sessionId, partitionKey: username },
    { operationType: 'Read', id: username, partitionKey: username },
  ];
  const response = await (await container(home)).items.batch(reads, username);
  const [session, user] = response.result ?? [];
  if (session?.statusCode === 200 && user?.statusCode === 200) {
    const sessionBody = session.resourceBody as unknown as SessionDocument;
    const userBody = user.resourceBody as unknown as UserDocument;
    if (sessionBody.type !== 'session' || userBody.type !== 'user') return null;
    return { session: sessionBody, user: { document: userBody, etag: user.eTag! } };
  }
  const statuses = [session?.statusCode, user?.statusCode];
  if (statuses.every((status) => status === 404 || status === 424)) return null;
  throw new Error(`Reading the session of ${username} failed with status ${statuses.find((status) => status !== 424) ?? response.code}`);
}

export async function saveSession(session: SessionDocument): Promise<void> {
  await (await container(home)).items.upsert(session);
}

export async function deleteSession(username: string, sessionId: string): Promise<void> {
  try {
    await (await container(home)).item(sessionId, username).delete();
  } catch (error) {
    // Already gone is what the caller wanted.
    if ((error as { code?: number }).code !== 404) throw error;
  }
}

/** Ends every session of a user but one (after a password change, the one that changed it stays). */
export async function deleteSessionsOf(username: string, keepSessionId?: string): Promise<number> {
  const sessions = await container(home);
  const { resources } = await sessions.items
    .query<{
      id: string;
    }>(
      { query: "SELECT c.id FROM c WHERE c.username = @username AND c.type = 'session'", parameters: [{ name: '@username', value: username }] },
      { partitionKey: username },
    )
    .fetchAll();
  const doomed = resources.filter((session) => session.id !== keepSessionId);
  for (const session of doomed) await deleteSession(username, session.id);
  return doomed.length;
}

/** Records that a sign-in flow's state was used; a second use of the same state throws DocumentExists. */
export async function claimSignInFlow(state: string, expiresInSeconds: number): Promise<void> {
  const id = createHash('sha256').update(state).digest('hex');
  try {
    await (await container(home)).items.create({ id, type: 'signin-flow', username: flowPartition, ttl: expiresInSeconds, usedAt: new Date().toISOString() });
  } catch (error) {
    if ((error as { code?: number }).code === 409) throw new DocumentExists('This sign-in response was already used');
    throw error;
  }
}

/** Deletes sessions past their absolute or idle end, and old flow markers; returns how many. */
export async function purgeExpiredSessions(now: Date, idleMinutes: number): Promise<number> {
  const sessions = await container(home);
  const idleCutoff = new Date(now.getTime() - idleMinutes * 60_000).toISOString();
  const flowCutoff = new Date(now.getTime() - 24 * 3_600_000).toISOString();
  const { resources } = await sessions.items
    .query<{ id: string; username: string }>({
      query:
        "SELECT c.id, c.username FROM c WHERE (c.type = 'session' AND (c.expiresAt < @now OR c.lastSeenAt < @idleCutoff)) OR (c.type = 'signin-flow' AND c.usedAt < @flowCutoff)",
      parameters: [
        { name: '@now', value: now.toISOString() },
        { name: '@idleCutoff', value: idleCutoff },
        { name: '@flowCutoff', value: flowCutoff },
      ],
    })
    .fetchAll();
  for (const session of resources) await deleteSession(session.username, session.id);
  return resources.length;
}
