import type { JSONObject, OperationInput } from '@azure/cosmos';
import type { Nonconformity } from '../schemas/nonconformities.js';
import { stripSystemProperties } from './audited-write.js';
import { container } from './cosmos.js';
import { queryPage, type Page } from './paging.js';
import type { StoredCertificate } from './calibration-repository.js';
import type { Versioned } from './versioned.js';

/**
 * A nonconformity lives in its lab's equipment partition, beside the machine it quarantines, so the
 * two change in one batch. `itemLabs` lists the labs whose results it touches, for their own lists.
 */
export interface NonconformityDocument extends Omit<Nonconformity, 'attachments'> {
  id: string;
  type: 'nonconformity';
  serialKey: string;
  itemLabs: string[];
  attachments: StoredCertificate[];
  /** The known-good result the window starts from (not itself an item); absent on the first nonconformities written. */
  sinceReference?: string | null;
}

/**
 * Marks that a finding (a calibration or a PM record) already opened its nonconformity: created in the
 * same batch, so a retried or raced finding opens one and only one.
 */
export interface FindingMarker {
  id: string;
  type: 'nonconformity-finding';
  labId: string;
  ncNumber: string;
}

export function nonconformityId(ncNumber: string): string {
  return `nc:${ncNumber}`;
}

export function findingMarkerId(reference: string): string {
  return `nc-finding:${reference}`;
}

export async function readNonconformity(labId: string, ncNumber: string): Promise<Versioned<NonconformityDocument> | null> {
  const { resource, etag } = await (await container('equipment')).item(nonconformityId(ncNumber), labId).read<NonconformityDocument>();
  return resource?.type === 'nonconformity' ? { document: resource, etag } : null;
}

export async function readFindingMarker(labId: string, reference: string): Promise<FindingMarker | null> {
  const { resource } = await (await container('equipment')).item(findingMarkerId(reference), labId).read<FindingMarker>();
  return resource?.type === 'nonconformity-finding' ? resource : null;
}

export function nonconformityOperation(document: NonconformityDocument, etag?: string): OperationInput {
  const resourceBody = stripSystemProperties(document) as unknown as JSONObject;
  return etag
    ? { operationType: 'Replace', id: document.id, resourceBody, ifMatch: etag, partitionKey: document.labId }
    : { operationType: 'Create', resourceBody, partitionKey: document.labId };
}

export function findingMarkerOperation(labId: string, reference: string, ncNumber: string): OperationInput {
  const marker: FindingMarker = { id: findingMarkerId(reference), type: 'nonconformity-finding', labId, ncNumber };
  return { operationType: 'Create', resourceBody: marker as unknown as JSONObject, partitionKey: labId };
}

export interface NonconformityListQuery {
  labId: string;
  status?: 'Open' | 'Closed' | undefined;
  serialKey?: string | undefined;
  pageSize: number;
  continuationToken?: string | undefined;
}

/** One lab's nonconformities, newest number first, one partition. */
export async function listNonconformities(query: NonconformityListQuery): Promise<Page<NonconformityDocument>> {
  const conditions = ['c.labId = @labId', "c.type = 'nonconformity'"];
  const parameters = [{ name: '@labId', value: query.labId }];
  if (query.status) {
    conditions.push('c.status = @status');
    parameters.push({ name: '@status', value: query.status });
  }
  if (query.serialKey) {
    conditions.push('c.serialKey = @serialKey');
    parameters.push({ name: '@serialKey', value: query.serialKey });
  }
  return queryPage<NonconformityDocument>(
    await container('equipment'),
    { query: `SELECT * FROM c WHERE ${conditions.join(' AND ')} ORDER BY c.ncNumber DESC`, parameters },
    query.pageSize,
    query.continuationToken,
    query.labId,
  );
}

/** Every nonconformity of a lab: what the report and a machine's history read. */
export async function nonconformitiesOfLab(labId: string, serialKey?: string): Promise<NonconformityDocument[]> {
  const { resources } = await (
    await container('equipment')
  ).items
    .query<NonconformityDocument>(
      {
        query: `SELECT * FROM c WHERE c.labId = @labId AND c.type = 'nonconformity'${serialKey ? ' AND c.serialKey = @serialKey' : ''}`,
        parameters: [
          { name: '@labId', value: labId },
          { name: '@serialKey', value: serialKey ?? '' },
        ],
      },
      { partitionKey: labId },
    )
    .fetchAll();
  return resources;
}

/**
 * Open nonconformities of other labs that touch results of `labId`: across partitions, but only
 * nonconformities are read, and few are ever open.
 */
export async function openNonconformitiesTouching(labId: string): Promise<NonconformityDocument[]> {
  const { resources } = await (
    await container('equipment')
  ).items
    .query<NonconformityDocument>({
      query: "SELECT * FROM c WHERE c.type = 'nonconformity' AND c.status = 'Open' AND ARRAY_CONTAINS(c.itemLabs, @labId)",
      parameters: [{ name: '@labId', value: labId }],
    })
    .fetchAll();
  return resources;
}

/** Calibrations of any machine in any lab that named the standard, performed in the window (reverse traceability). */
export async function calibrationsNaming(serialNumber: string, from: string, to: string) {
  const { resources } = await (
    await container('equipment')
  ).items
    .query<{
      calibrationNumber: string;
      labId: string;
      serialNumber: string;
      performedOn: string;
      status: string;
      result: string;
      standards: { serialNumber: string }[];
    }>({
      query:
        "SELECT c.calibrationNumber, c.labId, c.serialNumber, c.performedOn, c.status, c.result, c.standards FROM c WHERE c.type = 'calibration' AND c.performedOn >= @from AND c.performedOn <= @to AND ARRAY_CONTAINS(c.standards, { serialNumber: @serialNumber }, true)",
      parameters: [
        { name: '@from', value: from },
        { name: '@to', value: to },
        { name: '@serialNumber', value: serialNumber },
      ],
    })
    .fetchAll();
  return resources;
}

/** Nonconformities opened since a moment, in every lab: those whose immediate notice may still be owed. */
export async function nonconformitiesOpenedSince(since: string): Promise<{ labId: string; ncNumber: string }[]> {
  const { resources } = await (
    await container('equipment')
  ).items
    .query<{ labId: string; ncNumber: string }>({
      query: "SELECT c.labId, c.ncNumber FROM c WHERE c.type = 'nonconformity' AND c.openedAt >= @since",
      parameters: [{ name: '@since', value: since }],
    })
    .fetchAll();
  return resources;
}
