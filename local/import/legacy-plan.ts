import type { ModelDocument } from '../../shared/data/catalog-repository.js';
import { classKey, modelKey } from '../../shared/data/catalog-repository.js';
import type { EquipmentDocument } from '../../shared/data/equipment-repository.js';
import { serialKey } from '../../shared/data/equipment-repository.js';
import { recordId, type RecordDocument } from '../../shared/data/records-repository.js';
import { labIdsOf, type UserDocument } from '../../shared/data/users-repository.js';
import type { AuditActor } from '../../shared/domain/audit-chain.js';
import { planTasks } from '../../shared/domain/model-tasks.js';
import { formatDay, parseDay, periodStartOf } from '../../shared/domain/periods.js';
import { frequencies, type Frequency, type TaskInput } from '../../shared/schemas/catalog.js';
import { equipmentStatuses, type EquipmentStatus } from '../../shared/schemas/equipment.js';
import type { CompanyRole, LabRole } from '../../shared/schemas/common.js';
import type { Response } from '../../shared/schemas/records.js';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../shared/domain/audit-chain.js';
import { rowsOf, tableOf, type DumpTable, type SqlValue } from './mysql-dump.js';

/** A row that cannot be imported, where it is in the dump, and why. */
export interface ImportProblem {
  table: string;
  line: number;
  message: string;
}

export interface LegacyAuditEvent {
  /** The event's own id in the dump, or a hash of its row where it has none: the same on every run. */
  legacyId: number | string;
  scope: string;
  eventType: string;
  initiatedBy: string;
  /** Who that was, by name, where the dump's users know them. */
  initiatedByName: string;
  /** The event's time as the dump gives it, and as an instant (null when it has none). */
  initiatedDate: string | null;
  at: string | null;
  details: string;
}

/** How the old system's answers were tied to tasks: by the task's PM_form id, or by its position in the form. */
export interface ResponseMapping {
  by: 'form position' | 'PM_form id' | 'none';
  answers: number;
}

export interface LegacyPlan {
  labs: { labId: string; name: string }[];
  classes: string[];
  models: ModelDocument[];
  equipment: EquipmentDocument[];
  users: UserDocument[];
  records: RecordDocument[];
  auditEvents: LegacyAuditEvent[];
  responseMapping: ResponseMapping;
  problems: ImportProblem[];
}

const legacyStatus: Record<string, RecordDocument['status']> = {
  Complete: 'Completed',
  Completed: 'Completed',
  Created: 'Open',
  Missed: 'Missed',
  Cancelled: 'Cancelled',
};
const frequencyFlags: Record<Frequency, string> = {
  Daily: 'pm_req_daily',
  Weekly: 'pm_req_weekly',
  Monthly: 'pm_req_monthly',
  Quarterly: 'pm_req_quarterly',
  Annual: 'pm_req_annual',
};
const companyRoles = new Set<string>(['Administrator', 'Global Audit']);
const labRoles = new Set<string>(['Manager', 'Local Audit', 'Technician']);

/**
 * The columns the importer reads from each table, in lower case. A table that lacks one is refused:
 * reading it anyway would import empty values where the old system had data.
 */
export const expectedColumns: Record<string, readonly string[]> = {
  Labs: ['labid', 'labname'],
  EquipClass: ['equipment_class'],
  PM_form: ['id', 'model', 'frequency', 'form_order', 'task'],
  EquipModels: [
    'model',
    'manufacturer',
    'equipment_class',
    'pm_req_daily',
    'pm_req_weekly',
    'pm_req_monthly',
    'pm_req_quarterly',
    'pm_req_annual',
    'modelactive',
  ],
  EquipByLab: ['serial_num', 'model', 'created_date', 'labid', 'equipstatus'],
  Users: ['username', 'createddate', 'lastlogindate', 'primarylab', 'firstname', 'lastname', 'userstatus'],
  UsersLabAccess: ['username', 'lab_access', 'access_level'],
  Records: ['record_num', 'serial_num', 'frequency', 'record_status', 'labid', 'createddate', 'completedate', 'completedby', 'due_date_start', 'due_date_end'],
  PM_Response: ['record_num', 'id', 'response'],
  emsAudit: ['eventid', 'scope', 'eventtype', 'initiatedby', 'initiateddate', 'eventdetails'],
};

function unrecognisedTables(tables: Map<string, DumpTable>): ImportProblem[] {
  return Object.entries(expectedColumns).flatMap(([name, expected]) => {
    const table = tableOf(tables, name);
    if (!table || table.rows.length === 0) return [];
    const present = new Set(table.columns.map((column) => column.toLowerCase()));
    const missing = expected.filter((column) => !present.has(column));
    if (missing.length === 0) return [];
    const has = table.columns.length > 0 ? `it has ${table.columns.join(', ')}` : 'the dump names none of its columns (no CREATE TABLE and no column list)';
    return [
      {
        table: table.name,
        line: table.line,
        message: `the table has no column ${missing.join(', ')} (${has}), so its rows cannot be read; nothing of it was guessed`,
      },
    ];
  });
}

const text = (value: SqlValue | undefined): string => (value === null || value === undefined ? '' : String(value)).trim();

/** MySQL DATETIME/DATE values are taken as UTC: the old system kept no time zone. */
function instant(value: SqlValue | undefined): string | null {
  const raw = text(value);
  if (!raw) return null;
  const iso = raw.includes(' ') ? `${raw.replace(' ', 'T')}Z` : `${raw}T00:00:00Z`;
  const time = Date.parse(iso);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

/**
 * Turns the old system's tables into this product's documents, checking every row first: a row that
 * cannot be imported becomes a problem naming its table and line, and the caller imports nothing.
 */
export function planLegacyImport(tables: Map<string, DumpTable>, actor: AuditActor, now: Date): LegacyPlan {
  const problems: ImportProblem[] = unrecognisedTables(tables);
  const problem = (table: string, line: number, message: string) => problems.push({ table, line, message });
  const nowText = now.toISOString();
  if (problems.length > 0)
    return { labs: [], classes: [], models: [], equipment: [], users: [], records: [], auditEvents: [], responseMapping: { by: 'none', answers: 0 }, problems };

  const labs = rowsOf(tables, 'Labs').flatMap(({ row, line }) => {
    const labId = text(row.labid);
    if (!/^[A-Z0-9-]{2,10}$/.test(labId))
      return (problem('Labs', line, `lab id ${JSON.stringify(labId)} is not 2 to 10 capital letters, digits or hyphens`), []);
    return [{ labId, name: text(row.labname) || labId }];
  });
  const labIds = new Set(labs.map((lab) => lab.labId));
  const classes = rowsOf(tables, 'EquipClass')
    .map(({ row }) => text(row.equipment_class))
    .filter(Boolean);
  const classNames = new Map(classes.map((name) => [classKey(name), name]));

  // Tasks per model and frequency, in the old form order; each legacy task id maps to the new one.
  const legacyTasks = new Map<string, Map<Frequency, { legacyId: number; order: number; text: string }[]>>();
  for (const { row, line } of rowsOf(tables, 'PM_form')) {
    const frequency = text(row.frequency) as Frequency;
    if (!frequencies.includes(frequency)) {
      problem('PM_form', line, `frequency ${JSON.stringify(row.frequency)} is not Daily, Weekly, Monthly, Quarterly or Annual`);
      continue;
    }
    const byFrequency = legacyTasks.get(text(row.model)) ?? new Map();
    legacyTasks.set(text(row.model), byFrequency);
    byFrequency.set(frequency, [...(byFrequency.get(frequency) ?? []), { legacyId: Number(row.id), order: Number(row.form_order), text: text(row.task) }]);
  }
  /** Each model's form per frequency: the new task id of every legacy task, by PM_form id and by form position. */
  const forms = new Map<string, Map<Frequency, { legacyId: number; order: number; taskId: string }[]>>();
  const models = rowsOf(tables, 'EquipModels').flatMap(({ row, line }): ModelDocument[] => {
    const modelId = text(row.model);
    const equipmentClass = classNames.get(classKey(text(row.equipment_class)));
    if (!equipmentClass) return (problem('EquipModels', line, `class ${JSON.stringify(row.equipment_class)} of model ${modelId} is not in EquipClass`), []);
    const input: Partial<Record<Frequency, { tasks: TaskInput[] }>> = {};
    const ordered = new Map<Frequency, { legacyId: number; order: number; text: string }[]>();
    for (const frequency of frequencies) {
      if (Number(row[frequencyFlags[frequency]]) !== 1) continue;
      const tasks = [...(legacyTasks.get(modelId)?.get(frequency) ?? [])].sort((a, b) => a.order - b.order);
      input[frequency] = { tasks: tasks.map((task) => ({ text: task.text, kind: 'check' })) };
      ordered.set(frequency, tasks);
    }
    const planned = planTasks(undefined, input, nowText);
    const form = new Map<Frequency, { legacyId: number; order: number; taskId: string }[]>();
    for (const [frequency, tasks] of ordered) {
      const ids = planned.frequencies[frequency]?.tasks.map((task) => task.taskId) ?? [];
      form.set(
        frequency,
        tasks.map((task, index) => ({ legacyId: task.legacyId, order: task.order, taskId: ids[index]! })),
      );
    }
    forms.set(modelId, form);
    return [
      {
        id: modelKey(modelId),
        type: 'model',
        modelKey: modelKey(modelId),
        modelId,
        manufacturer: text(row.manufacturer) || 'Unknown',
        equipmentClass,
        active: Number(row.modelactive) === 1,
        version: 1,
        ...planned,
        createdAt: nowText,
        updatedAt: nowText,
      },
    ];
  });
  const modelsById = new Map(models.map((model) => [model.modelId, model]));

  const equipment = rowsOf(tables, 'EquipByLab').flatMap(({ row, line }): EquipmentDocument[] => {
    const serialNumber = text(row.serial_num);
    const labId = text(row.labid);
    const model = modelsById.get(text(row.model));
    const status = text(row.equipstatus) as EquipmentStatus;
    if (!model) return (problem('EquipByLab', line, `model ${JSON.stringify(row.model)} of ${serialNumber} is not in EquipModels`), []);
    if (!labIds.has(labId)) return (problem('EquipByLab', line, `lab ${JSON.stringify(labId)} of ${serialNumber} is not in Labs`), []);
    if (!equipmentStatuses.includes(status))
      return (problem('EquipByLab', line, `status ${JSON.stringify(row.equipstatus)} of ${serialNumber} is not a known status`), []);
    const since = instant(row.created_date) ?? nowText;
    return [
      {
        id: serialKey(serialNumber),
        type: 'equipment',
        labId,
        serialKey: serialKey(serialNumber),
        serialNumber,
        modelId: model.modelId,
        status,
        createdAt: since,
        inServiceSince: status === 'In Service' ? since : null,
        statusChangedAt: since,
        presence: 'present',
        transfer: null,
        history: [{ at: since, by: actor, kind: 'registered', labId, toStatus: status, toModelId: model.modelId }],
      },
    ];
  });
  const machines = new Map(equipment.map((machine) => [machine.serialKey, machine]));

  const access = new Map<string, { labId: string; role: string; line: number }[]>();
  for (const { row, line } of rowsOf(tables, 'UsersLabAccess')) {
    const username = text(row.username).toLowerCase();
    access.set(username, [...(access.get(username) ?? []), { labId: text(row.lab_access), role: text(row.access_level), line }]);
  }
  const users = rowsOf(tables, 'Users').flatMap(({ row, line }): UserDocument[] => {
    const username = text(row.username).toLowerCase();
    const primaryLabId = text(row.primarylab);
    if (!/^[a-z0-9][a-z0-9._@-]{1,99}$/.test(username)) return (problem('Users', line, `username ${JSON.stringify(row.username)} is not a valid username`), []);
    if (!labIds.has(primaryLabId)) return (problem('Users', line, `primary lab ${JSON.stringify(primaryLabId)} of ${username} is not in Labs`), []);
    const grants = access.get(username) ?? [];
    const companyRole = (grants.find((grant) => companyRoles.has(grant.role))?.role ?? null) as CompanyRole | null;
    const labAccess = grants.flatMap((grant) => {
      if (companyRoles.has(grant.role)) return [];
      if (!labRoles.has(grant.role) || !labIds.has(grant.labId))
        return (problem('UsersLabAccess', grant.line, `access ${grant.role} at ${grant.labId} for ${username} is not a known role and lab`), []);
      return [{ labId: grant.labId, role: grant.role as LabRole }];
    });
    const status = text(row.userstatus);
    return [
      {
        id: username,
        type: 'user',
        username,
        firstName: text(row.firstname),
        lastName: text(row.lastname),
        primaryLabId,
        companyRole,
        labAccess,
        labIds: labIdsOf(primaryLabId, labAccess),
        status: status === 'Locked' || status === 'Disabled' ? status : 'Active',
        authMethod: 'local',
        // Old password hashes are not trusted: an administrator gives each user a temporary password.
        passwordHash: null,
        passwordChangedAt: null,
        requirePasswordChange: true,
        failedLogins: 0,
        lastLoginAt: instant(row.lastlogindate),
        createdAt: instant(row.createddate) ?? nowText,
      },
    ];
  });
  const userNames = new Map(users.map((user) => [user.username, `${user.firstName} ${user.lastName}`.trim() || user.username]));

  const responses = mapResponses(tables, recordForms(tables, machines, forms), problem);
  const seenIds = new Set<string>();
  const records = rowsOf(tables, 'Records').flatMap(({ row, line }): RecordDocument[] => {
    const recordNumber = text(row.record_num);
    const labId = text(row.labid);
    const machine = machines.get(serialKey(text(row.serial_num)));
    const frequency = text(row.frequency) as Frequency;
    const status = legacyStatus[text(row.record_status)];
    const start = text(row.due_date_start);
    const end = text(row.due_date_end) || start;
    if (!recordNumber.startsWith(labId) || !/^\d{6,}$/.test(recordNumber.slice(labId.length)))
      return (problem('Records', line, `record number ${recordNumber} does not start with its lab ${labId} and a number`), []);
    if (!machine) return (problem('Records', line, `equipment ${JSON.stringify(row.serial_num)} of ${recordNumber} is not in EquipByLab`), []);
    if (!frequencies.includes(frequency)) return (problem('Records', line, `frequency ${JSON.stringify(row.frequency)} of ${recordNumber} is not known`), []);
    if (!status) return (problem('Records', line, `status ${JSON.stringify(row.record_status)} of ${recordNumber} is not known`), []);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || !/^\d{4}-\d{2}-\d{2}$/.test(end)) return (problem('Records', line, `${recordNumber} has no due dates`), []);
    const model = modelsById.get(machine.modelId)!;
    const periodStart = formatDay(periodStartOf(frequency, parseDay(start)));
    const dueEnd = new Date((parseDay(end) + 1) * 86_400_000).toISOString();
    const completedAt = instant(row.completedate);
    const completer = text(row.completedby).toLowerCase();
    const effective = status === 'Open' && Date.parse(dueEnd) <= now.getTime() ? 'Missed' : status;
    // The old system could make two records for one period; the second keeps its own id rather than being lost.
    const periodId = recordId(machine.serialKey, frequency, periodStart);
    const id = seenIds.has(periodId) ? `legacy|${recordNumber}` : periodId;
    seenIds.add(id);
    return [
      {
        id,
        type: 'record',
        labId,
        recordNumber,
        serialKey: machine.serialKey,
        serialNumber: machine.serialNumber,
        modelId: model.modelId,
        modelVersion: model.version,
        frequency,
        periodStart,
        dueEnd,
        status: effective,
        late: effective === 'Completed' && completedAt !== null && completedAt > dueEnd,
        tasks: model.frequencies[frequency]?.tasks ?? [],
        responses: responses.byRecord.get(recordNumber) ?? [],
        completedBy: effective === 'Completed' && completer ? { username: completer, displayName: userNames.get(completer) ?? completer } : null,
        completedAt: effective === 'Completed' ? completedAt : null,
        // Completed in the old system, which had no electronic signatures.
        signature: null,
        amendments: [],
        missedAt: effective === 'Missed' ? nowText : null,
        cancelledAt: effective === 'Cancelled' ? nowText : null,
        cancelReason: effective === 'Cancelled' ? 'cancelled in the old system' : null,
        justification: null,
        createdAt: instant(row.createddate) ?? nowText,
      },
    ];
  });

  const auditEvents = rowsOf(tables, 'emsAudit').map(({ row }): LegacyAuditEvent => {
    const initiatedBy = text(row.initiatedby);
    const id = Number(row.eventid);
    return {
      legacyId: text(row.eventid) !== '' && Number.isSafeInteger(id) ? id : `row-sha256:${createHash('sha256').update(canonicalJson(row)).digest('hex')}`,
      scope: text(row.scope),
      eventType: text(row.eventtype),
      initiatedBy,
      initiatedByName: userNames.get(initiatedBy.toLowerCase()) ?? initiatedBy,
      initiatedDate: text(row.initiateddate) || null,
      at: instant(row.initiateddate),
      details: text(row.eventdetails),
    };
  });

  return { labs, classes, models, equipment, users, records, auditEvents, responseMapping: responses.mapping, problems };
}

/** The counts the old system's fixture states, in its own terms. */
export function planCounts(plan: LegacyPlan): Record<string, number> {
  return {
    labs: plan.labs.length,
    models: plan.models.length,
    activeModels: plan.models.filter((model) => model.active).length,
    tasks: plan.models.reduce((sum, model) => sum + frequencies.reduce((inner, frequency) => inner + (model.frequencies[frequency]?.tasks.length ?? 0), 0), 0),
    equipment: plan.equipment.length,
    equipmentInService: plan.equipment.filter((machine) => machine.status === 'In Service').length,
    users: plan.users.length,
    labAccess: plan.users.reduce((sum, user) => sum + user.labAccess.length + (user.companyRole ? 1 : 0), 0),
    records: plan.records.length,
    completedRecords: plan.records.filter((record) => record.status === 'Completed').length,
    responses: plan.records.reduce((sum, record) => sum + record.responses.length, 0),
    auditEvents: plan.auditEvents.length,
  };
}

interface FormTask {
  legacyId: number;
  order: number;
  taskId: string;
}

/** The form each record of the dump was filled on: its machine's model, at the record's frequency. */
function recordForms(
  tables: Map<string, DumpTable>,
  machines: Map<string, EquipmentDocument>,
  forms: Map<string, Map<Frequency, FormTask[]>>,
): Map<string, { form: FormTask[]; modelId: string; frequency: string } | null> {
  const byRecord = new Map<string, { form: FormTask[]; modelId: string; frequency: string } | null>();
  for (const { row } of rowsOf(tables, 'Records')) {
    const machine = machines.get(serialKey(text(row.serial_num)));
    const frequency = text(row.frequency) as Frequency;
    const form = machine ? forms.get(machine.modelId)?.get(frequency) : undefined;
    // A record that cannot be imported is reported on its own line; its answers are not reported again.
    byRecord.set(text(row.record_num), form && machine ? { form, modelId: machine.modelId, frequency } : null);
  }
  return byRecord;
}

/**
 * Ties every answer to its task. The old web UI stores the task's position in the form (its
 * `form_order`) in `PM_Response.id`; other tools that wrote to the same database stored the task's
 * `PM_form` id. One dump is read one way throughout: by position when every answer fits its record's
 * form that way, else by id when every answer fits that way. When neither fits, the answers that do
 * not fit by position are refused, naming their lines.
 */
function mapResponses(
  tables: Map<string, DumpTable>,
  forms: Map<string, { form: FormTask[]; modelId: string; frequency: string } | null>,
  problem: (table: string, line: number, message: string) => void,
): { byRecord: Map<string, Response[]>; mapping: ResponseMapping } {
  const answers = rowsOf(tables, 'PM_Response').flatMap(({ row, line }) => {
    const recordNumber = text(row.record_num);
    const record = forms.get(recordNumber);
    if (record === undefined) return (problem('PM_Response', line, `the answer belongs to record ${recordNumber}, which is not in Records`), []);
    if (record === null) return [];
    return [{ recordNumber, value: Number(row.id), done: Number(row.response) === 1, line, record }];
  });
  const byPosition = (answer: (typeof answers)[number]) => answer.record.form.find((task) => task.order === answer.value);
  const byId = (answer: (typeof answers)[number]) => answer.record.form.find((task) => task.legacyId === answer.value);
  const reading = answers.every(byPosition) ? byPosition : answers.every(byId) ? byId : undefined;
  if (!reading) {
    for (const answer of answers.filter((candidate) => !byPosition(candidate))) {
      const positions = answer.record.form.map((task) => task.order).join(', ');
      problem(
        'PM_Response',
        answer.line,
        `the answer for record ${answer.recordNumber} is for task ${JSON.stringify(answer.value)}, but the ${answer.record.modelId} ${answer.record.frequency} form has tasks at positions ${positions || 'none'} only`,
      );
    }
    return { byRecord: new Map(), mapping: { by: 'none', answers: 0 } };
  }
  const byRecord = new Map<string, Map<string, Response & { order: number }>>();
  for (const answer of answers) {
    const task = reading(answer)!;
    const given = byRecord.get(answer.recordNumber) ?? new Map<string, Response & { order: number }>();
    byRecord.set(answer.recordNumber, given);
    // An answer given twice for one task (a form sent again) keeps the later one, as the old UI showed.
    given.set(task.taskId, { taskId: task.taskId, done: answer.done, order: task.order });
  }
  const inFormOrder = new Map(
    [...byRecord].map(([recordNumber, given]) => [
      recordNumber,
      [...given.values()].sort((a, b) => a.order - b.order).map(({ taskId, done }) => ({ taskId, done })),
    ]),
  );
  return {
    byRecord: inFormOrder,
    mapping: { by: answers.length === 0 ? 'none' : reading === byPosition ? 'form position' : 'PM_form id', answers: answers.length },
  };
}
