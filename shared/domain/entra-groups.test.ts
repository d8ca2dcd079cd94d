import { describe, expect, it } from 'vitest';
import { accessFromGroups, type GroupGrant } from './entra-groups.js';

const map: Record<string, GroupGrant> = {
  'g-admin': { role: 'Administrator' },
  'g-audit': { role: 'Global Audit' },
  'g-tech-1': { role: 'Technician', labId: 'LAB01' },
  'g-la-1': { role: 'Local Audit', labId: 'LAB01' },
  'g-mgr-2': { role: 'Manager', labId: 'LAB02' },
};

describe('Entra groups to access', () => {
  it('gives several labs from several groups', () => {
    expect(accessFromGroups(['g-mgr-2', 'g-tech-1', 'unmapped'], map)).toEqual({
      companyRole: null,
      labAccess: [
        { labId: 'LAB01', role: 'Technician' },
        { labId: 'LAB02', role: 'Manager' },
      ],
    });
  });

  it('keeps one role per lab by precedence and prefers Administrator over Global Audit', () => {
    expect(accessFromGroups(['g-tech-1', 'g-la-1'], map).labAccess).toEqual([{ labId: 'LAB01', role: 'Local Audit' }]);
    expect(accessFromGroups(['g-audit', 'g-admin'], map).companyRole).toBe('Administrator');
  });

  it('grants nothing for unmapped groups', () => {
    expect(accessFromGroups(['x', 'y'], map)).toEqual({ companyRole: null, labAccess: [] });
  });
});
