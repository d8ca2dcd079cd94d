import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeValidationPack, type PackSummary } from '../local/validation/pack.js';
import { currentVersions } from '../local/validation/versions.js';

let outRoot: string;
let pack: PackSummary;

/** A vitest JSON report holding one passed and one failed test: the small mode's stand-in for a full run. */
const smallReport = {
  testResults: [
    {
      name: join(process.cwd(), 'test/sign-in.test.ts'),
      assertionResults: [
        { title: 'signs in case-insensitively on the username and records it', status: 'passed' },
        { title: 'answers an unknown user exactly as a wrong password', status: 'passed' },
        { title: 'answers a disabled account the same to the right and a wrong password', status: 'passed' },
        { title: 'locks at the third failure; the right password then gets 423; a manager unlocks', status: 'failed' },
      ],
    },
    {
      name: join(process.cwd(), 'test/equipment-api.test.ts'),
      assertionResults: [{ title: 'registers ten machines at once in a lab that had none, each once', status: 'failed' }],
    },
  ],
};

beforeAll(async () => {
  outRoot = await mkdtemp(join(tmpdir(), 'ems-pack-'));
  const results = join(outRoot, 'small-results.json');
  await writeFile(results, JSON.stringify(smallReport));
  pack = await makeValidationPack({ results, labId: 'LAB01', outRoot });
}, 300_000);
afterAll(async () => rm(outRoot, { recursive: true, force: true }));

async function filesOf(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

describe('the validation pack', () => {
  it('URS-089 runs every operational scenario against the local product it starts, and passes the installation checks', async () => {
    expect(pack.operation.map((result) => [result.id, result.outcome, result.details.filter((detail) => detail.startsWith('NOT'))])).toEqual(
      ['OQ-01', 'OQ-02', 'OQ-03', 'OQ-04', 'OQ-05', 'OQ-06'].map((id) => [id, 'pass', []]),
    );
    const outcomes = Object.fromEntries(pack.installation.map((result) => [result.id, result.outcome]));
    // A bundle built from uncommitted changes is not a build a pack can name: the version check says so.
    const { installation } = JSON.parse(await readFile(join(pack.dir, 'versions.json'), 'utf8')) as { installation: { dirty: boolean; commit: string } };
    expect(installation.commit).toBe(currentVersions().commit);
    expect(outcomes).toEqual({
      'IQ-01': 'pass',
      'IQ-02': installation.dirty ? 'fail' : 'pass',
      'IQ-03': 'pass',
      'IQ-04': 'pass',
      'IQ-05': 'not applicable',
      'IQ-06': 'pass',
      'IQ-07': 'pass',
    });
    for (const result of [...pack.installation, ...pack.operation]) {
      if (result.outcome !== 'not applicable') expect(result.evidence.length, result.id).toBeGreaterThan(0);
    }
  });

  it('URS-089 lists every file with its SHA-256 in the manifest, and the hashes match', async () => {
    const listed = (await readFile(join(pack.dir, 'manifest.sha256'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => line.split('  ') as [string, string]);
    const files = (await filesOf(pack.dir)).filter((file) => file !== 'manifest.sha256');
    expect(listed.map(([, file]) => file)).toEqual(files);
    for (const [hash, file] of listed)
      expect(
        createHash('sha256')
          .update(await readFile(join(pack.dir, file)))
          .digest('hex'),
        file,
      ).toBe(hash);
    expect(files).toEqual(
      expect.arrayContaining(['report.html', 'report.pdf', 'traceability.json', 'versions.json', 'iq.json', 'oq.json', 'test-results.json']),
    );
    expect((await readFile(join(pack.dir, 'report.pdf'))).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('URS-089 traces each requirement to its outcome and names those without a passing test on the first page', async () => {
    const outcome = (id: string) => pack.requirements.find((requirement) => requirement.id === id)?.outcome;
    expect([outcome('URS-001'), outcome('URS-003'), outcome('URS-021')]).toEqual(['passed', 'failed', 'not run']);
    const html = await readFile(join(pack.dir, 'report.html'), 'utf8');
    const firstPage = html.slice(0, html.indexOf('<h2>Traceability matrix</h2>'));
    expect(firstPage).toContain('<td>URS-003</td>');
    expect(firstPage).toContain('<td>URS-021</td>');
    expect(firstPage).not.toContain('<td>URS-001</td>');
  });

  it('URS-089 names on the first page a failed test that no requirement names, and does not pass', async () => {
    expect(pack.untracedFailures).toEqual([{ file: 'test/equipment-api.test.ts', test: 'registers ten machines at once in a lab that had none, each once' }]);
    const html = await readFile(join(pack.dir, 'report.html'), 'utf8');
    const firstPage = html.slice(0, html.indexOf('<h2>Traceability matrix</h2>'));
    expect(firstPage).toContain('<h2>Other tests that failed in this run</h2>');
    expect(firstPage).toContain('registers ten machines at once in a lab that had none, each once');
    expect(pack.passed).toBe(false);
  });

  it('URS-089 keeps no password, session cookie or CSRF token in its evidence', async () => {
    for (const file of (await filesOf(pack.dir)).filter((name) => name.startsWith('evidence/'))) {
      const text = await readFile(join(pack.dir, file), 'utf8');
      expect(text, file).not.toMatch(/"(password|csrfToken)": "(?!\(withheld\))/);
      expect(text, file).not.toMatch(/"cookie": "(?!\(withheld\))/);
      expect(text, file).not.toContain('Validation-');
    }
  });
});
