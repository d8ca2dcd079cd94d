import type { Versioned } from './versioned.js';
import type { AuditEvent } from '../domain/audit-chain.js';
import type { CompanyRole } from '../schemas/common.js';
import type { NotificationPreferences } from '../schemas/notifications.js';
import type { AuthMethod, LabAccess, UserStatus } from '../schemas/users.js';
import { writeWithAudit, type ChainOwner } from './audited-write.js';
import { container } from './cosmos.js';
import { retryWhileOvertaken } from './optimistic-retry.js';
import { queryKeysetPage } from './paging.js';

export interface UserDocument extends ChainOwner {
  id: string;
  type: 'user';
  username: string;
  firstName: string;
  lastName: string;
  primaryLabId: string;
  companyRole: CompanyRole | null;
  labAccess: LabAccess[];
  /** Primary lab and every lab with access, kept for queries by lab. */
  labIds: string[];
  status: UserStatus;
  authMethod: AuthMethod;
  /** Self-describing hash (see auth/passwords); null for Microsoft accounts. */
  passwordHash: string | null;
  passwordChangedAt: string | null;
  requirePasswordChange: boolean;
  failedLogins: number;
  lastLoginAt: string | null;
  createdAt: string;
  entraObjectId?: string;
  /** Reminders the user chose (SPEC §11); absent until they first save, when the defaults apply. */
  notifications?: NotificationPreferences;
  /**
   * How often each preference an unsubscribe link turns off (`digest:LAB01`, `notices`) has changed:
   * a link carries the count it was made at and works only while that count stands.
   */
  notificationVersions?: Record<string, number>;
}

/** Failed sign-ins for names that match no account are audited in a partition of their own. */
export const unknownAccountsPartition = '~unknown';

interface ChainStub extends ChainOwner {
  type: 'audit-chain';
  username: string;
}

export function labIdsOf(primaryLabId: string, labAccess: readonly LabAccess[]): string[] {
  return [...new Set([primaryLabId, ...labAccess.map((access) => access.labId)])];
}

export async function readUser(username: string): Promise<Versioned<UserDocument> | null> {
  const { resource, etag } = await (await container('users')).item(username, username).read<UserDocument>();
  if (!resource || resource.type !== 'user') return null;
  return { document: resource, etag };
}

export async function createUser(user: UserDocument, events: readonly AuditEvent[]): Promise<Versioned<UserDocument>> {
  const written = await writeWithAudit({ container: 'users', partition: ['username', user.username], owner: user, ownerEtag: undefined, events });
  return { document: written.owner, etag: written.etag };
}

export type UserChange = { user: UserDocument; events: AuditEvent[] } | null;

/**
 * Reads the user, lets `change` decide the new version and its audit events, and writes both; when
 * another writer got there first it reads again and asks again. `change` returning null writes nothing.
 */
export async function changeUser(username: string, change: (current: UserDocument) => UserChange | Promise<UserChange>): Promise<UserDocument | null> {
  return retryWhileOvertaken(async () => {
    const current = await readUser(username);
    if (!current) return null;
    const next = await change(current.document);
    if (!next) return current.document;
    const written = await writeWithAudit({
      container: 'users',
      partition: ['username', username],
      owner: next.user,
      ownerEtag: current.etag,
      events: next.events,
    });
    return written.owner;
  }, `User ${username}`);
}

/** Appends events to the chain of a partition that has no user (failed sign-ins with unknown names). */
export async function appendToUnknownAccounts(events: readonly AuditEvent[]): Promise<void> {
  const users = await container('users');
  await retryWhileOvertaken(async () => {
    const { resource, etag } = await users.item(unknownAccountsPartition, unknownAccountsPartition).read<ChainStub>();
    const owner: ChainStub = resource ?? { id: unknownAccountsPartition, type: 'audit-chain', username: unknownAccountsPartition };
    await writeWithAudit({ container: 'users', partition: ['username', unknownAccountsPartition], owner, ownerEtag: resource ? etag : undefined, events });
  }, 'The audit trail of unknown accounts');
}

/** Break-glass uses and refusals are audited in a partition of their own, whose chain also holds the used tokens. */
export const breakGlassPartition = '~break-glass';

interface BreakGlassChain extends ChainOwner {
  type: 'audit-chain';
  username: string;
  /** SHA-256 (hex) of every break-glass token used; each works once. */
  usedTokens?: string[];
}

/**
 * Appends events to the break-glass chain. With a token digest it also spends that token, in the same
 * write: false (and nothing written) when it was spent before, so of two uses at once one wins.
 */
export async function appendToBreakGlass(events: readonly AuditEvent[], spendTokenDigest?: string): Promise<boolean> {
  const users = await container('users');
  return retryWhileOvertaken(async () => {
    const { resource, etag } = await users.item(breakGlassPartition, breakGlassPartition).read<BreakGlassChain>();
    const owner: BreakGlassChain = resource ?? { id: breakGlassPartition, type: 'audit-chain', username: breakGlassPartition };
    const used = owner.usedTokens ?? [];
    if (spendTokenDigest && used.includes(spendTokenDigest)) return false;
    const next = spendTokenDigest ? { ...owner, usedTokens: [...used, spendTokenDigest] } : owner;
    await writeWithAudit({ container: 'users', partition: ['username', breakGlassPartition], owner: next, ownerEtag: resource ? etag : undefined, events });
    return true;
  }, 'The break-glass audit trail');
}

export interface UserListQuery {
  labIds: 'all' | readonly string[];
  /** Company-wide users (Administrator, Global Audit) are left out for lab-scoped readers. */
  includeCompanyUsers: boolean;
  includeDisabled: boolean;
  pageSize: number;
  continuationToken?: string | undefined;
}

export async function listUsers(query: UserListQuery): Promise<{ users: UserDocument[]; continuationToken: string | null }> {
  const conditions = ["c.type = 'user'"];
  const parameters: { name: string; value: string | boolean | string[] }[] = [];
  if (query.labIds !== 'all') {
    const labConditions = query.labIds.map((labId, index) => {
      parameters.push({ name: `@lab${index}`, value: labId });
      return `ARRAY_CONTAINS(c.labIds, @lab${index})`;
    });
    conditions.push(labConditions.length > 0 ? `(${labConditions.join(' OR ')})` : 'false');
  }
  if (!query.includeCompanyUsers) conditions.push('c.companyRole = null');
  if (!query.includeDisabled) conditions.push("c.status != 'Disabled'");
  const page = await queryKeysetPage<UserDocument>(
    await container('users'),
    { conditions, parameters, sortKeys: [{ property: 'username' }] },
    query.pageSize,
    query.continuationToken,
  );
  return { users: page.items, continuationToken: page.continuationToken };
}

/** Active users who may have asked for a lab's reminders: those with access to it, and company-wide users. */
export async function usersOfLab(labId: string): Promise<UserDocument[]> {
  const { resources } = await (
    await container('users')
  ).items
    .query<UserDocument>({
      query: "SELECT * FROM c WHERE c.type = 'user' AND c.status = 'Active' AND (ARRAY_CONTAINS(c.labIds, @labId) OR c.companyRole != null)",
      parameters: [{ name: '@labId', value: labId }],
    })
    .fetchAll();
  return resources;
}
