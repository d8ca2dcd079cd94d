import type { AuditAction } from '../domain/audit-actions.js';
import { actorOf, type Principal } from '../auth/principal.js';
import { DocumentExists } from '../data/errors.js';
import { invalidTokenAsBadRequest } from '../data/paging.js';
import { changeProvider, createProvider, listProviders, readProvider, type ProviderDocument } from '../data/providers-repository.js';
import type { AuditEvent } from '../domain/audit-chain.js';
import { canAnywhere } from '../domain/permissions.js';
import type { SignerFacts } from './plans.js';
import { conflict, forbidden, notFound } from '../platform/problems.js';
import type { Provider, ProviderInput, ProviderPatch } from '../schemas/calibration.js';
import { auditEvent } from '../domain/audit-entries.js';

export function providerView(document: ProviderDocument): Provider {
  const { providerId, name, accreditationBody, accreditationNumber, scope, accreditationExpires, approved, createdAt, updatedAt } = document;
  return { providerId, name, accreditationBody, accreditationNumber, scope, accreditationExpires, approved, createdAt, updatedAt };
}

function providerEvent(action: AuditAction, providerId: string, principal: Principal, facts: SignerFacts, extra: Partial<AuditEvent>): AuditEvent {
  return auditEvent(action, { kind: 'calibration-provider', providerId }, actorOf(principal), facts, extra);
}

export function assertMayReadProviders(principal: Principal): void {
  if (!canAnywhere(principal, 'providers', 'read')) throw forbidden('Your role does not give access to the calibration providers.');
}

export function assertMayWriteProviders(principal: Principal): void {
  if (!canAnywhere(principal, 'providers', 'write')) throw forbidden('Only an administrator can add or change calibration providers.');
}

/** A readable, stable id from the name: "Acme Metrology Ltd." becomes acme-metrology-ltd. */
export function providerIdFor(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return slug.length >= 3 ? slug : `provider-${slug || 'x'}`.slice(0, 60);
}

export async function providersPage(continuationToken: string | undefined): Promise<{ items: Provider[]; continuationToken: string | null }> {
  const page = await listProviders(100, continuationToken).catch(invalidTokenAsBadRequest);
  return { items: page.items.map(providerView), continuationToken: page.continuationToken };
}

export async function addProvider(principal: Principal, input: ProviderInput, facts: SignerFacts): Promise<Provider> {
  const providerId = providerIdFor(input.name);
  const now = new Date().toISOString();
  const provider: ProviderDocument = { id: providerId, type: 'calibration-provider', providerId, ...input, createdAt: now, updatedAt: now };
  try {
    await createProvider(provider, [providerEvent('calibration-provider.created', providerId, principal, facts, { after: { ...input } })]);
  } catch (error) {
    if (error instanceof DocumentExists) throw conflict(`A provider named like "${input.name}" exists already (${providerId}); change that one instead.`);
    throw error;
  }
  return providerView(provider);
}

export async function updateProvider(principal: Principal, providerId: string, patch: ProviderPatch, facts: SignerFacts): Promise<Provider> {
  const updated = await changeProvider(providerId, (current) => {
    const changed = (Object.keys(patch) as (keyof ProviderPatch)[]).filter((key) => patch[key] !== current[key]);
    if (changed.length === 0) return null;
    return {
      provider: { ...current, ...patch, updatedAt: new Date().toISOString() },
      events: [
        providerEvent('calibration-provider.updated', providerId, principal, facts, {
          before: Object.fromEntries(changed.map((key) => [key, current[key]])),
          after: Object.fromEntries(changed.map((key) => [key, patch[key]])),
        }),
      ],
    };
  });
  if (!updated) throw notFound(`There is no calibration provider ${providerId}.`);
  return providerView(updated);
}

export async function findProvider(providerId: string): Promise<ProviderDocument | null> {
  return (await readProvider(providerId))?.document ?? null;
}
