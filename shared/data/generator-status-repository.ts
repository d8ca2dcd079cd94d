import { container } from './cosmos.js';
import { retryWhileOvertaken } from './optimistic-retry.js';
import { DocumentChanged, DocumentExists } from './errors.js';
import { stripSystemProperties } from './audited-write.js';

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

export async function updateGeneratorStatus(labId: string, change: (current: GeneratorStatusDocument) => GeneratorStatusDocument): Promise<void> {
  const labs = await container('labs');
  await retryWhileOvertaken(async () => {
    const { resource, etag } = await labs.item(statusId, labId).read<GeneratorStatusDocument>();
    const current: GeneratorStatusDocument = resource
      ? stripSystemProperties(resource)
      : { id: statusId, type: 'generator-status', labId, lastRunId: null, lastRunAt: null, lastSuccessAt: null, lastSummary: null, lastFailure: null, poisoned: null };
    const next = change(current);
    try {
      if (resource) await labs.item(statusId, labId).replace(next, { accessCondition: { type: 'IfMatch', condition: etag! } });
      else await labs.items.create(next);
    } catch (error) {
      const code = (error as { code?: number }).code;
      if (code === 412) throw new DocumentChanged('Generator status changed');
      if (code === 409) throw new DocumentExists('Generator status created');
      throw error;
    }
  }, `Generator status of ${labId}`);
}
