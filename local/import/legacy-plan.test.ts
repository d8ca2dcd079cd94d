import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDump } from './mysql-dump.js';
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
    expect(first).toMatchObject({ labId: 'LAB01', serialNumber: 'SN-1000-A', frequency: 'Daily', periodStart: '2026-10-05', status: 'Completed', late: false, completedBy: { username: 'jdoe', displayName: 'Jane Doe' } });
    expect(first.responses).toEqual([{ taskId: 'T1', done: true }, { taskId: 'T2', done: true }]);
    expect(first.tasks.map((task) => task.text)).toEqual(['Wipe work area and check for debris', 'Check coolant level']);
    const monthly = plan.records.find((record) => record.recordNumber === 'LAB01000004')!;
    expect(monthly.periodStart).toBe('2026-10-01');
    expect(plan.records.find((record) => record.recordNumber === 'LAB01000003')?.status).toBe('Missed');
    expect(plan.users.every((user) => user.passwordHash === null && user.requirePasswordChange)).toBe(true);
    expect(plan.users.find((user) => user.username === 'admin.ops')?.companyRole).toBe('Administrator');
    expect(plan.users.find((user) => user.username === 'kchen')?.status).toBe('Locked');
  });

  it('names the table and line of every row that cannot be imported', () => {
    const broken = fixture.replace("('SN-1222-G','MX-300'", "('SN-1222-G','NO-SUCH-MODEL'").replace("'LAB02000004','SN-1148-E','Weekly','Complete'", "'LAB02000004','SN-1148-E','Fortnightly','Complete'");
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
