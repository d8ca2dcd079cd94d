import type { CompanyRole, LabRole, Role } from '../schemas/common.js';

/** The parts of a signed-in user that decide what they may do. */
export interface Grants {
  companyRole: CompanyRole | null;
  /** Role per lab for lab-scoped roles. */
  labRoles: Readonly<Record<string, LabRole>>;
}

export type Area = 'records' | 'equipment' | 'meters' | 'calibration' | 'nonconformities' | 'providers' | 'models' | 'users' | 'audit' | 'administration';
export type Action = 'read' | 'write' | 'complete';

/**
 * SPEC §3 as data: which roles may do what in each area. Company-wide roles apply in every lab;
 * lab roles only where they are held. Anything not listed is refused.
 */
export const permissionMatrix: Readonly<Record<Area, Readonly<Partial<Record<Action, readonly Role[]>>>>> = {
  records: {
    read: ['Administrator', 'Global Audit', 'Manager', 'Local Audit', 'Technician'],
    complete: ['Administrator', 'Manager', 'Technician'],
    write: ['Administrator', 'Manager'],
  },
  equipment: {
    read: ['Administrator', 'Global Audit', 'Manager', 'Local Audit'],
    write: ['Administrator', 'Manager'],
  },
  /**
   * Meters and readings (SPEC §15): everyone in the lab reads them; `complete` takes a reading (a
   * technician at the machine, an integration with an API key); `write` adds meters to a machine.
   */
  meters: {
    read: ['Administrator', 'Global Audit', 'Manager', 'Local Audit', 'Technician'],
    complete: ['Administrator', 'Manager', 'Technician'],
    write: ['Administrator', 'Manager'],
  },
  /**
   * Calibration plans and events (SPEC §9): everyone in the lab reads them (a technician sees whether
   * the machine in front of them is fit); `complete` records a calibration, `write` sets plans and
   * approves. Technicians record internal calibrations only, and nobody approves their own.
   */
  calibration: {
    read: ['Administrator', 'Global Audit', 'Manager', 'Local Audit', 'Technician'],
    complete: ['Administrator', 'Manager', 'Technician'],
    write: ['Administrator', 'Manager'],
  },
  /**
   * Nonconformities (SPEC §10): everyone in the lab reads them; `complete` reports a fault and logs
   * repair work (technicians included); `write` disposes items of the lab, closes and returns to service.
   */
  nonconformities: {
    read: ['Administrator', 'Global Audit', 'Manager', 'Local Audit', 'Technician'],
    complete: ['Administrator', 'Manager', 'Technician'],
    write: ['Administrator', 'Manager'],
  },
  /** Approved calibration providers (§6.6), company-wide: kept by Administrators. */
  providers: {
    read: ['Administrator', 'Global Audit', 'Manager', 'Local Audit'],
    write: ['Administrator'],
  },
  models: {
    read: ['Administrator', 'Global Audit', 'Manager', 'Local Audit'],
    write: ['Administrator'],
  },
  users: {
    read: ['Administrator', 'Global Audit', 'Manager', 'Local Audit'],
    write: ['Administrator', 'Manager'],
  },
  audit: {
    read: ['Administrator', 'Global Audit', 'Manager', 'Local Audit'],
  },
  administration: {
    read: ['Administrator', 'Global Audit'],
    write: ['Administrator'],
  },
};

export function roleAt(grants: Grants, labId: string): Role | null {
  return grants.companyRole ?? grants.labRoles[labId] ?? null;
}

export function allows(role: Role | null, area: Area, action: Action): boolean {
  return role !== null && (permissionMatrix[area][action]?.includes(role) ?? false);
}

/** May the user do this in this lab? */
export function can(grants: Grants, area: Area, action: Action, labId: string): boolean {
  return allows(roleAt(grants, labId), area, action);
}

/** May the user do this somewhere (company-wide areas such as models, or a list across labs)? */
export function canAnywhere(grants: Grants, area: Area, action: Action): boolean {
  if (grants.companyRole) return allows(grants.companyRole, area, action);
  return Object.values(grants.labRoles).some((role) => allows(role, area, action));
}

/** The labs where the user may do this; `all` for company-wide roles that may. */
export function labsWhere(grants: Grants, area: Area, action: Action): 'all' | string[] {
  if (grants.companyRole) return allows(grants.companyRole, area, action) ? 'all' : [];
  return Object.entries(grants.labRoles)
    .filter(([, role]) => allows(role, area, action))
    .map(([labId]) => labId);
}
