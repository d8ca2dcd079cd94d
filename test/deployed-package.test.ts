import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import ignorePackage, { type Ignore } from 'ignore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import '../functions/index.js';
import { registeredHttpFunctions, registeredQueueFunctions, registeredTimers } from '../shared/platform/registry.js';

/**
 * The package `azd deploy` builds for the API, selected as azd selects it (cli/azd/pkg/project/
 * project_utils.go, service_target_functionapp.go): the folder azure.yaml names (`project`, then
 * `dist`), less what that folder's .funcignore excludes under gitignore rules (a pattern without a
 * slash matches at any depth), `.azure` and `local.settings.json`; without a .funcignore, less
 * node_modules. It is copied to a clean folder, given its production dependencies from its own lock
 * file as the remote build on Flex Consumption does, and loaded under Node 22, what Azure runs, with a
 * stand-in for the worker's `@azure/functions-core` API that records what the app registers.
 */
const azureNode = 'node@22';
const ignoreFile = '.funcignore';
// A CommonJS module whose typings declare an ES default: under NodeNext that default is `.default`.
const ignore = ignorePackage.default;

interface ApiService {
  project: string;
  dist?: string;
  remoteBuild?: boolean;
}

let packageRoot: string;
let shipped: string[];
let remoteBuild: boolean | Error;
let packageDir: string;

function ignoreRules(text: string | undefined): Ignore | undefined {
  return text === undefined ? undefined : ignore().add(text.replace(/^\uFEFF/, ''));
}

async function readIfPresent(path: string): Promise<string | undefined> {
  return existsSync(path) ? readFile(path, 'utf8') : undefined;
}

/** Every file azd puts in the zip, relative to the package root; a shipped node_modules is listed, not walked. */
async function selectFiles(root: string, rules: Ignore | undefined): Promise<string[]> {
  const selected: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const isDir =
        entry.isDirectory() ||
        (entry.isSymbolicLink() &&
          (await readdir(path).then(
            () => true,
            () => false,
          )));
      const name = relative(root, path).split('\\').join('/');
      if (isDir && entry.name === '.azure') continue;
      if (!isDir && (entry.name === ignoreFile || entry.name === 'local.settings.json')) continue;
      if (rules ? rules.ignores(isDir ? `${name}/` : name) : isDir && entry.name === 'node_modules') continue;
      if (isDir && entry.name === 'node_modules') selected.push(`${name}/`);
      else if (isDir) await walk(path);
      else selected.push(name);
    }
  }
  await walk(root);
  return selected;
}

/** azd's resolveFunctionAppRemoteBuild for a JavaScript or TypeScript service on Flex Consumption. */
function resolveRemoteBuild(service: ApiService, projectIgnore: string | undefined): boolean | Error {
  if (projectIgnore === undefined) return service.remoteBuild ?? true;
  const nodeModulesExcluded = ignoreRules(projectIgnore)!.ignores('node_modules/');
  if (service.remoteBuild === undefined) return nodeModulesExcluded;
  if (service.remoteBuild && !nodeModulesExcluded) return new Error(`'remoteBuild: true' requires '${ignoreFile}' to exclude node_modules`);
  if (!service.remoteBuild && nodeModulesExcluded) return new Error(`'remoteBuild: false' cannot be used when '${ignoreFile}' excludes node_modules`);
  return service.remoteBuild;
}

beforeAll(async () => {
  const service = (parse(await readFile('azure.yaml', 'utf8')) as { services: { api: ApiService } }).services.api;
  packageRoot = join(service.project, service.dist ?? '');
  shipped = await selectFiles(packageRoot, ignoreRules(await readIfPresent(join(packageRoot, ignoreFile))));
  remoteBuild = resolveRemoteBuild(service, await readIfPresent(join(service.project, ignoreFile)));

  packageDir = await mkdtemp(join(tmpdir(), 'ems-package-'));
  for (const name of shipped.filter((file) => !file.endsWith('/'))) await cp(join(packageRoot, name), join(packageDir, name));
  if (existsSync(join(packageDir, 'package-lock.json'))) {
    execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: packageDir, stdio: 'pipe', env: childEnvironment() });
  }
  // The worker answers require('@azure/functions-core') itself (azure-functions-nodejs-worker,
  // src/setupCoreModule.ts); this stand-in does the same and records what the app registers.
  await writeFile(
    join(packageDir, '.worker.cjs'),
    // log: what hosts from 4.28 on give the worker, which HTTP streaming (functions/main.ts) needs.
    `const Module = require('node:module');
    const coreApi = { setProgrammingModel() {}, log() {}, registerHook() { return { dispose() {} }; }, registerFunction(metadata) { process.stdout.write('REGISTERED ' + metadata.name + '\\n'); return { dispose() {} }; } };
    Module.prototype.require = new Proxy(Module.prototype.require, { apply(target, thisArg, args) { return args[0] === '@azure/functions-core' ? coreApi : Reflect.apply(target, thisArg, args); } });`,
  );
}, 300_000);
afterAll(async () => {
  if (packageDir) await rm(packageDir, { recursive: true, force: true });
});

/**
 * The environment of a child npm or Node.js: without the worker runtime setting, which registration must
 * not need, and without the npm_* variables of an enclosing `npx -c` (CI runs the suite inside one),
 * which a nested npx would take for its own arguments.
 */
function childEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'FUNCTIONS_WORKER_RUNTIME' && !name.toLowerCase().startsWith('npm_')));
}

/** Runs a module script in the installed package under the Node version Azure runs. */
function runInPackage(script: string) {
  const node = process.versions.node.startsWith(`${azureNode.split('@')[1]}.`) ? [process.execPath] : ['npx', '-y', '-p', azureNode, 'node'];
  return spawnSync(node[0]!, [...node.slice(1), '--require', join(packageDir, '.worker.cjs'), '--input-type=module', '-e', script], {
    cwd: packageDir,
    env: childEnvironment(),
    encoding: 'utf8',
  });
}

describe('the package azd deploys to the Function App', () => {
  it('holds the entry package.json names, host.json and the lock file, and none of the sources, tests or local host', async () => {
    const manifest = JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8')) as { main: string };
    expect(shipped).toEqual(expect.arrayContaining([manifest.main, 'host.json', 'package.json', 'package-lock.json']));
    const sources = shipped.filter((file) => /^(shared|functions|local|test|infra|static-web|scripts)\//.test(file) || file.endsWith('.ts'));
    expect(sources).toEqual([]);
  });

  it("leaves out the deployer's node_modules, so Flex Consumption builds the dependencies remotely, on Linux", () => {
    expect(shipped.filter((file) => file.split('/').includes('node_modules'))).toEqual([]);
    expect(remoteBuild).toBe(true);
  });

  it('gives the remote build nothing but production dependencies to install and no build to run', async () => {
    // The remote build is Oryx: `npm install` with devDependencies, then `npm run build` if there is one.
    const manifest = JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8')) as { devDependencies?: object; scripts?: Record<string, string> };
    expect(manifest.devDependencies).toBeUndefined();
    expect(Object.keys(manifest.scripts ?? {}).filter((name) => name === 'build' || name === 'build:azure')).toEqual([]);
  });

  it('loads under Node 22 with production dependencies only and registers every declared function', () => {
    const result = runInPackage(
      "const { readFileSync } = await import('node:fs'); await import('./' + JSON.parse(readFileSync('package.json', 'utf8')).main); console.log('LOADED ' + process.version);",
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^LOADED v22\./m);
    const registered = result.stdout
      .split('\n')
      .filter((line) => line.startsWith('REGISTERED '))
      .map((line) => line.slice('REGISTERED '.length))
      .sort();
    const declared = [
      ...registeredHttpFunctions().map((fn) => fn.declaration.name),
      ...registeredTimers().map((t) => t.name),
      ...registeredQueueFunctions().map((q) => q.name),
    ].sort();
    expect(declared.length).toBeGreaterThan(0);
    expect(registered).toEqual(declared);
  });

  it('carries the native Argon2id binding for this platform, and it hashes and verifies', () => {
    const result = runInPackage(
      "const { hash, verify } = await import('@node-rs/argon2'); const stored = await hash('a password', { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 }); console.log(stored.slice(0, 10), await verify(stored, 'a password'), await verify(stored, 'another'));",
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('$argon2id$ true false');
  });
});
