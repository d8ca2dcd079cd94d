import { displayNameOf } from './principal.js';
import type { UserDocument } from '../data/users-repository.js';
import type { User } from '../schemas/users.js';

/** A user as the API and the audit trail show it: no password hash, no bookkeeping. */
export function userView(user: UserDocument): User {
  return {
    username: user.username,
    firstName: user.firstName,
    lastName: user.lastName,
    displayName: displayNameOf(user),
    primaryLabId: user.primaryLabId,
    companyRole: user.companyRole,
    labAccess: user.labAccess,
    status: user.status,
    authMethod: user.authMethod,
    requirePasswordChange: user.requirePasswordChange,
    passwordChangedAt: user.passwordChangedAt,
    lastLoginAt: user.lastLoginAt,
    createdAt: user.createdAt,
  };
}

/** The fields that changed between two versions, old and new side by side, for the audit trail. */
export function changedFields(before: User, after: User): { before: Partial<User>; after: Partial<User> } {
  const keys = (Object.keys(after) as (keyof User)[]).filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
  return {
    before: Object.fromEntries(keys.map((key) => [key, before[key]])) as Partial<User>,
    after: Object.fromEntries(keys.map((key) => [key, after[key]])) as Partial<User>,
  };
}
