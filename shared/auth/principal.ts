import type { Grants } from '../domain/permissions.js';
import type { Principal } from '../platform/http-pipeline.js';
import type { LabRole } from '../schemas/common.js';
import type { UserDocument } from '../data/users-repository.js';
import type { SessionDocument } from '../data/sessions-repository.js';
import type { AuditActor } from '../domain/audit-chain.js';

/** The signed-in caller of one request: read fresh from the database, never trusted from the token. */
export type { Principal } from '../platform/http-pipeline.js';

declare module '../platform/http-pipeline.js' {
  /** What the identity layer adds to the pipeline's caller: the user's and the session's documents as read. */
  interface Principal {
    user: UserDocument;
    session: SessionDocument;
  }
}

export function displayNameOf(user: Pick<UserDocument, 'firstName' | 'lastName' | 'username'>): string {
  const name = `${user.firstName} ${user.lastName}`.trim();
  return name || user.username;
}

export function grantsOf(user: Pick<UserDocument, 'companyRole' | 'labAccess'>): Grants {
  const labRoles: Record<string, LabRole> = {};
  for (const access of user.labAccess) labRoles[access.labId] = access.role;
  return { companyRole: user.companyRole, labRoles };
}

export function actorOf(principal: Pick<Principal, 'username' | 'displayName'>): AuditActor {
  return { username: principal.username, displayName: principal.displayName };
}
