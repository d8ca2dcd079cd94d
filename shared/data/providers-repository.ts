import type { AuditEvent } from '../domain/audit-chain.js';
import type { Provider } from '../schemas/calibration.js';
import { writeWithAudit, type ChainOwner } from './audited-write.js';
import { container } from './cosmos.js';
import { retryWhileOvertaken } from './optimistic-retry.js';
import { queryKeysetPage, type Page } from './paging.js';
import type { Versioned } from './versioned.js';

export interface ProviderDocument extends Provider, ChainOwner {
  id: string;
  type: 'calibration-provider';
}

export async function readProvider(providerId: string): Promise<Versioned<ProviderDocument> | null> {
  const { resource, etag } = await (await container('calibrationProviders')).item(providerId, providerId).read<ProviderDocument>();
  return resource?.type === 'calibration-provider' ? { document: resource, etag } : null;
}

export async function listProviders(pageSize: number, continuationToken?: string): Promise<Page<ProviderDocument>> {
  return queryKeysetPage<ProviderDocument>(
    await container('calibrationProviders'),
    { conditions: ["c.type = 'calibration-provider'"], parameters: [], sortKeys: [{ property: 'providerId' }] },
    pageSize,
    continuationToken,
  );
}

/** Creates the provider with its first audit entry; DocumentExists when the id is taken. */
export async function createProvider(provider: ProviderDocument, events: readonly AuditEvent[]): Promise<ProviderDocument> {
  return (
    await writeWithAudit({ container: 'calibrationProviders', partition: ['providerId', provider.providerId], owner: provider, ownerEtag: undefined, events })
  ).owner;
}

export async function changeProvider(
  providerId: string,
  change: (current: ProviderDocument) => { provider: ProviderDocument; events: AuditEvent[] } | null,
): Promise<ProviderDocument | null> {
  return retryWhileOvertaken(async () => {
    const current = await readProvider(providerId);
    if (!current) return null;
    const next = change(current.document);
    if (!next) return current.document;
    return (
      await writeWithAudit({
        container: 'calibrationProviders',
        partition: ['providerId', providerId],
        owner: next.provider,
        ownerEtag: current.etag,
        events: next.events,
      })
    ).owner;
  }, `Provider ${providerId}`);
}
