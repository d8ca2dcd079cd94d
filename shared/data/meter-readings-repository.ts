import type { JSONObject, OperationInput } from '@azure/cosmos';
import type { Reading } from '../schemas/meters.js';
import { container } from './cosmos.js';

/** A meter's reading, kept in the lab's equipment partition beside its machine and written in the same batch. */
export interface ReadingDocument extends Reading {
  id: string;
  type: 'meter-reading';
  labId: string;
  serialKey: string;
}

/** The reading's place in its meter's sequence names it: a retried write can never keep it twice. */
export function readingDocumentId(serialKey: string, meterId: string, sequence: number): string {
  return `${serialKey}|reading|${meterId}|${String(sequence).padStart(9, '0')}`;
}

/**
 * The reading a record's reading task gave is named by the record and task instead: completing the
 * record again, or retrying after a crash, finds it taken and never takes it twice.
 */
export function taskReadingDocumentId(serialKey: string, recordNumber: string, taskId: string): string {
  return `${serialKey}|reading|record|${recordNumber}|${taskId}`;
}

export async function readReading(labId: string, id: string): Promise<ReadingDocument | null> {
  const { resource } = await (await container('equipment')).item(id, labId).read<ReadingDocument>();
  return resource?.type === 'meter-reading' ? resource : null;
}

export function readingOperation(document: ReadingDocument): OperationInput {
  return { operationType: 'Create', resourceBody: document as unknown as JSONObject, partitionKey: document.labId };
}

/** A meter's latest readings, newest first, one partition. */
export async function latestReadings(labId: string, serialKey: string, meterId: string, count: number): Promise<ReadingDocument[]> {
  const { resources } = await (
    await container('equipment')
  ).items
    .query<ReadingDocument>(
      {
        query: `SELECT TOP ${count} * FROM c WHERE c.labId = @labId AND c.type = 'meter-reading' AND c.serialKey = @serialKey AND c.meterId = @meterId ORDER BY c.sequence DESC`,
        parameters: [
          { name: '@labId', value: labId },
          { name: '@serialKey', value: serialKey },
          { name: '@meterId', value: meterId },
        ],
      },
      { partitionKey: labId },
    )
    .fetchAll();
  return resources;
}
