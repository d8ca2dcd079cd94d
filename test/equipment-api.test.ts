import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayNameOf, grantsOf, type Principal } from '../shared/auth/principal.js';
import type { SessionDocument } from '../shared/data/sessions-repository.js';
import { container } from '../shared/data/cosmos.js';
import { readEquipment, readSerialClaim } from '../shared/data/equipment-repository.js';
import { readUser } from '../shared/data/users-repository.js';
import { firstBrokenLink, type AuditEntry } from '../shared/domain/audit-chain.js';
import { transferEquipment } from '../shared/equipment/transfer.js';
import type { Equipment, EquipmentEvent } from '../shared/schemas/equipment.js';
import type { ApiClient } from './helpers/api-client.js';
import { startTestProduct, type TestProduct } from './helpers/test-product.js';

let product: TestProduct;
let admin: ApiClient;
let manager: ApiClient;

const problem = (body: unknown) => body as { detail: string; errors?: { field: string; message: string }[] };

async function labChain(labId: string): Promise<AuditEntry[]> {
  const { resources } = await (
    await container('equipment')
  ).items
    .query<AuditEntry>({ query: "SELECT * FROM c WHERE c.type = 'audit' ORDER BY c.seq" }, { partitionKey: labId })
    .fetchAll();
  return resources;
}

async function serialsAt(client: ApiClient, labId: string, query = ''): Promise<string[]> {
  const response = await client.get<{ items: Equipment[] }>(`/api/labs/${labId}/equipment${query}`);
  expect(response.status).toBe(200);
  return response.body.items.map((item) => item.serialNumber);
}

/** The signed-in administrator as the API sees them, to drive the transfer steps directly. */
async function adminPrincipal(): Promise<Principal> {
  const { document: user } = (await readUser('admin'))!;
  return {
    ...grantsOf(user),
    username: user.username,
    displayName: displayNameOf(user),
    user,
    session: {} as SessionDocument,
    csrfToken: '',
    mustChangePassword: false,
  };
}

beforeAll(async () => {
  product = await startTestProduct();
  admin = await product.signedIn('admin');
  manager = await product.signedIn('manager1');
});
afterAll(async () => product.cleanup());

describe('registering equipment', () => {
  it('registers a machine, lists and reads it, and audits it in the lab chain', async () => {
    const created = await manager.post<Equipment>('/api/labs/LAB01/equipment', { serialNumber: 'NEW-0001', modelId: 'form 3b' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ serialNumber: 'NEW-0001', modelId: 'Form 3B', labId: 'LAB01', status: 'In Service', transferInProgress: null });
    expect(await serialsAt(manager, 'LAB01')).toContain('NEW-0001');
    expect((await manager.get('/api/labs/LAB01/equipment/new-0001')).status).toBe(200);
    const chain = await labChain('LAB01');
    expect(chain.at(-1)).toMatchObject({ action: 'equipment.registered', entityId: 'NEW-0001', actor: { username: 'manager1' } });
    expect(firstBrokenLink(chain)).toBeNull();
  });

  it('registers ten machines at once in a lab that had none, each once', async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => admin.post('/api/labs/LAB07/equipment', { serialNumber: `BURST-${i}`, modelId: 'Form 3B' })),
    );
    // A refusal shows with its sentence, so a failure here says why the store or the lab's turn refused.
    expect(answers.map((answer) => (answer.status === 201 ? 201 : `${answer.status} ${problem(answer.body).detail}`))).toEqual(Array(10).fill(201));
    expect((await serialsAt(admin, 'LAB07')).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `BURST-${i}`));
    expect(firstBrokenLink(await labChain('LAB07'))).toBeNull();
  });

  it('refuses a serial number another lab holds, naming that lab, whatever its case', async () => {
    const response = await admin.post('/api/labs/LAB03/equipment', { serialNumber: 'f3b-01-001', modelId: 'Form 3B' });
    expect(response.status).toBe(409);
    expect(problem(response.body).detail).toContain('already registered at LAB01');
    expect(await serialsAt(admin, 'LAB03')).not.toContain('f3b-01-001');
  });

  it('refuses disabled and unknown models, bad statuses and unknown labs with messages a person understands', async () => {
    const disabled = await manager.post('/api/labs/LAB01/equipment', { serialNumber: 'NEW-0002', modelId: 'Form 2' });
    expect(disabled.status).toBe(400);
    expect(problem(disabled.body).errors).toEqual([{ field: 'modelId', message: 'is disabled; choose an active model' }]);
    const unknown = await manager.post('/api/labs/LAB01/equipment', { serialNumber: 'NEW-0002', modelId: 'Nope' });
    expect(problem(unknown.body).errors?.[0]?.field).toBe('modelId');
    const status = await manager.post('/api/labs/LAB01/equipment', { serialNumber: 'NEW-0002', modelId: 'Form 3B', status: 'Broken' });
    expect(status.status).toBe(400);
    expect(problem(status.body).errors?.[0]?.message).toContain('must be In Service');
    const serial = await manager.post('/api/labs/LAB01/equipment', { serialNumber: 'has space', modelId: 'Form 3B' });
    expect(problem(serial.body).errors?.[0]?.field).toBe('serialNumber');
    expect((await admin.post('/api/labs/LAB99/equipment', { serialNumber: 'NEW-0002', modelId: 'Form 3B' })).status).toBe(404);
    expect(await readSerialClaim('NEW-0002')).toBeNull();
  });

  it('hides retired equipment unless asked, and filters by status and model', async () => {
    expect(await serialsAt(manager, 'LAB01')).not.toContain('PS2-01-103');
    expect(await serialsAt(manager, 'LAB01', '?includeRetired=true')).toContain('PS2-01-103');
    expect(await serialsAt(manager, 'LAB01', '?status=Repair%20offsite')).toEqual(['DWX-01-102']);
    const mills = await serialsAt(manager, 'LAB01', '?modelId=DWX-52DCi');
    expect(mills.length).toBeGreaterThan(0);
    expect(mills.every((serial) => serial.startsWith('DWX-'))).toBe(true);
    expect((await manager.get('/api/labs/LAB01/equipment?includeRetired=maybe')).status).toBe(400);
  });
});

describe('changing equipment', () => {
  it('records status and model changes in the history with who and when', async () => {
    await manager.post('/api/labs/LAB01/equipment', { serialNumber: 'HIST-1', modelId: 'Form 3B' });
    const repaired = await manager.patch<Equipment>('/api/labs/LAB01/equipment/HIST-1', { status: 'Repair offsite' });
    expect(repaired.body).toMatchObject({ status: 'Repair offsite', inServiceSince: null });
    const back = await manager.patch<Equipment>('/api/labs/LAB01/equipment/HIST-1', { status: 'In Service', modelId: 'Medit T710' });
    expect(back.body.inServiceSince).not.toBeNull();
    const history = await manager.get<{ equipment: Equipment; events: EquipmentEvent[] }>('/api/labs/LAB01/equipment/HIST-1/history');
    expect(history.body.events.map((event) => [event.kind, event.fromStatus ?? event.fromModelId ?? null, event.toStatus ?? event.toModelId])).toEqual([
      ['registered', null, 'In Service'],
      ['status', 'In Service', 'Repair offsite'],
      ['status', 'Repair offsite', 'In Service'],
      ['model', 'Form 3B', 'Medit T710'],
    ]);
    expect(history.body.events.slice(1).every((event) => event.by?.username === 'manager1')).toBe(true);
    const chain = await labChain('LAB01');
    expect(chain.at(-1)).toMatchObject({
      action: 'equipment.updated',
      before: { status: 'Repair offsite', modelId: 'Form 3B' },
      after: { status: 'In Service', modelId: 'Medit T710' },
    });
  });

  it('refuses an empty change and unknown fields', async () => {
    expect((await manager.patch('/api/labs/LAB01/equipment/HIST-1', {})).status).toBe(400);
    expect((await manager.patch('/api/labs/LAB01/equipment/HIST-1', { labId: 'LAB02' })).status).toBe(400);
  });
});

describe('transfers', () => {
  it('moves a machine between two labs a manager manages, keeping its history', async () => {
    await manager.post('/api/labs/LAB01/equipment', { serialNumber: 'MOVE-1', modelId: 'DWX-52DCi' });
    const moved = await manager.post<Equipment>('/api/labs/LAB01/equipment/MOVE-1/transfer', { toLabId: 'LAB02' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ labId: 'LAB02', transferInProgress: null });
    expect(await serialsAt(manager, 'LAB01')).not.toContain('MOVE-1');
    expect(await serialsAt(manager, 'LAB02')).toContain('MOVE-1');
    expect((await manager.get('/api/labs/LAB01/equipment/MOVE-1')).status).toBe(404);
    const history = await manager.get<{ events: EquipmentEvent[] }>('/api/labs/LAB02/equipment/MOVE-1/history');
    expect(history.body.events.map((event) => event.kind)).toEqual(['registered', 'transfer']);
    expect(history.body.events[1]).toMatchObject({ fromLabId: 'LAB01', toLabId: 'LAB02', by: { username: 'manager1' } });
    const departed = await readEquipment('LAB01', 'MOVE-1');
    expect(departed?.document).toMatchObject({ presence: 'departed', departedTo: 'LAB02' });
    expect((await labChain('LAB01')).at(-1)).toMatchObject({ action: 'equipment.transferred-out', reason: 'transferred to LAB02' });
    expect((await labChain('LAB02')).at(-1)).toMatchObject({ action: 'equipment.transferred-in' });
    // Asking again is answered with where the machine now is, and changes nothing.
    const again = await manager.post<Equipment>('/api/labs/LAB01/equipment/MOVE-1/transfer', { toLabId: 'LAB02' });
    expect(again.status).toBe(200);
    expect(again.body.labId).toBe('LAB02');
  });

  it('does not let a manager of LAB01 and LAB02 transfer to LAB03', async () => {
    const response = await manager.post('/api/labs/LAB01/equipment/F3B-01-005/transfer', { toLabId: 'LAB03' });
    expect(response.status).toBe(403);
    expect(await serialsAt(manager, 'LAB01')).toContain('F3B-01-005');
    expect((await readEquipment('LAB01', 'F3B-01-005'))?.document.presence).toBe('present');
  });

  it('refuses a transfer to the same lab or to a lab that does not exist', async () => {
    expect((await admin.post('/api/labs/LAB01/equipment/F3B-01-005/transfer', { toLabId: 'LAB01' })).status).toBe(400);
    expect((await admin.post('/api/labs/LAB01/equipment/F3B-01-005/transfer', { toLabId: 'LAB77' })).status).toBe(404);
    expect((await admin.post('/api/labs/LAB01/equipment/NOPE-1/transfer', { toLabId: 'LAB02' })).status).toBe(404);
  });

  it('stopped after any step and run again, ends with the machine in exactly one lab and one history entry', async () => {
    const principal = await adminPrincipal();
    for (let stopAfter = 0; stopAfter <= 5; stopAfter++) {
      const serial = `CRASH-${stopAfter}`;
      expect((await admin.post('/api/labs/LAB01/equipment', { serialNumber: serial, modelId: 'Form 3B' })).status).toBe(201);
      const stopped = transferEquipment(principal, 'LAB01', serial, 'LAB04', null, { stepLimit: stopAfter });
      if (stopAfter < 5) await expect(stopped).rejects.toThrow(`stopped after ${stopAfter} steps`);
      else await stopped;
      const inLab1 = (await serialsAt(admin, 'LAB01')).includes(serial);
      const inLab4 = (await serialsAt(admin, 'LAB04')).includes(serial);
      expect([inLab1, inLab4].filter(Boolean), `stopped after ${stopAfter} steps`).toHaveLength(1);
      // A different destination is refused while this transfer is unfinished.
      if (stopAfter > 0 && stopAfter < 5) {
        expect((await admin.post(`/api/labs/LAB01/equipment/${serial}/transfer`, { toLabId: 'LAB05' })).status).toBe(409);
        expect((await admin.patch(`/api/labs/LAB01/equipment/${serial}`, { status: 'Out of Service' })).status).toBeGreaterThanOrEqual(404);
      }
      const rerun = await admin.post<Equipment>(`/api/labs/LAB01/equipment/${serial}/transfer`, { toLabId: 'LAB04' });
      expect(rerun.status, rerun.text).toBe(200);
      expect(await serialsAt(admin, 'LAB01')).not.toContain(serial);
      expect(await serialsAt(admin, 'LAB04')).toContain(serial);
      expect((await readSerialClaim(serial))?.document.labId).toBe('LAB04');
      const history = await admin.get<{ events: EquipmentEvent[] }>(`/api/labs/LAB04/equipment/${serial}/history`);
      expect(
        history.body.events.filter((event) => event.kind === 'transfer'),
        `stopped after ${stopAfter} steps`,
      ).toHaveLength(1);
    }
    expect(firstBrokenLink(await labChain('LAB01'))).toBeNull();
    expect(firstBrokenLink(await labChain('LAB04'))).toBeNull();
  });

  it('two transfers of one machine at once end with it in one lab, moved once', async () => {
    await admin.post('/api/labs/LAB01/equipment', { serialNumber: 'RACE-1', modelId: 'Form 3B' });
    const answers = await Promise.all([
      admin.post('/api/labs/LAB01/equipment/RACE-1/transfer', { toLabId: 'LAB05' }),
      admin.post('/api/labs/LAB01/equipment/RACE-1/transfer', { toLabId: 'LAB06' }),
    ]);
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, 409]);
    const labs = (
      await Promise.all(['LAB01', 'LAB05', 'LAB06'].map(async (labId) => ((await serialsAt(admin, labId)).includes('RACE-1') ? labId : null)))
    ).filter(Boolean);
    expect(labs).toHaveLength(1);
    expect(labs[0]).not.toBe('LAB01');
  });

  it('brings a machine back to a lab it left before', async () => {
    await admin.post('/api/labs/LAB01/equipment', { serialNumber: 'BACK-1', modelId: 'Form 3B' });
    expect((await admin.post('/api/labs/LAB01/equipment/BACK-1/transfer', { toLabId: 'LAB02' })).status).toBe(200);
    const fromTheOldLab = await admin.post<{ detail: string }>('/api/labs/LAB01/equipment/BACK-1/transfer', { toLabId: 'LAB03' });
    expect(fromTheOldLab.status).toBe(409);
    expect(fromTheOldLab.body.detail).toContain('already left LAB01 for LAB02');
    expect((await admin.post('/api/labs/LAB02/equipment/BACK-1/transfer', { toLabId: 'LAB01' })).status).toBe(200);
    expect(await serialsAt(admin, 'LAB01')).toContain('BACK-1');
    expect(await serialsAt(admin, 'LAB02')).not.toContain('BACK-1');
    const history = await admin.get<{ events: EquipmentEvent[] }>('/api/labs/LAB01/equipment/BACK-1/history');
    expect(history.body.events.map((event) => `${event.kind}:${event.toLabId ?? event.labId}`)).toEqual([
      'registered:LAB01',
      'transfer:LAB02',
      'transfer:LAB01',
    ]);
  });
});
