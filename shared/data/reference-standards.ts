import { container } from './cosmos.js';
import { DocumentChanged } from './errors.js';
import { retryWhileOvertaken } from './optimistic-retry.js';

/**
 * Where the company's reference standards are: one small document in a partition of the labs
 * container that no lab can have (lab ids are capitals, digits and dashes), so the standard picker
 * reads it and then each standard by id, instead of querying every lab's equipment. A machine is
 * noted before its plan first calls it a standard and never removed; whether its plan still says so,
 * and whether it is fit, is judged from the machine itself. `complete` is set once the index was
 * filled from the equipment that existed before it, so installations older than it lose nothing.
 */
const indexId = '_reference-standards';

export interface StandardLocation {
  serialKey: string;
  labId: string;
}

interface StandardsIndex {
  id: typeof indexId;
  type: 'reference-standard-index';
  labId: typeof indexId;
  complete: boolean;
  standards: StandardLocation[];
}

async function readIndex(): Promise<{ index: StandardsIndex | null; etag: string | undefined }> {
  const { resource, etag } = await (await container('labs')).item(indexId, indexId).read<StandardsIndex>();
  return { index: resource?.type === 'reference-standard-index' ? resource : null, etag };
}

function merged(known: readonly StandardLocation[], added: readonly StandardLocation[]): StandardLocation[] {
  const bySerial = new Map(known.map((entry) => [entry.serialKey, entry]));
  for (const entry of added) if (!bySerial.has(entry.serialKey)) bySerial.set(entry.serialKey, entry);
  return [...bySerial.values()];
}

/** Writes the index on the ETag it was read with, so two writers never drop each other's entries. */
async function writeIndex(next: StandardsIndex, etag: string | undefined): Promise<void> {
  const labs = await container('labs');
  try {
    if (etag) await labs.item(indexId, indexId).replace(next, { accessCondition: { type: 'IfMatch', condition: etag } });
    else await labs.items.create(next);
  } catch (error) {
    const code = (error as { code?: number }).code;
    if (code === 412 || code === 409) throw new DocumentChanged('The reference-standard index was changed meanwhile');
    throw error;
  }
}

/** Notes a machine as a reference standard at its lab; called before the plan that says so is saved. */
export async function noteReferenceStandard(location: StandardLocation): Promise<void> {
  await retryWhileOvertaken(async () => {
    const { index, etag } = await readIndex();
    if (index?.standards.some((entry) => entry.serialKey === location.serialKey && entry.labId === location.labId)) return;
    const next: StandardsIndex = index
      ? { ...index, standards: [...index.standards.filter((entry) => entry.serialKey !== location.serialKey), location] }
      : { id: indexId, type: 'reference-standard-index', labId: indexId, complete: false, standards: [location] };
    await writeIndex(next, etag);
  }, 'The list of reference standards');
}

/**
 * Where the company's reference standards were noted. The first read on an installation that has no
 * complete index fills it once from `existing` (a query across the labs) and keeps the result.
 */
export async function referenceStandardLocations(existing: () => Promise<StandardLocation[]>): Promise<StandardLocation[]> {
  const { index } = await readIndex();
  if (index?.complete) return index.standards;
  const found = await existing();
  return retryWhileOvertaken(async () => {
    const current = await readIndex();
    if (current.index?.complete) return current.index.standards;
    const next: StandardsIndex = {
      id: indexId,
      type: 'reference-standard-index',
      labId: indexId,
      complete: true,
      standards: merged(current.index?.standards ?? [], found),
    };
    await writeIndex(next, current.etag);
    return next.standards;
  }, 'The list of reference standards');
}
