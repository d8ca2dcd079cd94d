import type { AuditEntry } from '../domain/audit-chain.js';
import { container } from './cosmos.js';
import { auditTrailOrder, type ContainerName } from './containers.js';
import { queryKeysetPage, type Page, type SortKey } from './paging.js';

/** Containers whose partitions hold audit chains, and the field that names each chain's partition. */
export const chainContainers = {
  labs: 'labId',
  equipment: 'labId',
  records: 'labId',
  users: 'username',
  models: 'modelKey',
  equipmentClasses: 'key',
  calibrationProviders: 'providerId',
  apiKeys: 'keyId',
  webhooks: 'subscriptionId',
} as const satisfies Partial<Record<ContainerName, string>>;

export type ChainContainer = keyof typeof chainContainers;

export interface AuditFilter {
  /** Entries concerning any of these labs; undefined for every entry (company-wide readers). */
  labIds?: readonly string[] | undefined;
  from?: string | undefined;
  to?: string | undefined;
  entityType?: string | undefined;
  entityId?: string | undefined;
}

/** Containers whose chains live in the partitions of the labs they concern. */
const labPartitioned: ReadonlySet<ChainContainer> = new Set(['labs', 'equipment', 'records']);

/** The order of a container's entries, newest first, as its composite index serves it. */
export function auditSortKeys(source: ChainContainer): SortKey[] {
  return auditTrailOrder(`/${chainContainers[source]}`).map(({ path, order }) => ({ property: path.slice(1), descending: order === 'descending' }));
}

/**
 * What a lab's trail holds of integrations: each use and refusal of a key or Entra app that may read
 * the lab, since those requests read (or tried to read) its data. Making, changing and revoking a key
 * is company administration and stays with company-wide readers.
 */
const integrationUsesOfALab = ['api-key.used', 'api-key.refused', 'entra-app.used', 'entra-app.refused'];

/**
 * Whether a container can hold entries that concern the filter's labs. Catalogue and provider entries
 * concern no lab, so a lab-scoped reader never needs to query them.
 */
export function mayConcern(source: ChainContainer, filter: AuditFilter): boolean {
  return filter.labIds === undefined || source === 'users' || source === 'apiKeys' || labPartitioned.has(source);
}

/**
 * One page of one container's audit entries, newest first. For one lab, a container partitioned by
 * lab is read in that lab's partition only, so a lab's trail costs what the lab holds, not the company.
 */
export async function auditPage(source: ChainContainer, filter: AuditFilter, pageSize: number, continuationToken?: string): Promise<Page<AuditEntry>> {
  const conditions = ["c.type = 'audit'"];
  const parameters: { name: string; value: string }[] = [];
  if (filter.labIds) {
    const labs = filter.labIds.map((labId, index) => {
      parameters.push({ name: `@lab${index}`, value: labId });
      return `ARRAY_CONTAINS(c.labIds, @lab${index})`;
    });
    conditions.push(labs.length > 0 ? `(${labs.join(' OR ')})` : 'false');
    if (source === 'apiKeys') conditions.push(`c.action IN (${integrationUsesOfALab.map((action) => `'${action}'`).join(', ')})`);
  }
  const add = (condition: string, name: string, value: string | undefined) => {
    if (value === undefined) return;
    conditions.push(condition);
    parameters.push({ name, value });
  };
  add('c.at >= @from', '@from', filter.from);
  add('c.at <= @to', '@to', filter.to);
  add('c.entityType = @entityType', '@entityType', filter.entityType);
  add('c.entityId = @entityId', '@entityId', filter.entityId);
  const onlyLab = filter.labIds?.length === 1 && labPartitioned.has(source) ? filter.labIds[0] : undefined;
  return queryKeysetPage<AuditEntry>(
    await container(source),
    { conditions, parameters, sortKeys: auditSortKeys(source) },
    pageSize,
    continuationToken,
    onlyLab,
  );
}
