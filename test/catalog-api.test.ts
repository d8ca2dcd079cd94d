import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { container } from '../shared/data/cosmos.js';
import { firstBrokenLink, type AuditEntry } from '../shared/domain/audit-chain.js';
import type { Model } from '../shared/schemas/catalog.js';
import type { ApiClient } from './helpers/api-client.js';
import { startTestProduct, type TestProduct } from './helpers/test-product.js';

let product: TestProduct;
let admin: ApiClient;
let manager: ApiClient;

const problem = (body: unknown) => body as { detail: string; errors?: { field: string; message: string }[] };

function newModel(modelId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    modelId,
    manufacturer: 'Acme',
    equipmentClass: 'Mill',
    frequencies: {
      Daily: {
        tasks: [
          { text: 'Empty the dust tray', kind: 'check' },
          { text: 'Air pressure', kind: 'reading', unit: 'bar', min: 5, max: 7 },
        ],
      },
      Monthly: { tasks: [{ text: 'Grease the axes', kind: 'check' }] },
    },
    ...overrides,
  };
}

async function modelChain(modelId: string): Promise<AuditEntry[]> {
  const key = modelId.toLowerCase();
  const { resources } = await (
    await container('models')
  ).items
    .query<AuditEntry>({ query: "SELECT * FROM c WHERE c.type = 'audit' ORDER BY c.seq" }, { partitionKey: key })
    .fetchAll();
  return resources;
}

beforeAll(async () => {
  product = await startTestProduct();
  admin = await product.signedIn('admin');
  manager = await product.signedIn('manager1');
});
afterAll(async () => product.cleanup());

describe('equipment classes', () => {
  it('lists the demo classes and adds one, refusing the same name in another case', async () => {
    const list = await admin.get<{ items: { name: string }[] }>('/api/equipment-classes');
    expect(list.body.items.map((item) => item.name)).toEqual(expect.arrayContaining(['3D Printer', 'Mill', 'Sinter Oven', 'Desktop Scanner']));
    expect((await admin.post('/api/equipment-classes', { name: 'Furnace' })).status).toBe(201);
    const again = await admin.post('/api/equipment-classes', { name: 'furnace' });
    expect(again.status).toBe(409);
    expect(problem(again.body).detail).toContain('already exists');
  });

  it('keeps a class whose name holds a slash, which Cosmos DB refuses in ids: listed, given to a model, found by a filter', async () => {
    const created = await admin.post('/api/equipment-classes', { name: 'Oven/Furnace' });
    expect(created.status).toBe(201);
    expect((await admin.post('/api/equipment-classes', { name: 'oven/furnace' })).status).toBe(409);
    const classes = await admin.get<{ items: { name: string }[] }>('/api/equipment-classes');
    expect(classes.body.items.map((item) => item.name)).toContain('Oven/Furnace');
    const model = await admin.post<Model>('/api/models', newModel('KILN-2', { equipmentClass: 'oven/furnace' }));
    expect(model.status).toBe(201);
    expect(model.body.equipmentClass).toBe('Oven/Furnace');
    const filtered = await admin.get<{ items: Model[] }>(`/api/models?equipmentClass=${encodeURIComponent('Oven/Furnace')}`);
    expect(filtered.body.items.map((item) => item.modelId)).toEqual(['KILN-2']);
  });

  it('refuses a class name a person would not call a name', async () => {
    const response = await admin.post('/api/equipment-classes', { name: '  ' });
    expect(response.status).toBe(400);
    expect(problem(response.body).errors?.[0]?.field).toBe('name');
  });
});

describe('models', () => {
  it('creates a model with stable task ids and reads it back whatever the case of the path', async () => {
    const created = await admin.post<Model>('/api/models', newModel('Mill 5X'));
    expect(created.status).toBe(201);
    expect(created.body.version).toBe(1);
    expect(created.body.frequencies.Daily?.tasks.map((task) => task.taskId)).toEqual(['T1', 'T2']);
    expect(created.body.frequencies.Monthly?.tasks.map((task) => task.taskId)).toEqual(['T3']);
    const read = await manager.get<Model>('/api/models/mill%205x');
    expect(read.status).toBe(200);
    expect(read.body.modelId).toBe('Mill 5X');
  });

  it('keeps task ids through reordering, gives new tasks new ids and bumps the version', async () => {
    await admin.post('/api/models', newModel('Reorder 1'));
    const { body: current } = await admin.get<Model>('/api/models/Reorder%201');
    const [first, second] = current.frequencies.Daily!.tasks;
    const replaced = await admin.put<Model>('/api/models/Reorder%201', {
      version: current.version,
      manufacturer: 'Acme',
      equipmentClass: 'Mill',
      frequencies: {
        Daily: { tasks: [second, first, { text: 'Check the coolant level', kind: 'check' }] },
        Annual: { tasks: [{ text: 'Calibration', kind: 'check' }] },
      },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.version).toBe(2);
    expect(replaced.body.frequencies.Daily?.tasks.map((task) => task.taskId)).toEqual(['T2', 'T1', 'T4']);
    expect(replaced.body.frequencies.Monthly).toBeUndefined();
    expect(replaced.body.frequencies.Annual?.tasks[0]?.taskId).toBe('T5');
    const chain = await modelChain('Reorder 1');
    expect(chain.map((entry) => entry.action)).toEqual(['model.created', 'model.updated']);
    expect(chain[1]).toMatchObject({ before: { version: 1 }, after: { version: 2 } });
    expect(firstBrokenLink(chain)).toBeNull();
  });

  it('answers 412 to a stale version and changes nothing', async () => {
    await admin.post('/api/models', newModel('Stale 1'));
    const body = { version: 1, manufacturer: 'Acme', equipmentClass: 'Mill', frequencies: { Weekly: { tasks: [{ text: 'Weekly clean', kind: 'check' }] } } };
    expect((await admin.put('/api/models/Stale%201', body)).status).toBe(200);
    const stale = await admin.put('/api/models/Stale%201', { ...body, manufacturer: 'Someone else' });
    expect(stale.status).toBe(412);
    expect(problem(stale.body).detail).toContain('version 2');
    const { body: after } = await admin.get<Model>('/api/models/Stale%201');
    expect(after).toMatchObject({ version: 2, manufacturer: 'Acme' });
    expect((await modelChain('Stale 1')).map((entry) => entry.action)).toEqual(['model.created', 'model.updated']);
  });

  it('refuses a reading task with min greater than max, naming the field', async () => {
    const response = await admin.post(
      '/api/models',
      newModel('Bad range', { frequencies: { Daily: { tasks: [{ text: 'Pressure', kind: 'reading', min: 9, max: 2 }] } } }),
    );
    expect(response.status).toBe(400);
    expect(problem(response.body).errors).toEqual([{ field: 'frequencies.Daily.tasks.0.min', message: 'must not be greater than max (2)' }]);
  });

  it('keeps a reading task’s decimals, and refuses decimals that are not a whole number from 0 to 6 or are on a tick box', async () => {
    const created = await admin.post<Model>(
      '/api/models',
      newModel('Two decimals', { frequencies: { Daily: { tasks: [{ text: 'Pressure', kind: 'reading', unit: 'MPa', decimals: 2 }] } } }),
    );
    expect(created.status, created.text).toBe(201);
    expect(created.body.frequencies.Daily!.tasks[0]).toMatchObject({ text: 'Pressure', unit: 'MPa', decimals: 2 });
    for (const decimals of [7, 1.5, -1]) {
      const refused = await admin.post(
        '/api/models',
        newModel('Bad decimals', { frequencies: { Daily: { tasks: [{ text: 'Pressure', kind: 'reading', decimals }] } } }),
      );
      expect(problem(refused.body).errors).toEqual([{ field: 'frequencies.Daily.tasks.0.decimals', message: 'must be a whole number from 0 to 6' }]);
    }
    const onCheck = await admin.post(
      '/api/models',
      newModel('Check decimals', { frequencies: { Daily: { tasks: [{ text: 'Clean', kind: 'check', decimals: 1 }] } } }),
    );
    expect(problem(onCheck.body).errors?.[0]).toEqual({
      field: 'frequencies.Daily.tasks.0.decimals',
      message: 'only reading tasks have a unit, limits and decimals',
    });
  });

  it('refuses limits on a tick-box task, an unknown task id, an unknown class and a duplicate model', async () => {
    const limits = await admin.post('/api/models', newModel('Bad check', { frequencies: { Daily: { tasks: [{ text: 'Clean', kind: 'check', min: 1 }] } } }));
    expect(problem(limits.body).errors?.[0]).toEqual({
      field: 'frequencies.Daily.tasks.0.min',
      message: 'only reading tasks have a unit, limits and decimals',
    });
    const unknownTask = await admin.post(
      '/api/models',
      newModel('Bad id', { frequencies: { Daily: { tasks: [{ taskId: 'T7', text: 'Clean', kind: 'check' }] } } }),
    );
    expect(unknownTask.status).toBe(400);
    expect(problem(unknownTask.body).errors?.[0]?.field).toBe('frequencies.Daily.tasks.0.taskId');
    const unknownClass = await admin.post('/api/models', newModel('Bad class', { equipmentClass: 'Toaster' }));
    expect(unknownClass.status).toBe(400);
    expect(problem(unknownClass.body).errors?.[0]?.field).toBe('equipmentClass');
    const duplicate = await admin.post('/api/models', newModel('form 3b'));
    expect(duplicate.status).toBe(409);
    const unknownFrequency = await admin.post('/api/models', newModel('Bad frequency', { frequencies: { Hourly: { tasks: [] } } }));
    expect(unknownFrequency.status).toBe(400);
  });

  it('refuses renaming through PUT, and a missing model is a 404', async () => {
    const rename = await admin.put('/api/models/Form%203B', { modelId: 'Form 4', version: 1, manufacturer: 'x', equipmentClass: 'Mill', frequencies: {} });
    expect(rename.status).toBe(400);
    expect((await admin.get('/api/models/No%20such')).status).toBe(404);
  });

  it('hides disabled models unless asked for', async () => {
    const active = await manager.get<{ items: Model[] }>('/api/models');
    expect(active.body.items.map((model) => model.modelId)).not.toContain('Form 2');
    const all = await manager.get<{ items: Model[] }>('/api/models?includeInactive=true');
    expect(all.body.items.map((model) => model.modelId)).toContain('Form 2');
    const byClass = await manager.get<{ items: Model[] }>('/api/models?equipmentClass=desktop%20scanner');
    expect(byClass.body.items.map((model) => model.modelId)).toEqual(['Medit T710']);
  });

  it('leaves technicians without catalogue access and managers without write access', async () => {
    const tech = await product.signedIn('tech1');
    expect((await tech.get('/api/models')).status).toBe(403);
    expect((await manager.post('/api/models', newModel('By manager'))).status).toBe(403);
    // Authorization comes before validation: an invalid body from a manager is still a 403.
    expect((await manager.post('/api/models', { nonsense: true })).status).toBe(403);
  });
});
