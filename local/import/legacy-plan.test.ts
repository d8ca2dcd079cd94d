import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDump, rowsOf } from './mysql-dump.js';
import { writeLegacyDump } from './legacy-dump-writer.js';
import { planCounts, planLegacyImport } from './legacy-plan.js';

const actor = { username: 'it.person', displayName: 'it.person (import)' };
const now = new Date('2026-11-23T10:00:00Z');
const fixture = readFileSync('test/fixtures/legacy-equipmansys.sql', 'utf8');

describe('planning an import from the old system', () => {
  it('gives exactly the counts the fixture states', () => {
    const plan = planLegacyImport(parseDump(fixture), actor, now);
    expect(plan.problems).toEqual([]);
    expect(planCounts(plan)).toEqual(JSON.parse(readFileSync('test/fixtures/legacy-equipmansys.counts.json', 'utf8')));
  });

  it('keeps record numbers, maps responses to the new task ids, and trusts no old password', () => {
    const plan = planLegacyImport(parseDump(fixture), actor, now);
    const first = plan.records.find((record) => record.recordNumber === 'LAB01000001')!;
    expect(first).toMatchObject({
      labId: 'LAB01',
      serialNumber: 'SN-1000-A',
      frequency: 'Daily',
      periodStart: '2026-10-05',
      status: 'Completed',
      late: false,
      completedBy: { username: 'jdoe', displayName: 'Jane Doe' },
    });
    expect(first.responses).toEqual([
      { taskId: 'T1', done: true },
      { taskId: 'T2', done: true },
    ]);
    expect(first.tasks.map((task) => task.text)).toEqual(['Wipe work area and check for debris', 'Check coolant level']);
    const monthly = plan.records.find((record) => record.recordNumber === 'LAB01000004')!;
    expect(monthly.periodStart).toBe('2026-10-01');
    expect(plan.records.find((record) => record.recordNumber === 'LAB01000003')?.status).toBe('Missed');
    expect(plan.users.every((user) => user.passwordHash === null && user.requirePasswordChange)).toBe(true);
    expect(plan.users.find((user) => user.username === 'admin.ops')?.companyRole).toBe('Administrator');
    expect(plan.users.find((user) => user.username === 'kchen')?.status).toBe('Locked');
  });

  it('names the table and line of every row that cannot be imported', () => {
    const broken = fixture
      .replace("('SN-1222-G','MX-300'", "('SN-1222-G','NO-SUCH-MODEL'")
      .replace("'LAB02000004','SN-1148-E','Weekly','Complete'", "'LAB02000004','SN-1148-E','Fortnightly','Complete'");
    const plan = planLegacyImport(parseDump(broken), actor, now);
    const lineOf = (needle: string) => broken.slice(0, broken.indexOf(needle)).split('\n').length;
    expect(plan.problems).toEqual(
      expect.arrayContaining([
        { table: 'EquipByLab', line: lineOf("('SN-1222-G'"), message: 'model "NO-SUCH-MODEL" of SN-1222-G is not in EquipModels' },
        { table: 'Records', line: lineOf("'LAB02000004'"), message: 'frequency "Fortnightly" of LAB02000004 is not known' },
      ]),
    );
  });
});

/** The task texts an answer row names in the dump, read the way the dump's writer meant them. */
function answeredTexts(dump: string, reading: 'position' | 'id'): Map<string, string[]> {
  const tables = parseDump(dump);
  const form = rowsOf(tables, 'PM_form').map(({ row }) => row);
  const modelOf = new Map(rowsOf(tables, 'EquipByLab').map(({ row }) => [row.serial_num, row.model]));
  const records = new Map(rowsOf(tables, 'Records').map(({ row }) => [row.record_num, row]));
  const texts = new Map<string, string[]>();
  for (const { row } of rowsOf(tables, 'PM_Response')) {
    const record = records.get(row.record_num)!;
    const task = form.find((candidate) =>
      reading === 'id'
        ? candidate.id === row.id
        : candidate.model === modelOf.get(record.serial_num) && candidate.frequency === record.frequency && candidate.form_order === row.id,
    );
    texts.set(String(row.record_num), [...(texts.get(String(row.record_num)) ?? []), String(task!.task)]);
  }
  return texts;
}

function importedTexts(plan: ReturnType<typeof planLegacyImport>): Map<string, string[]> {
  return new Map(
    plan.records
      .filter((record) => record.status === 'Completed')
      .map((record) => [record.recordNumber, record.responses.map((response) => record.tasks.find((task) => task.taskId === response.taskId)!.text)]),
  );
}

describe('answers of the old system on their own tasks', () => {
  it('reads a dump of the old web UI in use by form position: every answer lands on the task it was given for', () => {
    const dump = writeLegacyDump({ labs: 2, machinesPerLab: 6, days: 12, lastDay: '2026-11-20' });
    const plan = planLegacyImport(parseDump(dump.sql), actor, now);
    expect(plan.problems).toEqual([]);
    expect(plan.responseMapping).toEqual({ by: 'form position', answers: [...dump.answeredTasks.values()].flat().length });
    expect(importedTexts(plan)).toEqual(dump.answeredTasks);
    expect(importedTexts(plan)).toEqual(answeredTexts(dump.sql, 'position'));
    // Read as PM_form ids, the same answers would name other tasks, most of them another model's.
    const asIds = answeredTexts(dump.sql, 'id');
    const misread = [...dump.answeredTasks].filter(([recordNumber, texts]) => JSON.stringify(asIds.get(recordNumber)) !== JSON.stringify(texts));
    expect(misread.length).toBeGreaterThan(dump.answeredTasks.size / 2);
  });

  it('reads the shared fixture, whose answers name PM_form ids, by id', () => {
    const plan = planLegacyImport(parseDump(fixture), actor, now);
    expect(plan.responseMapping).toEqual({ by: 'PM_form id', answers: 40 });
    const expected = answeredTexts(fixture, 'id');
    for (const [recordNumber, texts] of importedTexts(plan)) expect(texts, recordNumber).toEqual(expected.get(recordNumber) ?? []);
  });

  it('refuses an answer whose position has no task in its record’s form, naming its line', () => {
    const dump = writeLegacyDump({ labs: 1, machinesPerLab: 3, days: 3, lastDay: '2026-11-20' }).sql;
    const firstAnswer = /^INSERT INTO `PM_Response` VALUES \((\d+),'(\w+)',1,/m.exec(dump)!;
    const broken = dump.replace(firstAnswer[0], `INSERT INTO \`PM_Response\` VALUES (${firstAnswer[1]},'${firstAnswer[2]}',9,`);
    const plan = planLegacyImport(parseDump(broken), actor, now);
    const line = broken.slice(0, broken.indexOf(`VALUES (${firstAnswer[1]},'${firstAnswer[2]}',9,`)).split('\n').length;
    expect(plan.problems).toEqual([
      {
        table: 'PM_Response',
        line,
        message: `the answer for record ${firstAnswer[2]} is for task 9, but the Alpha Mill Daily form has tasks at positions 1, 2, 3 only`,
      },
    ]);
  });

  it('refuses an answer for a record the dump does not hold', () => {
    const broken = fixture.replace("(40,'LAB03000008',25,1,", "(40,'LAB09000001',25,1,");
    const plan = planLegacyImport(parseDump(broken), actor, now);
    expect(plan.problems).toEqual([
      expect.objectContaining({ table: 'PM_Response', message: 'the answer belongs to record LAB09000001, which is not in Records' }),
    ]);
  });
});

describe('the old audit trail', () => {
  it('keeps every field of an event whose columns arrive in lower case', () => {
    const dump = writeLegacyDump({ labs: 1, machinesPerLab: 1, days: 1, lastDay: '2026-11-20' });
    const plan = planLegacyImport(parseDump(dump.sql), actor, now);
    expect(plan.auditEvents).toContainEqual({
      legacyId: 2,
      scope: 'User',
      eventType: 'Account Locked',
      initiatedBy: 'tech1',
      initiatedByName: 'Tech Number 1',
      initiatedDate: '2025-10-01 07:59:12.000',
      at: '2025-10-01T07:59:12.000Z',
      details: 'tech1 locked after 3 failed logins',
    });
  });

  it('gives an event without an id the same id from its row on every run', () => {
    const withoutIds = fixture.replace(/\((\d),'(User|Equipment|Model)',/g, "(NULL,'$2',");
    const first = planLegacyImport(parseDump(withoutIds), actor, now).auditEvents.map((event) => event.legacyId);
    const second = planLegacyImport(parseDump(withoutIds), actor, new Date()).auditEvents.map((event) => event.legacyId);
    expect(first).toEqual(second);
    expect(new Set(first).size).toBe(4);
    expect(first.every((id) => typeof id === 'string' && id.startsWith('row-sha256:'))).toBe(true);
  });

  it('refuses a table whose columns it does not recognise instead of importing empty values', () => {
    const renamed = fixture.replace('InitiatedBy varchar(100)', 'Author varchar(100)');
    const plan = planLegacyImport(parseDump(renamed), actor, now);
    expect(plan.problems).toEqual([
      {
        table: 'emsAudit',
        line: renamed.slice(0, renamed.indexOf('CREATE TABLE IF NOT EXISTS emsAudit')).split('\n').length,
        message: expect.stringMatching(/^the table has no column initiatedby \(it has eventID, Scope, EventType, Author, InitiatedDate, EventDetails\)/),
      },
    ]);
    expect(plan.records).toEqual([]);
  });
});
