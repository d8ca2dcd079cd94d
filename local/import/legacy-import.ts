import { randomBytes } from 'node:crypto';
import { hashPassword } from '../../shared/auth/passwords.js';
import { writeWithAudit, type ChainOwner } from '../../shared/data/audited-write.js';
import { createEquipmentClass, readEquipmentClass, readModel, writeModel, classDocumentId, classKey } from '../../shared/data/catalog-repository.js';
import { container } from '../../shared/data/cosmos.js';
import { DocumentExists } from '../../shared/data/errors.js';
import { claimSerial, readEquipment, readSerialClaim, saveEquipment } from '../../shared/data/equipment-repository.js';
import { createLab, listLabs, readLab } from '../../shared/data/labs-repository.js';
import { emptyCounter, readCounter, writeRecords, type RecordDocument } from '../../shared/data/records-repository.js';
import { createUser, readUser } from '../../shared/data/users-repository.js';
import type { AuditActor, AuditEvent } from '../../shared/domain/audit-chain.js';
import { contentHash } from '../../shared/domain/record-hash.js';
import type { LegacyPlan } from './legacy-plan.js';

/** The owner of the chain that holds the old system's audit events, and the mark of an imported store. */
interface LegacyChain extends ChainOwner {
  id: typeof legacyId;
  type: 'legacy-import';
  labId: typeof legacyId;
  importedAt: string;
  importedBy: string;
}

const legacyId = '~legacy';
const recordsPerBatch = 98;

export class ImportRefused extends Error {}

export type ImportKind = 'labs' | 'classes' | 'models' | 'equipment' | 'users' | 'records' | 'responses' | 'auditEvents';

export interface ImportSummary {
  written: Record<ImportKind, number>;
  unchanged: Record<ImportKind, number>;
  /** Temporary passwords given in this run, shown once: their owners choose their own at first sign-in. */
  temporaryPasswords: { username: string; password: string }[];
  /** Active accounts written in this run that cannot sign in until an administrator sets them a password. */
  withoutPassword: string[];
}

export interface ImportOptions {
  dryRun: boolean;
  /** Give every active account written a temporary password, not only the administrators. */
  temporaryPasswords?: boolean;
  now?: Date;
}

/** Whether this store received data from the old system (then `npm start` seeds no demo company). */
export async function holdsImportedData(): Promise<boolean> {
  const { resource } = await (await container('labs')).item(legacyId, legacyId).read<LegacyChain>();
  return resource?.type === 'legacy-import';
}

function event(
  action: string,
  entityType: string,
  entityId: string,
  labIds: string[],
  actor: AuditActor | null,
  at: string,
  extra: Partial<AuditEvent> = {},
): AuditEvent {
  return { action, entityType, entityId, labIds, actor, at, reason: 'imported from the old system', ...extra };
}

function zero(): Record<ImportKind, number> {
  return { labs: 0, classes: 0, models: 0, equipment: 0, users: 0, records: 0, responses: 0, auditEvents: 0 };
}

/**
 * Writes what the plan holds and the store lacks, so a second run changes nothing. Moving in happens
 * once, into an empty store: one that holds other labs (the demo company, say) is refused. Everything
 * is audited as the work of `actor`, the person running the import.
 */
export async function applyLegacyImport(plan: LegacyPlan, actor: AuditActor, options: ImportOptions): Promise<ImportSummary> {
  if (plan.problems.length > 0) {
    throw new ImportRefused(
      `Nothing was imported: ${plan.problems.length} row(s) cannot be imported:\n${plan.problems.map((problem) => `  ${problem.table} line ${problem.line}: ${problem.message}`).join('\n')}`,
    );
  }
  const foreign = (await listLabs()).map((lab) => lab.labId).filter((labId) => !plan.labs.some((lab) => lab.labId === labId));
  if (foreign.length > 0) {
    throw new ImportRefused(
      `Nothing was imported: this store already holds ${foreign.join(', ')}, which the dump does not (the demo company?). ` +
        'Moving in starts from an empty store: run the import with LOCAL_DATA_DIR set to a new folder (or remove the old one), then start with the same LOCAL_DATA_DIR.',
    );
  }
  const now = (options.now ?? new Date()).toISOString();
  const summary: ImportSummary = { written: zero(), unchanged: zero(), temporaryPasswords: [], withoutPassword: [] };
  const note = (kind: ImportKind, write: boolean) => (summary[write ? 'written' : 'unchanged'][kind] += 1);
  const dry = options.dryRun;

  // The mark comes first, so a store left half-imported by a crash is never seeded with demo data.
  const chain = await (await container('labs')).item(legacyId, legacyId).read<LegacyChain>();
  if (!chain.resource && !dry) {
    await writeWithAudit<LegacyChain>({
      container: 'labs',
      partition: ['labId', legacyId],
      owner: { id: legacyId, type: 'legacy-import', labId: legacyId, importedAt: now, importedBy: actor.username },
      ownerEtag: undefined,
      events: [
        event(
          'import.started',
          'import',
          legacyId,
          plan.labs.map((lab) => lab.labId),
          actor,
          now,
        ),
      ],
    });
  }

  for (const lab of plan.labs) {
    const missing = !(await readLab(lab.labId));
    if (missing && !dry) {
      const document = { id: lab.labId, type: 'lab' as const, labId: lab.labId, name: lab.name, timeZone: 'UTC', active: true, createdAt: now };
      await createLab(document, [
        event('lab.imported', 'lab', lab.labId, [lab.labId], actor, now, { after: { labId: lab.labId, name: lab.name, timeZone: 'UTC', active: true } }),
      ]);
    }
    note('labs', missing);
  }
  for (const name of plan.classes) {
    const missing = !(await readEquipmentClass(name));
    if (missing && !dry) {
      await createEquipmentClass({ id: classDocumentId(name), type: 'equipment-class', key: classKey(name), name, createdAt: now }, [
        event('equipment-class.imported', 'equipment-class', name, [], actor, now),
      ]);
    }
    note('classes', missing);
  }
  for (const model of plan.models) {
    const missing = !(await readModel(model.modelId));
    if (missing && !dry)
      await writeModel(model, undefined, [
        event('model.imported', 'model', model.modelId, [], actor, now, { after: { modelId: model.modelId, active: model.active } }),
      ]);
    note('models', missing);
  }
  for (const machine of plan.equipment) {
    const missing = !(await readEquipment(machine.labId, machine.serialNumber));
    if (missing && !dry) {
      try {
        await claimSerial(machine.serialNumber, machine.labId, machine.createdAt);
      } catch (error) {
        if (!(error instanceof DocumentExists) || (await readSerialClaim(machine.serialNumber))?.document.labId !== machine.labId) throw error;
      }
      await saveEquipment(machine, undefined, [
        event('equipment.imported', 'equipment', machine.serialNumber, [machine.labId], actor, now, {
          after: { labId: machine.labId, modelId: machine.modelId, status: machine.status },
        }),
      ]);
    }
    note('equipment', missing);
  }
  for (const user of plan.users) {
    const missing = !(await readUser(user.username));
    const active = user.status === 'Active';
    if (missing && active && user.companyRole !== 'Administrator' && !options.temporaryPasswords) summary.withoutPassword.push(user.username);
    if (missing && !dry) {
      let passwordHash: string | null = null;
      if (active && (user.companyRole === 'Administrator' || options.temporaryPasswords)) {
        const password = randomBytes(15).toString('base64url');
        passwordHash = await hashPassword(password);
        summary.temporaryPasswords.push({ username: user.username, password });
      }
      await createUser({ ...user, passwordHash }, [
        event('user.imported', 'user', user.username, user.labIds, actor, now, {
          after: { status: user.status, companyRole: user.companyRole, labAccess: user.labAccess },
        }),
      ]);
    }
    note('users', missing);
  }
  for (const lab of plan.labs)
    await importRecords(
      lab.labId,
      plan.records.filter((record) => record.labId === lab.labId),
      actor,
      now,
      dry,
      note,
    );
  await importAuditEvents(plan, actor, now, dry, note);
  return summary;
}

async function importRecords(
  labId: string,
  records: readonly RecordDocument[],
  actor: AuditActor,
  now: string,
  dry: boolean,
  note: (kind: ImportKind, write: boolean) => void,
): Promise<void> {
  const { resources } = await (
    await container('records')
  ).items
    .query<{
      recordNumber: string;
    }>(
      { query: "SELECT c.recordNumber FROM c WHERE c.labId = @labId AND c.type = 'record'", parameters: [{ name: '@labId', value: labId }] },
      { partitionKey: labId },
    )
    .fetchAll();
  const present = new Set(resources.map((record) => record.recordNumber));
  const missing = records.filter((record) => !present.has(record.recordNumber));
  for (const record of records) {
    note('records', !present.has(record.recordNumber));
    record.responses.forEach(() => note('responses', !present.has(record.recordNumber)));
  }
  if (dry || missing.length === 0) return;
  const highest = Math.max(...records.map((record) => Number(record.recordNumber.slice(labId.length))));
  let counter = await readCounter(labId);
  for (let start = 0; start < missing.length; start += recordsPerBatch) {
    const batch = missing.slice(start, start + recordsPerBatch);
    const current = counter?.document ?? emptyCounter(labId);
    // New numbers continue after the highest imported one; the generator starts from today, not from the old system's last day.
    const next = { ...current, lastNumber: Math.max(current.lastNumber, highest), generatedThrough: current.generatedThrough ?? now.slice(0, 10) };
    const written = await writeRecords(
      next,
      counter?.etag,
      batch.map((document) => ({ document, etag: undefined })),
      [
        event('records.imported', 'records', labId, [labId], actor, now, {
          after: { imported: batch.length, records: batch.map((record) => [record.recordNumber, contentHash(record)]) },
        }),
      ],
    );
    counter = { document: written.counter, etag: written.counterEtag };
  }
}

async function importAuditEvents(
  plan: LegacyPlan,
  actor: AuditActor,
  now: string,
  dry: boolean,
  note: (kind: ImportKind, write: boolean) => void,
): Promise<void> {
  const labs = await container('labs');
  const { resources } = await labs.items
    .query<{
      legacyEventId?: number | string;
    }>(
      { query: "SELECT c.after.legacyEventId FROM c WHERE c.labId = @legacy AND c.type = 'audit'", parameters: [{ name: '@legacy', value: legacyId }] },
      { partitionKey: legacyId },
    )
    .fetchAll();
  const present = new Set(resources.map((entry) => entry.legacyEventId).filter((id) => id !== undefined && id !== null));
  const missing = plan.auditEvents.filter((legacy) => !present.has(legacy.legacyId));
  plan.auditEvents.forEach((legacy) => note('auditEvents', !present.has(legacy.legacyId)));
  if (dry || missing.length === 0) return;
  for (let start = 0; start < missing.length; start += recordsPerBatch) {
    const { resource, etag } = await labs.item(legacyId, legacyId).read<LegacyChain>();
    // Old events keep their own time, author and words, and every field of their row; that they were
    // imported, and by whom, is stated beside them. The legacy id is what a second run recognises.
    const events = missing.slice(start, start + recordsPerBatch).map((legacy) =>
      event(
        `legacy.${legacy.eventType || 'event'}`,
        (legacy.scope || 'legacy').toLowerCase(),
        '',
        [],
        legacy.initiatedBy ? { username: legacy.initiatedBy, displayName: legacy.initiatedByName } : null,
        legacy.at ?? now,
        {
          reason: legacy.details,
          after: {
            imported: true,
            importedBy: actor.username,
            legacyEventId: legacy.legacyId,
            scope: legacy.scope,
            eventType: legacy.eventType,
            initiatedBy: legacy.initiatedBy,
            initiatedDate: legacy.initiatedDate,
            eventDetails: legacy.details,
          },
        },
      ),
    );
    await writeWithAudit<LegacyChain>({ container: 'labs', partition: ['labId', legacyId], owner: resource!, ownerEtag: etag, events });
  }
}
