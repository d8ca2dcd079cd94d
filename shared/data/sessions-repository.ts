import { createHash } from 'node:crypto';
import type { AuthMethod } from '../schemas/users.js';
import { container } from './cosmos.js';
import { DocumentExists } from './errors.js';

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

/** Sign-in flow markers share the container under one partition of their own. */
const flowPartition = '~signin-flows';

export async function createSession(session: SessionDocument): Promise<void> {
  await (await container('sessions')).items.create(session);
}

export async function readSession(username: string, sessionId: string): Promise<SessionDocument | null> {
  const { resource } = await (await container('sessions')).item(sessionId, username).read<SessionDocument>();
  return resource && resource.type === 'session' ? resource : null;
}

export async function saveSession(session: SessionDocument): Promise<void> {
  await (await container('sessions')).items.upsert(session);
}

export async function deleteSession(username: string, sessionId: string): Promise<void> {
  try {
    await (await container('sessions')).item(sessionId, username).delete();
  } catch (error) {
    // Already gone is what the caller wanted.
    if ((error as { code?: number }).code !== 404) throw error;
  }
}

/** Ends every session of a user but one (after a password change, the one that changed it stays). */
export async function deleteSessionsOf(username: string, keepSessionId?: string): Promise<number> {
  const sessions = await container('sessions');
  const { resources } = await sessions.items
    .query<{ id: string }>(
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
    await (await container('sessions')).items.create({ id, type: 'signin-flow', username: flowPartition, ttl: expiresInSeconds, usedAt: new Date().toISOString() });
  } catch (error) {
    if ((error as { code?: number }).code === 409) throw new DocumentExists('This sign-in response was already used');
    throw error;
  }
}

/** Deletes sessions past their absolute or idle end, and old flow markers; returns how many. */
export async function purgeExpiredSessions(now: Date, idleMinutes: number): Promise<number> {
  const sessions = await container('sessions');
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
