import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labRoles, roles, type CompanyRole, type LabRole } from '../schemas/common.js';
import { allows, can, canAnywhere, labsWhere, permissionMatrix, type Action, type Area, type Grants } from './permissions.js';
import { canGrantRole, canSeeUser, editScope, forbiddenFields } from './user-permissions.js';

const areas = Object.keys(permissionMatrix) as Area[];
const actions: Action[] = ['read', 'write', 'complete'];
const labIds = ['LAB01', 'LAB02', 'LAB03'];

const grantsArbitrary: fc.Arbitrary<Grants> = fc.oneof(
  fc.constantFrom<CompanyRole>('Administrator', 'Global Audit').map((companyRole) => ({ companyRole, labRoles: {} })),
  fc
    .dictionary(fc.constantFrom(...labIds), fc.constantFrom<LabRole>(...labRoles), { maxKeys: 3 })
    .map((labRolesByLab) => ({ companyRole: null, labRoles: labRolesByLab })),
);

describe('permission matrix (SPEC §3)', () => {
  it('matches the specification cell by cell', () => {
    const expected: Record<string, Record<Area, Action[]>> = {
      Administrator: {
        records: ['read', 'write', 'complete'],
        equipment: ['read', 'write'],
        meters: ['read', 'write', 'complete'],
        calibration: ['read', 'write', 'complete'],
        nonconformities: ['read', 'write', 'complete'],
        providers: ['read', 'write'],
        models: ['read', 'write'],
        users: ['read', 'write'],
        audit: ['read'],
        administration: ['read', 'write'],
      },
      'Global Audit': {
        records: ['read'],
        equipment: ['read'],
        meters: ['read'],
        calibration: ['read'],
        nonconformities: ['read'],
        providers: ['read'],
        models: ['read'],
        users: ['read'],
        audit: ['read'],
        administration: ['read'],
      },
      Manager: {
        records: ['read', 'write', 'complete'],
        equipment: ['read', 'write'],
        meters: ['read', 'write', 'complete'],
        calibration: ['read', 'write', 'complete'],
        nonconformities: ['read', 'write', 'complete'],
        providers: ['read'],
        models: ['read'],
        users: ['read', 'write'],
        audit: ['read'],
        administration: [],
      },
      'Local Audit': {
        records: ['read'],
        equipment: ['read'],
        meters: ['read'],
        calibration: ['read'],
        nonconformities: ['read'],
        providers: ['read'],
        models: ['read'],
        users: ['read'],
        audit: ['read'],
        administration: [],
      },
      Technician: {
        records: ['read', 'complete'],
        equipment: [],
        meters: ['read', 'complete'],
        calibration: ['read', 'complete'],
        nonconformities: ['read', 'complete'],
        providers: [],
        models: [],
        users: [],
        audit: [],
        administration: [],
      },
    };
    for (const role of roles) {
      for (const area of areas) {
        for (const action of actions) {
          expect(allows(role, area, action), `${role} ${area} ${action}`).toBe(expected[role]![area].includes(action));
        }
      }
    }
  });

  it('never lets a lab role act in a lab where it is not held', () => {
    fc.assert(
      fc.property(grantsArbitrary, fc.constantFrom(...areas), fc.constantFrom(...actions), fc.constantFrom(...labIds), (grants, area, action, labId) => {
        if (grants.companyRole) return;
        const held = grants.labRoles[labId];
        expect(can(grants, area, action, labId)).toBe(held !== undefined && allows(held, area, action));
      }),
    );
  });

  it('lists exactly the labs where an action is allowed', () => {
    fc.assert(
      fc.property(grantsArbitrary, fc.constantFrom(...areas), fc.constantFrom(...actions), (grants, area, action) => {
        const where = labsWhere(grants, area, action);
        if (where === 'all') {
          expect(grants.companyRole).not.toBeNull();
          expect(labIds.every((labId) => can(grants, area, action, labId))).toBe(true);
        } else {
          for (const labId of labIds) expect(where.includes(labId)).toBe(can(grants, area, action, labId));
        }
        expect(canAnywhere(grants, area, action)).toBe(where === 'all' || where.length > 0);
      }),
    );
  });
});

describe('user management rules', () => {
  const manager: Grants = { companyRole: null, labRoles: { LAB01: 'Manager', LAB02: 'Local Audit' } };
  const target = (primaryLabId: string, access: string[] = [], companyRole: 'Administrator' | null = null) => ({
    username: 'someone',
    primaryLabId,
    companyRole,
    labAccess: [primaryLabId, ...access].map((labId) => ({ labId, role: 'Technician' as const })),
  });

  it('lets managers and local auditors see users of their labs but never company-wide users', () => {
    expect(canSeeUser(manager, target('LAB01'))).toBe(true);
    expect(canSeeUser(manager, target('LAB02'))).toBe(true);
    expect(canSeeUser(manager, target('LAB03'))).toBe(false);
    expect(canSeeUser(manager, target('LAB03', ['LAB01']))).toBe(true);
    expect(canSeeUser(manager, { ...target('LAB01', [], 'Administrator'), labAccess: [] })).toBe(false);
    expect(canSeeUser({ companyRole: null, labRoles: { LAB01: 'Technician' } }, target('LAB01'))).toBe(false);
  });

  it('gives managers everything for their primary-lab users, password and status for visiting ones', () => {
    expect(editScope(manager, target('LAB01'))).toBe('everything');
    expect(editScope(manager, target('LAB03', ['LAB01']))).toBe('password-and-status');
    expect(editScope(manager, target('LAB02'))).toBe('nothing');
    expect(editScope({ companyRole: 'Administrator', labRoles: {} }, target('LAB09'))).toBe('everything');
    expect(forbiddenFields('password-and-status', ['status', 'password', 'firstName'])).toEqual(['firstName']);
    expect(forbiddenFields('nothing', ['status'])).toEqual(['status']);
  });

  it('lets managers grant only lab roles at labs they manage', () => {
    expect(canGrantRole(manager, 'LAB01', 'Manager')).toBe(true);
    expect(canGrantRole(manager, 'LAB01', 'Administrator')).toBe(false);
    expect(canGrantRole(manager, 'LAB01', 'Global Audit')).toBe(false);
    expect(canGrantRole(manager, 'LAB02', 'Technician')).toBe(false);
    expect(canGrantRole({ companyRole: 'Global Audit', labRoles: {} }, 'LAB01', 'Technician')).toBe(false);
    expect(canGrantRole({ companyRole: 'Administrator', labRoles: {} }, 'LAB07', 'Global Audit')).toBe(true);
  });
});
