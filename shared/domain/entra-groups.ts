import type { CompanyRole, LabRole } from '../schemas/common.js';
import type { LabAccess } from '../schemas/users.js';

export type GroupGrant = { role: CompanyRole } | { role: LabRole; labId: string };

/** When groups give one person two roles in the same lab, the first of these wins. */
const labRolePrecedence: readonly LabRole[] = ['Manager', 'Local Audit', 'Technician'];

/**
 * What a Microsoft user's security groups grant under the configured map: a company-wide role
 * (Administrator beats Global Audit) and one role per lab. Unmapped groups grant nothing.
 */
export function accessFromGroups(
  groups: readonly string[],
  groupMap: Readonly<Record<string, GroupGrant>>,
): { companyRole: CompanyRole | null; labAccess: LabAccess[] } {
  const grants = groups.map((group) => groupMap[group]).filter((grant): grant is GroupGrant => grant !== undefined);
  const companyRoles = grants.filter((grant) => !('labId' in grant)).map((grant) => grant.role as CompanyRole);
  const companyRole = companyRoles.includes('Administrator') ? 'Administrator' : companyRoles.includes('Global Audit') ? 'Global Audit' : null;
  const byLab = new Map<string, LabRole>();
  for (const grant of grants) {
    if (!('labId' in grant)) continue;
    const current = byLab.get(grant.labId);
    if (!current || labRolePrecedence.indexOf(grant.role) < labRolePrecedence.indexOf(current)) byLab.set(grant.labId, grant.role);
  }
  const labAccess = [...byLab.entries()].map(([labId, role]) => ({ labId, role })).sort((a, b) => a.labId.localeCompare(b.labId));
  return { companyRole, labAccess };
}
