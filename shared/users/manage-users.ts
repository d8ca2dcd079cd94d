import type { AuditAction } from '../domain/audit-actions.js';
import { actorOf, type Principal } from '../auth/principal.js';
import { hashPassword } from '../auth/passwords.js';
import { assertAcceptablePassword } from '../auth/sign-in.js';
import { deleteSessionsOf } from '../data/sessions-repository.js';
import { readLab } from '../data/labs-repository.js';
import { DocumentExists } from '../data/errors.js';
import { invalidTokenAsBadRequest } from '../data/paging.js';
import { changeUser, createUser, labIdsOf, listUsers, readUser, type UserDocument } from '../data/users-repository.js';
import type { Versioned } from '../data/versioned.js';
import type { AuditActor, AuditEvent } from '../domain/audit-chain.js';
import { can, canAnywhere, labsWhere } from '../domain/permissions.js';
import { canGrantRole, canSeeUser, editScope, forbiddenFields } from '../domain/user-permissions.js';
import type { RequestFacts } from '../platform/http-pipeline.js';
import { badRequest, conflict, forbidden, notFound } from '../platform/problems.js';
import { companyRoles, type CompanyRole, type LabRole } from '../schemas/common.js';
import type { CreateUser, LabAccess, UpdateUser, User } from '../schemas/users.js';
import { userEvent } from '../auth/user-events.js';
import { changedFields, userView } from '../auth/user-view.js';

/** Who acts when the product itself writes (the demo seed). */
export const systemActor: AuditActor = { username: 'system', displayName: 'EquipManSys' };

export function assertMayReadUsers(principal: Principal): void {
  if (!canAnywhere(principal, 'users', 'read')) throw forbidden('Your role does not give access to users.');
}

export function assertMayWriteUsers(principal: Principal): void {
  if (!canAnywhere(principal, 'users', 'write')) throw forbidden('Your role does not allow adding or changing users.');
}

/** The user when the caller may see them; 404 otherwise, so invisible users stay invisible. */
export async function findVisibleUser(principal: Principal, username: string): Promise<Versioned<UserDocument>> {
  assertMayReadUsers(principal);
  const found = await readUser(username);
  if (!found || !canSeeUser(principal, found.document)) throw notFound(`There is no user ${username} you can see.`);
  return found;
}

/** For changes: the caller must be allowed to change users somewhere, then see this one. */
export async function findEditableUser(principal: Principal, username: string): Promise<Versioned<UserDocument>> {
  assertMayWriteUsers(principal);
  return findVisibleUser(principal, username);
}

export async function listVisibleUsers(
  principal: Principal,
  query: { labId?: string | undefined; includeDisabled?: string | undefined; continuationToken?: string | undefined },
): Promise<{ items: User[]; continuationToken: string | null }> {
  assertMayReadUsers(principal);
  const readable = labsWhere(principal, 'users', 'read');
  let labIds: 'all' | string[] = readable;
  if (query.labId) {
    if (readable !== 'all' && !readable.includes(query.labId)) throw forbidden(`You cannot see users of ${query.labId}.`);
    labIds = [query.labId];
  }
  const page = await listUsers({
    labIds,
    includeCompanyUsers: readable === 'all',
    includeDisabled: query.includeDisabled === 'true',
    pageSize: 100,
    continuationToken: query.continuationToken,
  }).catch(invalidTokenAsBadRequest);
  return { items: page.users.map(userView), continuationToken: page.continuationToken };
}

async function assertLabExists(labId: string, field: string): Promise<void> {
  if (!(await readLab(labId))) throw badRequest(`There is no lab ${labId}.`, [{ field, message: `no lab ${labId} exists` }]);
}

function isCompanyRole(role: string): role is CompanyRole {
  return (companyRoles as readonly string[]).includes(role);
}

/** Creates a local account; `principal` null means the product itself (the demo seed). */
export async function createLocalUser(principal: Principal | null, input: CreateUser, facts: RequestFacts | null): Promise<User> {
  if (principal && !canGrantRole(principal, input.primaryLabId, input.role)) {
    throw forbidden(`You cannot add a ${input.role} at ${input.primaryLabId}.`);
  }
  await assertLabExists(input.primaryLabId, 'primaryLabId');
  assertAcceptablePassword(input.password, input.username, 'password');
  const now = new Date().toISOString();
  const companyRole = isCompanyRole(input.role) ? input.role : null;
  const labAccess: LabAccess[] = companyRole ? [] : [{ labId: input.primaryLabId, role: input.role as LabRole }];
  const user: UserDocument = {
    id: input.username,
    type: 'user',
    username: input.username,
    firstName: input.firstName,
    lastName: input.lastName,
    primaryLabId: input.primaryLabId,
    companyRole,
    labAccess,
    labIds: labIdsOf(input.primaryLabId, labAccess),
    status: 'Active',
    authMethod: 'local',
    passwordHash: await hashPassword(input.password),
    passwordChangedAt: now,
    requirePasswordChange: input.requirePasswordChange,
    failedLogins: 0,
    lastLoginAt: null,
    createdAt: now,
  };
  const actor = principal ? actorOf(principal) : systemActor;
  try {
    await createUser(user, [userEvent('user.created', user, actor, facts, { after: userView(user) })]);
  } catch (error) {
    if (error instanceof DocumentExists) throw conflict(`A user named ${input.username} already exists.`);
    throw error;
  }
  return userView(user);
}

/** Moving the primary lab carries the role held there, unless the user already has a role at the new lab. */
function movePrimaryLab(user: UserDocument, primaryLabId: string): LabAccess[] {
  if (user.companyRole || user.labAccess.some((access) => access.labId === primaryLabId)) return user.labAccess;
  return user.labAccess.map((access) => (access.labId === user.primaryLabId ? { ...access, labId: primaryLabId } : access));
}

function statusAction(before: UserDocument['status'], after: UserDocument['status']): AuditAction {
  if (before === 'Locked' && after === 'Active') return 'user.unlocked';
  if (after === 'Disabled') return 'user.disabled';
  if (before === 'Disabled' && after === 'Active') return 'user.enabled';
  return 'user.updated';
}

export async function updateUserAs(principal: Principal, target: UserDocument, patch: UpdateUser, facts: RequestFacts): Promise<User> {
  const refused = forbiddenFields(editScope(principal, target), Object.keys(patch));
  if (refused.length > 0) {
    throw forbidden(`You may not change ${refused.join(', ')} for ${target.username}: their primary lab is not one you manage.`);
  }
  if (patch.status && patch.status !== 'Active' && target.username === principal.username) {
    throw conflict('You cannot lock or disable your own account.');
  }
  if (patch.password !== undefined && target.authMethod !== 'local') {
    throw badRequest(`${target.username} signs in with Microsoft and has no password here.`, [{ field: 'password', message: 'not for Microsoft accounts' }]);
  }
  if (patch.primaryLabId && patch.primaryLabId !== target.primaryLabId) {
    await assertLabExists(patch.primaryLabId, 'primaryLabId');
    if (!can(principal, 'users', 'write', patch.primaryLabId)) throw forbidden(`You cannot move users to ${patch.primaryLabId}.`);
  }
  if (patch.password !== undefined) assertAcceptablePassword(patch.password, target.username, 'password');
  const passwordHash = patch.password !== undefined ? await hashPassword(patch.password) : undefined;

  const updated = await changeUser(target.username, (current) => {
    const labAccess = patch.primaryLabId ? movePrimaryLab(current, patch.primaryLabId) : current.labAccess;
    const primaryLabId = patch.primaryLabId ?? current.primaryLabId;
    const status = patch.status ?? current.status;
    const next: UserDocument = {
      ...current,
      firstName: patch.firstName ?? current.firstName,
      lastName: patch.lastName ?? current.lastName,
      primaryLabId,
      labAccess,
      labIds: labIdsOf(primaryLabId, labAccess),
      status,
      failedLogins: status === 'Active' && current.status !== 'Active' ? 0 : current.failedLogins,
      requirePasswordChange: patch.requirePasswordChange ?? (passwordHash ? true : current.requirePasswordChange),
      ...(passwordHash ? { passwordHash, passwordChangedAt: new Date().toISOString(), failedLogins: 0 } : {}),
    };
    const { before, after } = changedFields(userView(current), userView(next));
    const events: AuditEvent[] = [];
    if (Object.keys(after).length > 0) {
      // Both the old and the new labs' auditors must find a move between labs.
      const labIds = [...new Set([...current.labIds, ...next.labIds])];
      events.push(userEvent(statusAction(current.status, status), next, actorOf(principal), facts, { before, after, labIds }));
    }
    if (passwordHash) {
      events.push(userEvent('user.password.reset', next, actorOf(principal), facts, { reason: 'password set by a manager or administrator' }));
    }
    return events.length > 0 ? { user: next, events } : null;
  });
  if (!updated) throw notFound(`There is no user ${target.username}.`);
  if (passwordHash || updated.status !== 'Active') await deleteSessionsOf(target.username);
  return userView(updated);
}

export async function setLabAccess(principal: Principal, target: UserDocument, labId: string, role: LabRole, facts: RequestFacts): Promise<User> {
  if (!canGrantRole(principal, labId, role)) throw forbidden(`You cannot grant ${role} at ${labId}.`);
  if (target.companyRole) throw conflict(`${target.username} is ${target.companyRole}, which already covers every lab.`);
  if (!(await readLab(labId))) throw notFound(`There is no lab ${labId}.`);
  return writeLabAccess(actorOf(principal), target.username, labId, role, facts);
}

/** Gives the role at the lab without asking who may: callers check permissions first. */
export async function writeLabAccess(actor: AuditActor, username: string, labId: string, role: LabRole, facts: RequestFacts | null): Promise<User> {
  const updated = await changeUser(username, (current) => {
    const labAccess = [...current.labAccess.filter((access) => access.labId !== labId), { labId, role }].sort((a, b) => a.labId.localeCompare(b.labId));
    if (JSON.stringify(labAccess) === JSON.stringify(current.labAccess)) return null;
    const next = { ...current, labAccess, labIds: labIdsOf(current.primaryLabId, labAccess) };
    return {
      user: next,
      events: [userEvent('user.access.granted', next, actor, facts, { before: { labAccess: current.labAccess }, after: { labAccess } })],
    };
  });
  if (!updated) throw notFound(`There is no user ${username}.`);
  return userView(updated);
}

export async function removeLabAccess(principal: Principal, target: UserDocument, labId: string, facts: RequestFacts): Promise<User> {
  if (!can(principal, 'users', 'write', labId)) throw forbidden(`You cannot change access at ${labId}.`);
  if (!target.labAccess.some((access) => access.labId === labId)) throw notFound(`${target.username} has no access at ${labId}.`);
  if (target.primaryLabId === labId) {
    throw conflict(`${labId} is the primary lab of ${target.username}; move their primary lab first.`);
  }
  const updated = await changeUser(target.username, (current) => {
    const labAccess = current.labAccess.filter((access) => access.labId !== labId);
    if (labAccess.length === current.labAccess.length) return null;
    const next = { ...current, labAccess, labIds: labIdsOf(current.primaryLabId, labAccess) };
    return {
      user: next,
      events: [
        userEvent('user.access.revoked', next, actorOf(principal), facts, {
          before: { labAccess: current.labAccess },
          after: { labAccess },
          labIds: current.labIds,
        }),
      ],
    };
  });
  if (!updated) throw notFound(`There is no user ${target.username}.`);
  return userView(updated);
}
