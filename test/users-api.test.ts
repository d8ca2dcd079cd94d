import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { container } from '../shared/data/cosmos.js';
import type { AuditEntry } from '../shared/domain/audit-chain.js';
import type { User } from '../shared/schemas/users.js';
import type { ApiClient } from './helpers/api-client.js';
import { auditTrailOf, newUserBody } from './helpers/fixtures.js';
import { startTestProduct, type TestProduct } from './helpers/test-product.js';

let product: TestProduct;
let admin: ApiClient;
let manager: ApiClient;

beforeAll(async () => {
  product = await startTestProduct();
  admin = await product.signedIn('admin');
  manager = await product.signedIn('manager1');
});
afterAll(async () => product.cleanup());

const newUser = (username: string, primaryLabId = 'LAB01', role = 'Technician') => newUserBody(username, { primaryLabId, role });
const auditOf = auditTrailOf;

describe('adding users', () => {
  it('creates a user with a temporary password by default and audits it without the password', async () => {
    const created = await manager.post<User>('/api/users', newUser('pat'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      username: 'pat',
      primaryLabId: 'LAB01',
      companyRole: null,
      labAccess: [{ labId: 'LAB01', role: 'Technician' }],
      status: 'Active',
      requirePasswordChange: true,
    });
    expect(created.text).not.toContain('passwordHash');
    const [entry] = await auditOf('pat');
    expect(entry).toMatchObject({ action: 'user.created', actor: { username: 'manager1', displayName: 'Maria Manager' }, labIds: ['LAB01'] });
    expect(JSON.stringify(entry)).not.toContain('a first password');
    expect(JSON.stringify(entry)).not.toContain('scrypt');
  });

  it('refuses a duplicate username with 409, whatever its case', async () => {
    const duplicate = await admin.post('/api/users', newUser('PAT'));
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.detail).toBe('A user named pat already exists.');
  });

  it('explains every invalid field', async () => {
    const response = await admin.post<{ errors: { field: string; message: string }[] }>('/api/users', {
      username: 'x',
      firstName: '',
      primaryLabId: 'lab 1',
      role: 'Boss',
      password: 'pw',
      shoeSize: 42,
    });
    expect(response.status).toBe(400);
    const fields = response.body.errors.map((error) => error.field).sort();
    expect(fields).toEqual(['firstName', 'lastName', 'primaryLabId', 'role', 'shoeSize', 'username']);
    expect(response.body.errors.find((error) => error.field === 'role')?.message).toBe(
      'must be Administrator, Global Audit, Manager, Local Audit or Technician',
    );
    expect(response.body.errors.find((error) => error.field === 'lastName')?.message).toBe('is required');
  });

  it('says which kind of value a field wants', async () => {
    const response = await admin.post<{ errors: { field: string; message: string }[] }>('/api/users', {
      ...newUser('typed'),
      firstName: 7,
      requirePasswordChange: 'yes',
    });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      { field: 'firstName', message: 'must be text' },
      { field: 'requirePasswordChange', message: 'must be true or false' },
    ]);
    const notAnObject = await admin.post<{ errors: { field: string; message: string }[] }>('/api/users', [1, 2]);
    expect(notAnObject.body.errors).toEqual([{ field: '(body)', message: 'must be a JSON object' }]);
  });

  it('refuses a weak temporary password and an unknown lab', async () => {
    const weak = await admin.post('/api/users', { ...newUser('weakling'), password: 'qwerty123456' });
    expect(weak.status).toBe(400);
    expect(weak.body.detail).toContain('not a commonly used password');
    const noLab = await admin.post('/api/users', newUser('nolab', 'LAB77'));
    expect(noLab.status).toBe(400);
    expect(noLab.body.detail).toBe('There is no lab LAB77.');
  });

  it('lets managers add only lab roles at their own labs', async () => {
    expect((await manager.post('/api/users', newUser('newmgr', 'LAB02', 'Manager'))).status).toBe(201);
    expect((await manager.post('/api/users', newUser('newadmin', 'LAB01', 'Administrator'))).status).toBe(403);
    expect((await manager.post('/api/users', newUser('newaudit', 'LAB01', 'Global Audit'))).status).toBe(403);
    expect((await manager.post('/api/users', newUser('elsewhere', 'LAB05'))).status).toBe(403);
  });

  it('lets an administrator create company-wide users, who get no lab entries', async () => {
    const created = await admin.post<User>('/api/users', newUser('globalauditor2', 'LAB05', 'Global Audit'));
    expect(created.status).toBe(201);
    expect(created.body.companyRole).toBe('Global Audit');
    expect(created.body.labAccess).toEqual([]);
  });
});

describe('seeing users', () => {
  it('shows managers the users of their labs but never company-wide users', async () => {
    const list = await manager.get<{ items: User[] }>('/api/users');
    const names = list.body.items.map((user) => user.username);
    expect(names).toContain('tech1');
    expect(names).toContain('tech2');
    expect(names).not.toContain('admin');
    expect(names).not.toContain('auditor');
    expect((await manager.get('/api/users/admin')).status).toBe(404);
  });

  it('answers 400, not 500, to a damaged continuation token', async () => {
    const first = await admin.get<{ continuationToken: string | null }>('/api/users?includeDisabled=true');
    expect(first.status).toBe(200);
    for (const token of ['{"token":1}', '[]', '{"range":7}']) {
      const response = await admin.get(`/api/users?continuationToken=${encodeURIComponent(token)}`);
      expect(response.status, token).toBe(400);
      expect((response.body.errors as { field: string }[])[0]?.field).toBe('continuationToken');
    }
  });

  it('hides disabled users unless asked, and filters by lab', async () => {
    await admin.post('/api/users', newUser('gone', 'LAB02'));
    expect((await admin.patch('/api/users/gone', { status: 'Disabled' })).status).toBe(200);
    const active = await admin.get<{ items: User[] }>('/api/users?labId=LAB02');
    expect(active.body.items.map((user) => user.username)).not.toContain('gone');
    const all = await admin.get<{ items: User[] }>('/api/users?labId=LAB02&includeDisabled=true');
    expect(all.body.items.map((user) => user.username)).toContain('gone');
    expect(all.body.items.every((user) => user.primaryLabId === 'LAB02' || user.labAccess.some((access) => access.labId === 'LAB02'))).toBe(true);
  });
});

describe('changing users', () => {
  it('lets a manager change everything for users of their primary labs, with old and new values audited', async () => {
    await admin.post('/api/users', newUser('mover'));
    const moved = await manager.patch<User>('/api/users/mover', { lastName: 'Moved', primaryLabId: 'LAB02' });
    expect(moved.status).toBe(200);
    expect(moved.body.primaryLabId).toBe('LAB02');
    expect(moved.body.labAccess).toEqual([{ labId: 'LAB02', role: 'Technician' }]);
    const entry = (await auditOf('mover')).at(-1)!;
    expect(entry.action).toBe('user.updated');
    expect(entry.before).toMatchObject({ lastName: 'Person', primaryLabId: 'LAB01' });
    expect(entry.after).toMatchObject({ lastName: 'Moved', primaryLabId: 'LAB02' });
    expect(entry.labIds.sort()).toEqual(['LAB01', 'LAB02']);
  });

  it('lets a manager change only password and status for visitors from another lab', async () => {
    await admin.post('/api/users', newUser('visitor', 'LAB05'));
    expect((await admin.put('/api/users/visitor/labs/LAB01', { role: 'Technician' })).status).toBe(200);
    const rename = await manager.patch('/api/users/visitor', { firstName: 'Nope' });
    expect(rename.status).toBe(403);
    expect(rename.body.detail).toContain('firstName');
    const reset = await manager.patch<User>('/api/users/visitor', { password: 'a temporary one 4567' });
    expect(reset.status).toBe(200);
    expect(reset.body.requirePasswordChange).toBe(true);
    expect((await auditOf('visitor')).map((entry) => entry.action)).toContain('user.password.reset');
    expect((await manager.patch('/api/users/visitor', { status: 'Disabled' })).status).toBe(200);
  });

  it('refuses to move a user to a lab the manager does not manage', async () => {
    await admin.post('/api/users', newUser('stayer'));
    expect((await manager.patch('/api/users/stayer', { primaryLabId: 'LAB05' })).status).toBe(403);
  });

  it('does not let anyone lock or disable their own account', async () => {
    const response = await admin.patch('/api/users/admin', { status: 'Disabled' });
    expect(response.status).toBe(409);
  });

  it('refuses an empty change and unknown fields', async () => {
    expect((await admin.patch('/api/users/tech1', {})).status).toBe(400);
    expect((await admin.patch('/api/users/tech1', { role: 'Manager' })).status).toBe(400);
  });
});

describe('lab access', () => {
  it('grants, changes and removes access with audit entries', async () => {
    await admin.post('/api/users', newUser('helper'));
    const granted = await manager.put<User>('/api/users/helper/labs/LAB02', { role: 'Local Audit' });
    expect(granted.status).toBe(200);
    expect(granted.body.labAccess).toEqual([
      { labId: 'LAB01', role: 'Technician' },
      { labId: 'LAB02', role: 'Local Audit' },
    ]);
    const removed = await manager.delete<User>('/api/users/helper/labs/LAB02');
    expect(removed.status).toBe(200);
    expect(removed.body.labAccess).toEqual([{ labId: 'LAB01', role: 'Technician' }]);
    const actions = (await auditOf('helper')).map((entry) => entry.action);
    expect(actions).toEqual(['user.created', 'user.access.granted', 'user.access.revoked']);
  });

  it('refuses to remove the primary lab, to grant at labs the manager does not hold, or to unknown labs', async () => {
    expect((await manager.delete('/api/users/tech1/labs/LAB01')).status).toBe(409);
    expect((await manager.put('/api/users/tech1/labs/LAB05', { role: 'Technician' })).status).toBe(403);
    expect((await admin.put('/api/users/tech1/labs/LAB99', { role: 'Technician' })).status).toBe(404);
    expect((await admin.put('/api/users/tech1/labs/LAB02', { role: 'Administrator' })).status).toBe(400);
    expect((await admin.put('/api/users/auditor/labs/LAB02', { role: 'Technician' })).status).toBe(409);
  });
});

describe('labs', () => {
  it('lets an administrator add and change labs, audited, with clear errors', async () => {
    const created = await admin.post('/api/labs', { labId: 'NEW-1', name: 'New lab', timeZone: 'Asia/Tokyo' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ labId: 'NEW-1', name: 'New lab', timeZone: 'Asia/Tokyo', active: true });
    expect((await admin.post('/api/labs', { labId: 'NEW-1', name: 'Again' })).status).toBe(409);
    const badZone = await admin.post('/api/labs', { labId: 'NEW-2', name: 'Zone', timeZone: 'Mars/Olympus' });
    expect(badZone.status).toBe(400);
    expect(badZone.body.detail).toContain('IANA time zone');
    const changed = await admin.patch('/api/labs/NEW-1', { name: 'Renamed lab', active: false });
    expect(changed.body).toMatchObject({ name: 'Renamed lab', active: false });
    expect((await admin.patch('/api/labs/NOPE', { name: 'x' })).status).toBe(404);
    const { resources } = await (
      await container('labs')
    ).items
      .query<AuditEntry>({ query: "SELECT * FROM c WHERE c.labId = 'NEW-1' AND c.type = 'audit' ORDER BY c.seq" })
      .fetchAll();
    expect(resources.map((entry) => entry.action)).toEqual(['lab.created', 'lab.updated']);
    expect(resources[1]!.before).toEqual({ name: 'New lab', active: true });
  });

  it('shows lab-scoped users only their labs', async () => {
    const tech = await product.signedIn('tech2');
    const labs = await tech.get<{ items: { labId: string; role: string }[] }>('/api/labs');
    expect(labs.body.items).toEqual([expect.objectContaining({ labId: 'LAB02', role: 'Technician' })]);
  });
});

describe('denied requests', () => {
  it("leave an entry in the caller's audit trail", async () => {
    const tech = await product.signedIn('tech1');
    expect((await tech.get('/api/users')).status).toBe(403);
    const entry = (await auditOf('tech1')).at(-1)!;
    expect(entry).toMatchObject({ action: 'access.denied', entityId: 'GET /api/users', actor: { username: 'tech1' } });
  });
});
