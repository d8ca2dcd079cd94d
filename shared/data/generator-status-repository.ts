import type { PatchOperation } from '@azure/cosmos';
import { container } from './cosmos.js';
import type { LabDocument } from './labs-repository.js';

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
  /**
   * The lab-local day the last successful run generated through: where the next run's window of
   * records starts. Absent before the first such run; a run without it reads the whole backfill window.
   */
  generatedThrough?: string | null;
}

const statusId = '~generator';

/** A lab and its generator status, which share the lab's partition, in one query. */
export async function readLabWithGeneratorStatus(labId: string): Promise<{ lab: LabDocument | null; status: GeneratorStatusDocument | null }> {
  const { resources } = await (
    await container('labs')
  ).items
    .query<LabDocument | GeneratorStatusDocument>(
      {
        query: 'SELECT * FROM c WHERE c.labId = @labId AND (c.id = @labId OR c.id = @statusId)',
        parameters: [
          { name: '@labId', value: labId },
          { name: '@statusId', value: statusId },
        ],
      },
      { partitionKey: labId },
    )
    .fetchAll();
  return {
    lab: resources.find((document): document is LabDocument => document.type === 'lab') ?? null,
    status: resources.find((document): document is GeneratorStatusDocument => document.type === 'generator-status') ?? null,
  };
}

export async function readGeneratorStatuses(): Promise<GeneratorStatusDocument[]> {
  const { resources } = await (await container('labs')).items.query<GeneratorStatusDocument>("SELECT * FROM c WHERE c.type = 'generator-status'").fetchAll();
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
      const fresh: GeneratorStatusDocument = {
        id: statusId,
        type: 'generator-status',
        labId,
        lastRunId: null,
        lastRunAt: null,
        lastSuccessAt: null,
        lastSummary: null,
        lastFailure: null,
        poisoned: null,
      };
      await labs.items.create({ ...fresh, ...fields });
      return;
    } catch (error) {
      // Another run created it first: patch theirs.
      if ((error as { code?: number }).code !== 409) throw error;
    }
  }
}
