import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextDueDate } from '../shared/domain/calibration-rules.js';
import { spawnProduct, type SpawnedProduct } from './helpers/spawned-product.js';

/** The API guide's curl walkthrough (docs/api.md), run as written against a started product (on a free port). */
let workDir: string;
let product: SpawnedProduct;

function walkthrough(readme: string): { password: string; script: string } {
  const password = /DEMO_PASSWORD='([^']+)' npm start/.exec(readme)?.[1];
  const script = /In a second terminal[^\n]*\n\s*```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!password || !script) throw new Error('docs/api.md no longer has the sign-in walkthrough this test runs');
  return { password, script };
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'ems-readme-'));
  const { password } = walkthrough(await readFile('docs/api.md', 'utf8'));
  product = await spawnProduct({ LOCAL_DATA_DIR: join(workDir, 'data'), DEMO_PASSWORD: password });
});

afterAll(async () => {
  product.process.kill('SIGINT');
  await product.exited;
  await rm(workDir, { recursive: true, force: true });
});

describe('README', () => {
  it('says how to install, start and test', async () => {
    const readme = await readFile('README.md', 'utf8');
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
    expect(readme).toContain('http://localhost:4280');
  });

  it('stays short and maps every page of docs/, each of which says first who it is for', async () => {
    const readme = await readFile('README.md', 'utf8');
    expect(readme.split('\n').length).toBeLessThan(150);
    const pages = (await readdir('docs')).filter((name) => name.endsWith('.md'));
    for (const page of pages) {
      expect(readme, page).toContain(`(docs/${page})`);
      const [title, blank, audience] = (await readFile(join('docs', page), 'utf8')).split('\n');
      expect(title, page).toMatch(/^# /);
      expect(blank, page).toBe('');
      expect(audience, page).toMatch(/^\*For /);
    }
  });

  it('links only to files that exist', async () => {
    const documents = ['README.md', ...(await readdir('docs')).filter((name) => name.endsWith('.md')).map((name) => join('docs', name))];
    for (const document of documents) {
      // Inline code such as `[a](b)` is an example, not a link.
      const text = (await readFile(document, 'utf8')).replace(/`[^`\n]*`/g, '');
      for (const [, target] of text.matchAll(/\]\(((?!https?:|mailto:|#)[^)#\s]+)[^)]*\)/g)) {
        await expect(access(resolve(dirname(document), target!)), `${document} → ${target}`).resolves.toBeUndefined();
      }
    }
  });

  it("gives the web app's first load as the build measures it", async () => {
    const measured = gzipSync(await readFile('static-web/app.js')).length / 1024;
    const guide = await readFile('docs/using-the-product.md', 'utf8');
    const stated = [...guide.matchAll(/first load is about (\d+) KB/g)].map(([, kilobytes]) => Number(kilobytes));
    expect(stated.length).toBeGreaterThan(0);
    for (const kilobytes of stated) expect(Math.abs(kilobytes - measured), `stated ${kilobytes} KB, built ${measured.toFixed(1)} KB`).toBeLessThanOrEqual(3);
  });

  it('has a sign-in walkthrough whose curl commands work as written', async () => {
    const { script } = walkthrough(await readFile('docs/api.md', 'utf8'));
    expect(script).toContain('API=http://localhost:4280');
    const output = execFileSync('bash', ['-euo', 'pipefail', '-c', script.replace('API=http://localhost:4280', `API=${product.url}`)], {
      cwd: workDir,
      encoding: 'utf8',
    });
    // The walkthrough calibrates on LAB02's today, as its script computes it.
    const dueIn12Months = nextDueDate(new Date().toLocaleDateString('en-CA', { timeZone: 'America/Chicago' }), { months: 12 });
    const answers = output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const [
      me,
      labs,
      users,
      granted,
      model,
      registered,
      transferred,
      history,
      plan,
      certificate,
      approved,
      calibrated,
      amended,
      quarantined,
      repaired,
      closed,
      report,
      meter,
      reading,
      received,
      requests,
      logout,
    ] = answers;
    expect((me as { user: { username: string } }).user.username).toBe('manager1');
    expect((labs as { items: unknown[] }).items).toHaveLength(2);
    expect((users as { items: { username: string }[] }).items.map((user) => user.username)).toContain('tech1');
    expect((granted as { labAccess: { labId: string }[] }).labAccess.map((access) => access.labId)).toEqual(['LAB01', 'LAB02']);
    expect(model).toMatchObject({ modelId: 'Form 4', version: 1, frequencies: { Daily: { tasks: [{ taskId: 'T1' }, { taskId: 'T2', unit: '°C' }] } } });
    expect(registered).toMatchObject({ serialNumber: 'F4-0001', labId: 'LAB01', status: 'In Service' });
    expect(transferred).toMatchObject({ serialNumber: 'F4-0001', labId: 'LAB02' });
    expect((history as { events: { kind: string }[] }).events.map((event) => event.kind)).toEqual(['registered', 'transfer']);
    expect(plan).toMatchObject({
      serialNumber: 'F4-0001',
      current: { version: 1, points: [{ pointId: 'P1' }] },
      fitness: { state: 'not fit', reasons: ['not yet calibrated'] },
    });
    expect(approved).toMatchObject({
      status: 'Approved',
      result: 'Pass',
      nextDue: dueIn12Months,
      signature: { username: 'manager1' },
      approval: { signature: { username: 'admin', meaning: 'Approved by' } },
    });
    expect(calibrated).toMatchObject({ serialNumber: 'F4-0001', fitness: { state: 'fit', calibrationDue: dueIn12Months } });
    const pdf = Buffer.from('%PDF-1.4\n%%EOF\n');
    expect(certificate).toMatchObject({
      certificateId: '1',
      fileName: 'INT-2026-001.pdf',
      contentType: 'application/pdf',
      size: pdf.length,
      sha256: createHash('sha256').update(pdf).digest('hex'),
    });
    expect((await readFile(join(workDir, 'downloaded.pdf'))).equals(pdf)).toBe(true);
    expect(amended).toMatchObject({
      result: 'Pass',
      points: [{ asFound: { value: 60.2 } }],
      amendments: [{ number: 1, changes: [{ field: 'asFound.P1', before: { value: 60.3 }, after: { value: 60.2 } }], signature: { meaning: 'Amended by' } }],
    });
    expect(quarantined).toMatchObject({
      serialNumber: 'F4-0001',
      status: 'Out of Service',
      fitness: { state: 'not fit', reasons: expect.arrayContaining(['open nonconformity']) },
    });
    expect(repaired).toMatchObject({
      // The demo company's three past failures at LAB02 (its reliability figures) took the first numbers.
      ncNumber: 'LAB02-NC-000004',
      source: 'reported',
      actions: [{ text: 'Heater relay replaced', statusChange: 'Repair onsite' }],
    });
    expect(closed).toMatchObject({ status: 'Closed', closure: { signature: { meaning: 'Closed by', username: 'manager1' } } });
    expect(report).toMatchObject({ labs: [{ labId: 'LAB02', opened: 1, closed: 1, bySource: { reported: 1 } }] });
    expect(meter).toMatchObject({ meterId: 'M1', name: 'Layers printed', unit: 'layers', value: null });
    expect(reading).toMatchObject({ meter: { value: 1250, readings: 1 }, reading: { source: 'api', value: 1250 }, recordsOpened: [] });
    // After the two requests of the demo's past failures at LAB02, both turned into nonconformities.
    expect(received).toMatchObject({ reportNumber: 'LAB02-REQ-000003' });
    expect(requests).toMatchObject({
      items: [
        {
          reportNumber: 'LAB02-REQ-000003',
          serialNumber: 'F4-0001',
          description: 'Resin drips from under the tank',
          reporterName: 'Sam, front desk',
          status: 'New',
        },
      ],
    });
    expect(logout).toEqual({ logoutUrl: null });
  });
});
