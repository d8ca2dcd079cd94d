import type { AuditAction } from '../domain/audit-actions.js';
import { actorOf, type Principal } from '../auth/principal.js';
import {
  classDocumentId,
  classKey,
  createEquipmentClass,
  listEquipmentClasses,
  listModels,
  modelKey,
  readEquipmentClass,
  readModel,
  writeModel,
  type EquipmentClassDocument,
  type ModelDocument,
} from '../data/catalog-repository.js';
import { DocumentChanged, DocumentExists } from '../data/errors.js';
import type { AuditActor, AuditEvent } from '../domain/audit-chain.js';
import { planTasks, storedTask, TaskPlanError } from '../domain/model-tasks.js';
import { canAnywhere } from '../domain/permissions.js';
import type { RequestFacts, RequestOrigin } from '../platform/http-pipeline.js';
import { badRequest, conflict, forbidden, notFound, preconditionFailed } from '../platform/problems.js';
import type { CreateModel, EquipmentClass, Model, UpdateModel } from '../schemas/catalog.js';
import { invalidTokenAsBadRequest } from '../data/paging.js';
import { auditEvent } from '../domain/audit-entries.js';

type Facts = RequestOrigin | null;

function catalogEvent(
  action: AuditAction,
  entityType: 'equipment-class' | 'model',
  entityId: string,
  actor: AuditActor,
  facts: Facts,
  extra: Partial<AuditEvent>,
): AuditEvent {
  return auditEvent(action, { kind: entityType, key: entityId }, actor, facts, extra);
}

/** A class is part of what a model is, so whoever reads models reads the classes too. */
export function assertMayReadClasses(principal: Principal): void {
  if (!canAnywhere(principal, 'models', 'read')) throw forbidden('Your role does not give access to equipment models or their classes.');
}

export function assertMayWriteClasses(principal: Principal): void {
  if (!canAnywhere(principal, 'administration', 'write')) throw forbidden('Only an administrator can add equipment classes.');
}

export function assertMayReadModels(principal: Principal): void {
  if (!canAnywhere(principal, 'models', 'read')) throw forbidden('Your role does not give access to equipment models.');
}

export function assertMayWriteModels(principal: Principal): void {
  if (!canAnywhere(principal, 'models', 'write')) throw forbidden('Only an administrator can add or change equipment models.');
}

function classView(document: EquipmentClassDocument): EquipmentClass {
  return { name: document.name, createdAt: document.createdAt };
}

export function modelView(document: ModelDocument): Model {
  return {
    modelId: document.modelId,
    manufacturer: document.manufacturer,
    equipmentClass: document.equipmentClass,
    active: document.active,
    version: document.version,
    frequencies: document.frequencies,
    ...(document.calibrationPlan ? { calibrationPlan: document.calibrationPlan } : {}),
    ...(document.returnToServiceChecks?.length ? { returnToServiceChecks: document.returnToServiceChecks } : {}),
    ...(document.usageSchedules?.length ? { usageSchedules: document.usageSchedules } : {}),
    createdAt: document.createdAt,
    updatedAt: document.updatedAt,
  };
}

export async function listClasses(continuationToken: string | undefined): Promise<{ items: EquipmentClass[]; continuationToken: string | null }> {
  const page = await listEquipmentClasses(200, continuationToken).catch(invalidTokenAsBadRequest);
  return { items: page.items.map(classView), continuationToken: page.continuationToken };
}

/** `actor` is the administrator, or the product itself for the demo seed. */
export async function addEquipmentClass(actor: AuditActor, name: string, facts: Facts): Promise<EquipmentClass> {
  const document: EquipmentClassDocument = {
    id: classDocumentId(name),
    type: 'equipment-class',
    key: classKey(name),
    name,
    createdAt: new Date().toISOString(),
  };
  try {
    await createEquipmentClass(document, [catalogEvent('equipment-class.created', 'equipment-class', name, actor, facts, { after: classView(document) })]);
  } catch (error) {
    if (error instanceof DocumentExists) throw conflict(`An equipment class named ${name} already exists.`);
    throw error;
  }
  return classView(document);
}

async function assertClassExists(name: string): Promise<string> {
  const found = await readEquipmentClass(name);
  if (!found) {
    throw badRequest(`There is no equipment class ${name}; an administrator adds classes first.`, [
      { field: 'equipmentClass', message: `no class named ${name}` },
    ]);
  }
  return found.name;
}

function plannedOrBadRequest(...args: Parameters<typeof planTasks>): ReturnType<typeof planTasks> {
  try {
    return planTasks(...args);
  } catch (error) {
    if (error instanceof TaskPlanError) throw badRequest(`The tasks are not valid: ${error.message}`, error.errors);
    throw error;
  }
}

export async function listModelsFor(query: {
  includeInactive?: string | undefined;
  equipmentClass?: string | undefined;
  continuationToken?: string | undefined;
}) {
  const page = await listModels({
    includeInactive: query.includeInactive === 'true',
    equipmentClass: query.equipmentClass,
    pageSize: 100,
    continuationToken: query.continuationToken,
  }).catch(invalidTokenAsBadRequest);
  return { items: page.items.map(modelView), continuationToken: page.continuationToken };
}

export async function findModel(modelId: string): Promise<Model> {
  const found = await readModel(modelId);
  if (!found) throw notFound(`There is no model ${modelId}.`);
  return modelView(found.document);
}

/** `since` backdates a model moved in from elsewhere (the demo company); the API adds as of now. */
export async function addModel(actor: AuditActor, input: CreateModel, facts: Facts, since = new Date()): Promise<Model> {
  const equipmentClass = await assertClassExists(input.equipmentClass);
  const now = since.toISOString();
  const tasks = plannedOrBadRequest(undefined, input.frequencies, now);
  const document: ModelDocument = {
    id: modelKey(input.modelId),
    type: 'model',
    modelKey: modelKey(input.modelId),
    modelId: input.modelId,
    manufacturer: input.manufacturer,
    equipmentClass,
    active: input.active,
    version: 1,
    ...tasks,
    ...(input.calibrationPlan ? { calibrationPlan: input.calibrationPlan } : {}),
    ...returnToServiceChecksOf(input),
    ...usageSchedulesOf(input),
    createdAt: now,
    updatedAt: now,
  };
  try {
    await writeModel(document, undefined, [catalogEvent('model.created', 'model', document.modelId, actor, facts, { after: modelView(document) })]);
  } catch (error) {
    if (error instanceof DocumentExists) throw conflict(`A model named ${input.modelId} already exists.`);
    throw error;
  }
  return modelView(document);
}

const comparedFields = ['manufacturer', 'equipmentClass', 'active', 'frequencies', 'calibrationPlan', 'returnToServiceChecks', 'usageSchedules'] as const;

/** Usage schedules are numbered by position, and each one's tasks too. */
function usageSchedulesOf(input: Pick<CreateModel, 'usageSchedules'>): Pick<ModelDocument, 'usageSchedules'> {
  return input.usageSchedules?.length
    ? {
        usageSchedules: input.usageSchedules.map((schedule, index) => ({
          scheduleId: `U${index + 1}`,
          meter: schedule.meter,
          every: schedule.every,
          dueWithin: schedule.dueWithin,
          ...(schedule.orEveryMonths !== undefined ? { orEveryMonths: schedule.orEveryMonths } : {}),
          tasks: schedule.tasks.map((task, taskIndex) => storedTask(`T${taskIndex + 1}`, task)),
          ...(schedule.needsVerification ? { needsVerification: true } : {}),
        })),
      }
    : {};
}

/** Return-to-service checks are numbered by position: each return to service keeps the checks it answered. */
function returnToServiceChecksOf(input: Pick<CreateModel, 'returnToServiceChecks'>): Pick<ModelDocument, 'returnToServiceChecks'> {
  return input.returnToServiceChecks?.length
    ? { returnToServiceChecks: input.returnToServiceChecks.map((check, index) => storedTask(`R${index + 1}`, check)) }
    : {};
}

/**
 * Replaces a model's details and tasks when the caller saw its current version; each change bumps the
 * version, and records already generated keep the tasks they were made with.
 */
export async function replaceModel(principal: Principal, modelId: string, input: UpdateModel, facts: RequestFacts): Promise<Model> {
  if (input.modelId !== undefined && modelKey(input.modelId) !== modelKey(modelId)) {
    throw badRequest('A model cannot be renamed; modelId must match the path.', [{ field: 'modelId', message: `must be ${modelId}` }]);
  }
  const current = await readModel(modelId);
  if (!current) throw notFound(`There is no model ${modelId}.`);
  const stale = () =>
    preconditionFailed(
      `Someone else changed ${modelId} since you read version ${input.version}; read it again (it is now at version ${current.document.version}).`,
    );
  if (current.document.version !== input.version) throw stale();
  const equipmentClass = await assertClassExists(input.equipmentClass);
  const now = new Date().toISOString();
  const tasks = plannedOrBadRequest(current.document, input.frequencies, now);
  const { calibrationPlan: _previousPlan, returnToServiceChecks: _previousChecks, usageSchedules: _previousSchedules, ...kept } = current.document;
  const next: ModelDocument = {
    ...kept,
    manufacturer: input.manufacturer,
    equipmentClass,
    active: input.active,
    ...tasks,
    ...(input.calibrationPlan ? { calibrationPlan: input.calibrationPlan } : {}),
    ...returnToServiceChecksOf(input),
    ...usageSchedulesOf(input),
  };
  const before = modelView(current.document);
  const after = modelView(next);
  const changed = comparedFields.filter((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]));
  if (changed.length === 0) return before;
  next.version = current.document.version + 1;
  next.updatedAt = now;
  try {
    await writeModel(next, current.etag, [
      catalogEvent('model.updated', 'model', next.modelId, actorOf(principal), facts, {
        before: { version: before.version, ...Object.fromEntries(changed.map((field) => [field, before[field]])) },
        after: { version: next.version, ...Object.fromEntries(changed.map((field) => [field, after[field]])) },
      }),
    ]);
  } catch (error) {
    if (error instanceof DocumentChanged) throw stale();
    throw error;
  }
  return modelView(next);
}

/** Equipment may only be given a model that exists and is active. */
export async function assertAssignableModel(modelId: string): Promise<ModelDocument> {
  const found = await readModel(modelId);
  if (!found) throw badRequest(`There is no model ${modelId}.`, [{ field: 'modelId', message: `no model named ${modelId}` }]);
  if (!found.document.active)
    throw badRequest(`Model ${found.document.modelId} is disabled.`, [{ field: 'modelId', message: 'is disabled; choose an active model' }]);
  return found.document;
}
