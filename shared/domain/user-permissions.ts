import type { Role } from '../schemas/common.js';
import type { LabAccess } from '../schemas/users.js';
import { can, labsWhere, type Grants } from './permissions.js';

/** The parts of a target user that decide who may see and change them. */
export interface UserScope {
  username: string;
  primaryLabId: string;
  companyRole: Role | null;
  labAccess: readonly LabAccess[];
}

export type EditScope = 'everything' | 'password-and-status' | 'nothing';

export const passwordAndStatusFields = ['password', 'status', 'requirePasswordChange'] as const;

function labsOf(target: UserScope): string[] {
  return [target.primaryLabId, ...target.labAccess.map((access) => access.labId)];
}

/** Managers and local auditors see users of their labs, never company-wide users. */
export function canSeeUser(grants: Grants, target: UserScope): boolean {
  const readable = labsWhere(grants, 'users', 'read');
  if (readable === 'all') return true;
  if (target.companyRole !== null) return false;
  return labsOf(target).some((labId) => readable.includes(labId));
}

export function editScope(grants: Grants, target: UserScope): EditScope {
  if (grants.companyRole === 'Administrator') return 'everything';
  if (target.companyRole !== null) return 'nothing';
  if (can(grants, 'users', 'write', target.primaryLabId)) return 'everything';
  const writable = labsWhere(grants, 'users', 'write');
  const shared = writable !== 'all' && target.labAccess.some((access) => writable.includes(access.labId));
  return shared ? 'password-and-status' : 'nothing';
}

/** Administrators grant anything; managers grant lab roles at their own labs only. */
export function canGrantRole(grants: Grants, labId: string, role: Role): boolean {
  if (grants.companyRole === 'Administrator') return true;
  if (role === 'Administrator' || role === 'Global Audit') return false;
  return can(grants, 'users', 'write', labId);
}

/** Which fields of a change the caller may not make, given their scope over the user. */
export function forbiddenFields(scope: EditScope, fields: readonly string[]): string[] {
  if (scope === 'everything') return [];
  if (scope === 'nothing') return [...fields];
  return fields.filter((field) => !(passwordAndStatusFields as readonly string[]).includes(field));
}
