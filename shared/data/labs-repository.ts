import type { AuditEvent } from '../domain/audit-chain.js';
import type { Lab } from '../schemas/labs.js';
import { writeWithAudit, type ChainOwner } from './audited-write.js';
import { container } from './cosmos.js';
import { retryWhileOvertaken } from './optimistic-retry.js';
import type { Versioned } from './versioned.js';

export interface LabDocument extends Lab, ChainOwner {
  id: string;
  type: 'lab';
  createdAt: string;
}

/**
 * Every lab, by id. Sorted here, not by the query: the gateway serves a plain query across partitions
 * itself, while an ORDER BY across them costs a query plan and a refused first try (see paging.ts).
 */
export async function listLabs(): Promise<LabDocument[]> {
  const { resources } = await (await container('labs')).items.query<LabDocument>("SELECT * FROM c WHERE c.type = 'lab'").fetchAll();
  return resources.sort((a, b) => (a.labId < b.labId ? -1 : a.labId > b.labId ? 1 : 0));
}

export async function readLab(labId: string): Promise<Versioned<LabDocument> | null> {
  const { resource, etag } = await (await container('labs')).item(labId, labId).read<LabDocument>();
  if (!resource || resource.type !== 'lab') return null;
  return { document: resource, etag };
}

export async function createLab(lab: LabDocument, events: readonly AuditEvent[]): Promise<LabDocument> {
  return (await writeWithAudit({ container: 'labs', partition: ['labId', lab.labId], owner: lab, ownerEtag: undefined, events })).owner;
}

export async function changeLab(
  labId: string,
  change: (current: LabDocument) => { lab: LabDocument; events: AuditEvent[] } | null,
): Promise<LabDocument | null> {
  return retryWhileOvertaken(async () => {
    const current = await readLab(labId);
    if (!current) return null;
    const next = change(current.document);
    if (!next) return current.document;
    const written = await writeWithAudit({ container: 'labs', partition: ['labId', labId], owner: next.lab, ownerEtag: current.etag, events: next.events });
    return written.owner;
  }, `Lab ${labId}`);
}
