import type { PatchOperation } from '@azure/cosmos';
import { container } from './cosmos.js';

/**
 * How the record generator last fared in one lab: operational state for the people running the
 * product, kept beside the lab. It is not part of the lab's audit chain; the records it wrote are.
 */
export interface GeneratorStatusDocument {
  id: typeof statusId;
  type: 'generator-status';
  labId: string;
  lastRunId: string | null;
  lastRunAt: string | null;
  lastSuccessAt: string | null;
  lastSummary: Record<string, unknown> | null;
  lastFailure: { at: string; runId: string; error: string; attempt: number } | null;
  /** Set when a run's message exhausted its deliveries and went to the poison queue. */
  poisoned: { at: string; runId: string } | null;
}

const statusId = '~generator';

export async function readGeneratorStatuses(): Promise<GeneratorStatusDocument[]> {
  const { resources } = await (await container('labs')).items
    .query<GeneratorStatusDocument>("SELECT * FROM c WHERE c.type = 'generator-status'")
    .fetchAll();
  return resources;
}

export type GeneratorStatusFields = Partial<Omit<GeneratorStatusDocument, 'id' | 'type' | 'labId'>>;

/**
 * Sets some fields of a lab's generator status and leaves the others as they are: one patch, so a
 * run's bookkeeping costs one request and no read. The first time, the status is created.
 */
export async function updateGeneratorStatus(labId: string, fields: GeneratorStatusFields): Promise<void> {
  const labs = await container('labs');
  const operations: PatchOperation[] = Object.entries(fields).map(([name, value]) => ({ op: 'set', path: `/${name}`, value }));
  for (;;) {
    try {
      await labs.item(statusId, labId).patch(operations);
      return;
    } catch (error) {
      if ((error as { code?: number }).code !== 404) throw error;
    }
    try {
      const fresh: GeneratorStatusDocument = { id: statusId, type: 'generator-status', labId, lastRunId: null, lastRunAt: null, lastSuccessAt: null, lastSummary: null, lastFailure: null, poisoned: null };
      await labs.items.create({ ...fresh, ...fields });
      return;
    } catch (error) {
      // Another run created it first: patch theirs.
      if ((error as { code?: number }).code !== 409) throw error;
    }
  }
}
