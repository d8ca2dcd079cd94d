import type { DefaultPlan } from '../schemas/calibration-plan.js';
import type { AuditEvent } from '../domain/audit-chain.js';
import type { FrequencyPlans } from '../domain/model-tasks.js';
import type { Task, UsageSchedule } from '../schemas/catalog.js';
import { writeWithAudit, type ChainOwner } from './audited-write.js';
import { container } from './cosmos.js';
import { queryKeysetPage, type Page } from './paging.js';
import type { Versioned } from './versioned.js';
import { documentIdOf } from '../schemas/document-ids.js';

/** Class names are unique whatever their case: "Mill" and "mill" are one class. */
export function classKey(name: string): string {
  return name.trim().toLowerCase();
}

/**
 * A class's document id: its key, escaped where the name holds a character Cosmos DB refuses in ids
 * ("Oven/Furnace"). The key stays the partition and the name stays as typed.
 */
export function classDocumentId(name: string): string {
  return documentIdOf(classKey(name));
}

/** Model ids are unique whatever their case, and found whatever the case a path uses. */
export function modelKey(modelId: string): string {
  return modelId.trim().toLowerCase();
}

export interface EquipmentClassDocument extends ChainOwner {
  id: string;
  type: 'equipment-class';
  key: string;
  name: string;
  createdAt: string;
}

export interface ModelDocument extends ChainOwner {
  id: string;
  type: 'model';
  modelKey: string;
  modelId: string;
  manufacturer: string;
  equipmentClass: string;
  active: boolean;
  version: number;
  frequencies: FrequencyPlans;
  calibrationPlan?: DefaultPlan;
  returnToServiceChecks?: Task[];
  usageSchedules?: UsageSchedule[];
  nextTaskNumber: number;
  createdAt: string;
  updatedAt: string;
}

export async function readEquipmentClass(name: string): Promise<EquipmentClassDocument | null> {
  const { resource } = await (await container('equipmentClasses')).item(classDocumentId(name), classKey(name)).read<EquipmentClassDocument>();
  return resource?.type === 'equipment-class' ? resource : null;
}

export async function createEquipmentClass(document: EquipmentClassDocument, events: readonly AuditEvent[]): Promise<void> {
  await writeWithAudit({ container: 'equipmentClasses', partition: ['key', document.key], owner: document, ownerEtag: undefined, events });
}

/** A short, company-wide list: one query across its small partitions. */
export async function listEquipmentClasses(pageSize: number, continuationToken?: string): Promise<Page<EquipmentClassDocument>> {
  return queryKeysetPage(
    await container('equipmentClasses'),
    { conditions: ["c.type = 'equipment-class'"], parameters: [], sortKeys: [{ property: 'key' }] },
    pageSize,
    continuationToken,
  );
}

export async function readModel(modelId: string): Promise<Versioned<ModelDocument> | null> {
  const key = modelKey(modelId);
  const { resource, etag } = await (await container('models')).item(key, key).read<ModelDocument>();
  return resource?.type === 'model' ? { document: resource, etag } : null;
}

/**
 * How long the generator may use a model it read. An hourly run fans out to every lab, and the labs
 * share a handful of models: reading each once a minute per instance instead of once per lab takes
 * the models out of a lab's cost. A change made through this instance applies at once; one made
 * through another instance reaches this one's runs within the minute.
 */
const modelReuseMs = 60_000;
const recentModels = new Map<string, { model: Versioned<ModelDocument> | null; readAt: number }>();

export async function readModelRecently(modelId: string, now = Date.now()): Promise<Versioned<ModelDocument> | null> {
  const key = modelKey(modelId);
  const recent = recentModels.get(key);
  if (recent && now - recent.readAt < modelReuseMs) return recent.model;
  const model = await readModel(modelId);
  recentModels.set(key, { model, readAt: now });
  return model;
}

export async function writeModel(document: ModelDocument, etag: string | undefined, events: readonly AuditEvent[]): Promise<ModelDocument> {
  try {
    return (await writeWithAudit({ container: 'models', partition: ['modelKey', document.modelKey], owner: document, ownerEtag: etag, events })).owner;
  } finally {
    // After the write, so that no run of this instance keeps the version it replaced.
    recentModels.delete(document.modelKey);
  }
}

export interface ModelListQuery {
  includeInactive: boolean;
  equipmentClass?: string | undefined;
  pageSize: number;
  continuationToken?: string | undefined;
}

export async function listModels(query: ModelListQuery): Promise<Page<ModelDocument>> {
  const conditions = ["c.type = 'model'"];
  const parameters: { name: string; value: string }[] = [];
  if (!query.includeInactive) conditions.push('c.active = true');
  if (query.equipmentClass) {
    conditions.push('LOWER(c.equipmentClass) = @equipmentClass');
    parameters.push({ name: '@equipmentClass', value: classKey(query.equipmentClass) });
  }
  return queryKeysetPage(await container('models'), { conditions, parameters, sortKeys: [{ property: 'modelKey' }] }, query.pageSize, query.continuationToken);
}
