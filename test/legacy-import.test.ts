import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerificationPage as Verification } from '../shared/schemas/audit-verification.js';
import type { PmRecord } from '../shared/schemas/records.js';
import { writeLegacyDump } from '../local/import/legacy-dump-writer.js';
import type { Snapshot } from '../local/snapshot.js';
import { startTestProduct } from './helpers/test-product.js';

const fixture = 'test/fixtures/legacy-equipmansys.sql';
let workDir: string;

function importer(dataDir: string, ...args: string[]) {
  return spawnSync(process.execPath, ['dist/local/import.js', ...args], { env: { ...process.env, LOCAL_DATA_DIR: dataDir }, encoding: 'utf8' });
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'ems-import-'));
});
afterAll(async () => rm(workDir, { recursive: true, force: true }));

describe('moving in from the old system', () => {
  it('imports the dump once, changes nothing the second time, and the product then shows the lab’s history', async () => {
    const dataDir = join(workDir, 'moved-in');
    const dry = importer(dataDir, fixture, '--dry-run', '--by', 'it.person');
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Dry run: nothing was written.');
    const first = importer(dataDir, fixture, '--by', 'it.person');
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('records      written:     25');
    const password = /admin\.ops: (\S+)/.exec(first.stdout)?.[1];
    expect(password).toBeTruthy();
    const second = importer(dataDir, fixture, '--by', 'it.person');
    expect(second.status).toBe(0);
    expect(second.stdout.match(/written:\s+(\d+)/g)?.every((line) => line.endsWith(' 0'))).toBe(true);
    expect(second.stdout).not.toContain('Temporary passwords');

    const product = await startTestProduct({ LOCAL_DATA_DIR: dataDir });
    try {
      expect(product.demo).toBeNull();
      const admin = product.client();
      const signedIn = await admin.post<{ user: { mustChangePassword: boolean } }>('/api/auth/login', { username: 'admin.ops', password });
      expect(signedIn.status).toBe(200);
      expect(signedIn.body.user.mustChangePassword).toBe(true);
      expect((await admin.post('/api/auth/password', { currentPassword: password, newPassword: 'a brand new passphrase 42' })).status).toBe(204);
      expect((await admin.get<{ items: { labId: string }[] }>('/api/labs')).body.items.map((lab) => lab.labId)).toEqual(['LAB01', 'LAB02', 'LAB03']);
      const completed = await admin.get<{ items: PmRecord[] }>('/api/labs/LAB01/records?status=Completed');
      expect(completed.body.items.map((record) => record.recordNumber)).toContain('LAB01000001');
      const history = await admin.get<{ records: PmRecord[] }>('/api/labs/LAB01/equipment/SN-1000-A/history');
      expect(history.body.records.find((record) => record.recordNumber === 'LAB01000001')).toMatchObject({
        status: 'Completed',
        completedBy: { username: 'jdoe' },
      });
      // New records continue after the highest imported number.
      const numbers = (await admin.get<{ items: PmRecord[] }>('/api/labs/LAB01/records?pageSize=1000')).body.items.map((record) =>
        Number(record.recordNumber.slice(5)),
      );
      expect(Math.max(...numbers)).toBeGreaterThan(10);
      expect(new Set(numbers).size).toBe(numbers.length);
      const verified = await admin.get<Verification>('/api/audit/verify?labId=LAB01');
      expect(verified.body.firstBroken).toBeNull();
      const legacy = await admin.get<{ items: { action: string; at: string; reason: string; actor: { username: string } }[] }>(
        '/api/audit?entityType=model&pageSize=500',
      );
      expect(legacy.body.items.find((entry) => entry.action === 'legacy.Model Modified')).toMatchObject({
        at: '2025-09-20T11:00:00.000Z',
        reason: 'MX-500 annual task added: Full calibration by service engineer',
        actor: { username: 'admin.ops' },
      });
      const report = await admin.get<{ summary: { frequency: string; completedOnTime: number }[] }>(
        '/api/reports/compliance?labId=LAB01&from=2026-10-01&to=2026-10-31',
      );
      expect(report.body.summary.find((row) => row.frequency === 'Daily')?.completedOnTime).toBe(4);
    } finally {
      await product.cleanup();
    }
  });

  it('moves in a dump of the old UI in use: answers on their tasks, audit events whole, and a second run adds nothing', async () => {
    const dataDir = join(workDir, 'in-use');
    const dump = writeLegacyDump({ labs: 2, machinesPerLab: 6, days: 10, lastDay: '2026-11-20' });
    const file = join(workDir, 'in-use.sql');
    await writeFile(file, dump.sql);
    const documents = async () => {
      const snapshot = JSON.parse(await readFile(join(dataDir, 'cosmos-snapshot.json'), 'utf8')) as Snapshot;
      return Object.fromEntries(snapshot.containers.map((container) => [container.id, container.items.length]));
    };

    const first = importer(dataDir, file, '--by', 'it.person');
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain(
      `Answers tied to their tasks by the task's position in its record's form (PM_Response.id read as PM_form.form_order, as the old web UI stores it): ${[...dump.answeredTasks.values()].flat().length}.`,
    );
    expect(first.stdout).toContain('auditEvents  written:      3');
    expect(first.stdout).toContain('2 active account(s) cannot sign in until an administrator sets a temporary password in Users');
    expect(first.stdout).toMatch(/: tech1, tech2\n/);
    expect(first.stdout).toMatch(/Took \d+\.\d s; peak memory \d+ MiB\./);
    const afterFirst = await documents();

    const second = importer(dataDir, file, '--by', 'it.person');
    expect(second.status, second.stderr).toBe(0);
    const written = [...second.stdout.matchAll(/^ {2}(\w+)\s+written:\s+(\d+)/gm)].map((match) => [match[1], Number(match[2])]);
    expect(written.map(([kind]) => kind)).toEqual(['labs', 'classes', 'models', 'equipment', 'users', 'records', 'responses', 'auditEvents']);
    expect(written.every(([, count]) => count === 0)).toBe(true);
    expect(second.stdout).toContain('Nothing to write');
    expect(await documents()).toEqual(afterFirst);

    const password = /admin\.ops: (\S+)/.exec(first.stdout)![1]!;
    const product = await startTestProduct({ LOCAL_DATA_DIR: dataDir });
    try {
      const admin = product.client();
      expect((await admin.post('/api/auth/login', { username: 'admin.ops', password })).status).toBe(200);
      expect((await admin.post('/api/auth/password', { currentPassword: password, newPassword: 'a brand new passphrase 42' })).status).toBe(204);
      const listed = await admin.get<{ items: PmRecord[] }>('/api/labs/LAB02/records?status=Completed&pageSize=500');
      expect(listed.status, JSON.stringify(listed.body)).toBe(200);
      const completed = listed.body.items;
      expect(completed.length).toBeGreaterThan(0);
      for (const record of completed.filter((candidate) => dump.answeredTasks.has(candidate.recordNumber))) {
        expect(
          record.responses.map((response) => record.tasks.find((task) => task.taskId === response.taskId)?.text),
          record.recordNumber,
        ).toEqual(dump.answeredTasks.get(record.recordNumber));
      }
      const events = await admin.get<{
        items: {
          action: string;
          at: string;
          reason: string;
          entityType: string;
          actor: { username: string; displayName: string };
          after: Record<string, unknown>;
        }[];
      }>('/api/audit?entityType=user&pageSize=500');
      expect(events.body.items.filter((entry) => entry.action.startsWith('legacy.'))).toHaveLength(2);
      expect(events.body.items.find((entry) => entry.action === 'legacy.Account Locked')).toMatchObject({
        at: '2025-10-01T07:59:12.000Z',
        entityType: 'user',
        reason: 'tech1 locked after 3 failed logins',
        actor: { username: 'tech1', displayName: 'Tech Number 1' },
        after: {
          legacyEventId: 2,
          scope: 'User',
          eventType: 'Account Locked',
          initiatedBy: 'tech1',
          initiatedDate: '2025-10-01 07:59:12.000',
          importedBy: 'it.person',
        },
      });
      for (const labId of ['LAB01', 'LAB02']) expect((await admin.get<Verification>(`/api/audit/verify?labId=${labId}`)).body.firstBroken).toBeNull();
    } finally {
      await product.cleanup();
    }
  });

  it('gives every active account a temporary password when asked, each shown once', async () => {
    const dataDir = join(workDir, 'with-passwords');
    const file = join(workDir, 'small-in-use.sql');
    await writeFile(file, writeLegacyDump({ labs: 1, machinesPerLab: 1, days: 1, lastDay: '2026-11-20' }).sql);
    const result = importer(dataDir, file, '--temporary-passwords');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).not.toContain('cannot sign in');
    const password = /^ {2}tech1: (\S+)$/m.exec(result.stdout)?.[1];
    expect(password).toBeTruthy();
    const product = await startTestProduct({ LOCAL_DATA_DIR: dataDir });
    try {
      const signedIn = await product.client().post<{ user: { mustChangePassword: boolean } }>('/api/auth/login', { username: 'tech1', password });
      expect(signedIn.status).toBe(200);
      expect(signedIn.body.user.mustChangePassword).toBe(true);
    } finally {
      await product.cleanup();
    }
  });

  it('says in one line which file is missing', () => {
    const result = importer(join(workDir, 'nowhere'), join(workDir, 'no-such-dump.sql'));
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`There is no file ${join(workDir, 'no-such-dump.sql')}.`);
  });

  it('names the table and line of a broken row and imports nothing', async () => {
    const dataDir = join(workDir, 'broken');
    const broken = (await readFile(fixture, 'utf8')).replace("('SN-1222-G','MX-300'", "('SN-1222-G','NO-SUCH-MODEL'");
    const file = join(workDir, 'broken.sql');
    await writeFile(file, broken);
    const result = importer(dataDir, file);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Nothing was imported');
    expect(result.stderr).toMatch(/EquipByLab line \d+: model "NO-SUCH-MODEL" of SN-1222-G is not in EquipModels/);
    await expect(readFile(join(dataDir, 'cosmos-snapshot.json'), 'utf8')).rejects.toThrow();
  });

  it('refuses a store that already holds the demo company, and says how to start from an empty one', async () => {
    const dataDir = join(workDir, 'demo');
    const demo = await startTestProduct({ LOCAL_DATA_DIR: dataDir });
    await demo.cleanup();
    const result = importer(dataDir, fixture);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('already holds LAB04');
    expect(result.stderr).toContain('LOCAL_DATA_DIR set to a new folder');
  });

  it('imports an equipment list all or nothing, naming exactly the lines that are wrong', async () => {
    const dataDir = join(workDir, 'demo');
    const bad = join(workDir, 'bad.csv');
    await writeFile(
      bad,
      [
        'Serial_Number,Model_ID,Lab_ID,Status',
        'CSV-0001,Form 3B,LAB01,In Service',
        'CSV-0002,No Such Model,LAB01,In Service',
        'CSV-0003,DWX-52DCi,LAB02,Repair onsite',
        'CSV-0004,Form 3B,LAB02,Broken',
        'CSV-0001,Medit T710,LAB02,',
        '"CSV-0005","Programat S2","LAB03",""',
      ].join('\r\n'),
    );
    const refused = importer(dataDir, '--equipment', bad, '--by', 'it.person');
    expect(refused.status).toBe(1);
    const lines = [...refused.stderr.matchAll(/line (\d+):/g)].map((match) => Number(match[1]));
    expect(lines).toEqual([3, 5, 6]);
    expect(refused.stderr).toContain('line 6: serial number CSV-0001 already appears on line 2');

    const good = join(workDir, 'good.csv');
    await writeFile(good, '\uFEFFserial_number,model_id,lab_id\nCSV-0001,Form 3B,LAB01\nCSV-0005,Programat S2,LAB03\n');
    const accepted = importer(dataDir, '--equipment', good, '--by', 'it.person');
    expect(accepted.status, accepted.stderr).toBe(0);
    expect(accepted.stdout).toContain('Registered 2 machines');
    const again = importer(dataDir, '--equipment', good);
    expect(again.stderr).toContain('line 2: serial number CSV-0001 is already registered at LAB01');
  });
});
