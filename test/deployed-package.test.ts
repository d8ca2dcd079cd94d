import { execFileSync, spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * What `azd deploy` ships to the Function App: the project's top-level files less what .funcignore
 * names, with node_modules installed from the lock file with production dependencies only, in a clean
 * folder. A package that is only a dev dependency, or a native binary missing for linux-x64, fails
 * here rather than at the first request in Azure.
 */
let packageDir: string;

function ignoredBy(patterns: string[], name: string): boolean {
  return patterns.some((pattern) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(name));
}

beforeAll(async () => {
  packageDir = await mkdtemp(join(tmpdir(), 'ems-package-'));
  const patterns = (await readFile('.funcignore', 'utf8')).split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  const shipped = (await readdir('.')).filter((name) => name !== 'node_modules' && !ignoredBy(patterns, name));
  for (const name of shipped) await cp(name, join(packageDir, name), { recursive: true });
  execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: packageDir, stdio: 'pipe' });
  // The worker provides @azure/functions-core; this stand-in records what the app registers.
  const core = join(packageDir, 'worker', 'node_modules', '@azure', 'functions-core');
  await mkdir(core, { recursive: true });
  await writeFile(
    // log: what hosts from 4.28 on give the worker, which HTTP streaming (functions/main.ts) needs.
    join(core, 'index.js'),
    `module.exports = { setProgrammingModel() {}, log() {}, registerHook() { return { dispose() {} }; }, registerFunction(metadata) { process.stdout.write('REGISTERED ' + metadata.name + '\\n'); return { dispose() {} }; } };`,
  );
}, 300_000);
afterAll(async () => rm(packageDir, { recursive: true, force: true }));

function runInPackage(script: string) {
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: packageDir,
    env: { ...process.env, FUNCTIONS_WORKER_RUNTIME: 'node', NODE_PATH: join(packageDir, 'worker', 'node_modules') },
    encoding: 'utf8',
  });
}

describe('the deployed package', () => {
  it('ships the built entry and none of the sources, tests or local host scripts', async () => {
    const shipped = await readdir(packageDir);
    expect(shipped).toEqual(expect.arrayContaining(['dist', 'host.json', 'package.json', 'package-lock.json', 'node_modules']));
    for (const name of ['shared', 'functions', 'test', 'local', 'infra', 'static-web', 'tsconfig.json']) expect(shipped).not.toContain(name);
  });

  it('loads dist/functions/main.js with production dependencies only and registers the functions', () => {
    const result = runInPackage("await import('./dist/functions/main.js'); console.log('LOADED');");
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('LOADED');
    expect(result.stdout).toContain('REGISTERED authLogin');
    expect(result.stdout).toContain('REGISTERED generateRecordsOnSchedule');
  });

  it('carries the native Argon2id binding for this platform, and it hashes and verifies', () => {
    const result = runInPackage(
      "const { hash, verify } = await import('@node-rs/argon2'); const stored = await hash('a password', { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 }); console.log(stored.slice(0, 10), await verify(stored, 'a password'), await verify(stored, 'another'));",
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('$argon2id$ true false');
  });
});
