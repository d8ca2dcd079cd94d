import { describe, expect, it } from 'vitest';
import { auditEvent } from './audit-entries.js';

const actor = { username: 'manager1', displayName: 'Maria Manager' };

describe('auditEvent', () => {
  it('names the entity and the labs each kind of subject is about', () => {
    expect(
      auditEvent('nonconformity.opened', { kind: 'nonconformity', ncNumber: 'LAB01-NC-000001', labIds: ['LAB01', 'LAB02', 'LAB01'] }, actor, null),
    ).toMatchObject({
      entityType: 'nonconformity',
      entityId: 'LAB01-NC-000001',
      labIds: ['LAB01', 'LAB02'],
    });
    expect(auditEvent('record.completed', { kind: 'record', recordNumber: 'LAB01000001', labId: 'LAB01' }, actor, null)).toMatchObject({
      entityType: 'record',
      entityId: 'LAB01000001',
      labIds: ['LAB01'],
    });
    expect(auditEvent('model.created', { kind: 'model', key: 'DWX-51D' }, actor, null)).toMatchObject({ entityType: 'model', entityId: 'DWX-51D', labIds: [] });
  });

  it('carries the request it came from, only what is known of it, and nothing when the product acts', () => {
    const fromRequest = auditEvent('equipment.updated', { kind: 'equipment', serialNumber: 'DWX-01-006', labIds: ['LAB01'] }, actor, {
      requestId: 'r1',
      clientAddress: '10.0.0.1',
    });
    expect(fromRequest).toMatchObject({ requestId: 'r1', clientAddress: '10.0.0.1' });
    const idOnly = auditEvent('lab.updated', { kind: 'lab', labId: 'LAB01' }, actor, { requestId: 'r2' });
    expect(idOnly.requestId).toBe('r2');
    expect('clientAddress' in idOnly).toBe(false);
    const byTheProduct = auditEvent('lab.created', { kind: 'lab', labId: 'LAB01' }, null, null);
    expect('requestId' in byTheProduct || 'clientAddress' in byTheProduct).toBe(false);
  });

  it('lets the details say what changed', () => {
    expect(
      auditEvent('lab.updated', { kind: 'lab', labId: 'LAB01' }, actor, null, { before: { name: 'A' }, after: { name: 'B' }, reason: 'renamed' }),
    ).toMatchObject({ before: { name: 'A' }, after: { name: 'B' }, reason: 'renamed' });
  });
});
