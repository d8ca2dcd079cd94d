import { auditPage } from '../../shared/data/audit-repository.js';
import { findRecord } from '../../shared/data/records-repository.js';
import { registerEquipment } from '../../shared/equipment/manage-equipment.js';
import { addLab } from '../../shared/labs/manage-labs.js';
import { generateLab } from '../../shared/records/generate-records.js';
import type { PmRecord } from '../../shared/schemas/records.js';
import { systemActor } from '../../shared/users/manage-users.js';
import type { CosmosRequestCounts, LocalProduct } from '../product.js';

export interface RequestFigures {
  generatorEmptyLab: CosmosRequestCounts;
  generator200FirstRun: CosmosRequestCounts & { recordsChanged: number };
  generator200Steady: CosmosRequestCounts;
  dashboardCall: CosmosRequestCounts & { rows: number };
  completion: CosmosRequestCounts;
  recordBytes: number;
  runAuditEntryBytes: number;
}

const demoModels = ['Form 3B', 'DWX-52DCi', 'Programat S2', 'Medit T710'];

/** Cosmos requests per operation, counted as the embedded store receives them from the SDK. */
export async function measureRequests(product: LocalProduct, signIn: (username: string) => Promise<{ cookie: string; csrf: string }>, password: string): Promise<RequestFigures> {
  await addLab(systemActor, { labId: 'EMPTY', name: 'No equipment', timeZone: 'UTC', active: true }, null);
  const generatorEmptyLab = (await product.countCosmosRequests(() => generateLab('EMPTY', new Date(), 'bench'))).counts;

  await addLab(systemActor, { labId: 'BENCH200', name: '200 machines', timeZone: 'Europe/Berlin', active: true }, null);
  for (let start = 0; start < 200; start += 20) {
    await Promise.all(
      Array.from({ length: 20 }, (_, offset) =>
        registerEquipment(systemActor, 'BENCH200', { serialNumber: `B200-${start + offset}`, modelId: demoModels[(start + offset) % demoModels.length]!, status: 'In Service' }, null),
      ),
    );
  }
  const first = await product.countCosmosRequests(() => generateLab('BENCH200', new Date(), 'bench-first'));
  const recordsChanged = first.result.created + first.result.backfilled + first.result.missed + first.result.cancelled + first.result.reopened;
  const generator200Steady = (await product.countCosmosRequests(() => generateLab('BENCH200', new Date(), 'bench-steady'))).counts;

  const { cookie, csrf } = await signIn('tech1');
  const dashboard = await product.countCosmosRequests(async () => {
    const response = await fetch(`${product.url}/api/labs/LAB01/records?view=dashboard`, { headers: { cookie } });
    return (await response.json()) as { items: PmRecord[] };
  });
  const record = dashboard.result.items.find((item) => item.status === 'Open')!;
  const body = {
    responses: record.tasks.map((task) => ({ taskId: task.taskId, done: true, ...(task.kind === 'reading' ? { value: task.min ?? 1 } : {}) })),
    signature: { password, meaning: 'Performed by' },
  };
  const completion = await product.countCosmosRequests(() =>
    fetch(`${product.url}/api/labs/LAB01/records/${record.recordNumber}/complete`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrf, origin: product.url, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((response) => response.text()),
  );
  const stored = await findRecord('LAB01', record.recordNumber);
  const [runEntry] = (await auditPage('records', { labIds: ['BENCH200'], entityType: 'records' }, 1)).items;
  return {
    generatorEmptyLab,
    generator200FirstRun: { ...first.counts, recordsChanged },
    generator200Steady,
    dashboardCall: { ...dashboard.counts, rows: dashboard.result.items.length },
    completion: completion.counts,
    recordBytes: Buffer.byteLength(JSON.stringify(stored!.document)),
    runAuditEntryBytes: Buffer.byteLength(JSON.stringify(runEntry)),
  };
}
