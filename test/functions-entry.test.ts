import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../functions/index.js';
import { registeredHttpFunctions, registeredQueueFunctions, registeredTimers } from '../shared/platform/registry.js';

/**
 * Loads the built Functions entry (dist/functions/main.js) the way the Functions worker does: with the
 * worker's `@azure/functions-core` API in place (here one that records what the app registers), so
 * the bundle that is deployed is the one being checked. FUNCTIONS_WORKER_RUNTIME is left out: on Flex
 * Consumption it is platform-managed, so registration must not depend on it.
 */
let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'ems-entry-'));
  // As the Node.js worker provides its core API (azure-functions-nodejs-worker, src/setupCoreModule.ts):
  // not an installed package but an answer of Module.prototype.require, set up before the app loads.
  await writeFile(
    join(workDir, 'worker.cjs'),
    `const Module = require('node:module');
    const coreApi = {
      setProgrammingModel() {},
      // Hosts from 4.28 on give the worker a log function; HTTP streaming (functions/main.ts) needs them.
      log() {},
      registerHook() { return { dispose() {} }; },
      registerFunction(metadata) { process.stdout.write('REGISTERED ' + JSON.stringify(metadata) + '\\n'); return { dispose() {} }; },
    };
    Module.prototype.require = new Proxy(Module.prototype.require, {
      apply(target, thisArg, args) { return args[0] === '@azure/functions-core' ? coreApi : Reflect.apply(target, thisArg, args); },
    });`,
  );
});
afterAll(async () => rm(workDir, { recursive: true, force: true }));

function loadEntry(environment: Record<string, string>, { withWorker = true } = {}) {
  const entry = `file://${resolve('dist/functions/main.js')}`;
  const { FUNCTIONS_WORKER_RUNTIME: _, ...inherited } = process.env;
  const worker = withWorker ? ['--require', join(workDir, 'worker.cjs')] : [];
  return spawnSync(process.execPath, [...worker, '--input-type=module', '-e', `await import(${JSON.stringify(entry)}); console.log('LOADED');`], {
    env: { ...inherited, ...environment },
    encoding: 'utf8',
  });
}

interface Registration {
  name: string;
  bindings: Record<
    string,
    { type: string; direction: string; route?: string; methods?: string[]; schedule?: string; authLevel?: string; queueName?: string; connection?: string }
  >;
}

describe('the deployed Functions entry', () => {
  it('registers every declared function with the host, with its route, methods and schedule', () => {
    const result = loadEntry({});
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('LOADED');
    const registrations = result.stdout
      .split('\n')
      .filter((line) => line.startsWith('REGISTERED '))
      .map((line) => JSON.parse(line.slice('REGISTERED '.length)) as Registration);
    const byName = new Map(registrations.map((registration) => [registration.name, registration]));
    expect([...byName.keys()].sort()).toEqual(
      [
        ...registeredHttpFunctions().map((fn) => fn.declaration.name),
        ...registeredTimers().map((t) => t.name),
        ...registeredQueueFunctions().map((q) => q.name),
      ].sort(),
    );
    for (const declaration of registeredQueueFunctions()) {
      const trigger = Object.values(byName.get(declaration.name)!.bindings).find((binding) => binding.type === 'queueTrigger')!;
      expect(trigger).toMatchObject({ queueName: declaration.queueName, connection: 'AzureWebJobsStorage' });
    }
    for (const declaration of [...registeredHttpFunctions().map((fn) => fn.declaration), ...registeredTimers()]) {
      const outputs = Object.values(byName.get(declaration.name)!.bindings).filter((binding) => binding.type === 'queue' && binding.direction === 'out');
      expect(
        outputs.map((binding) => binding.queueName),
        declaration.name,
      ).toEqual(declaration.queueOutputs ?? []);
    }
    for (const { declaration } of registeredHttpFunctions()) {
      const trigger = Object.values(byName.get(declaration.name)!.bindings).find((binding) => binding.type === 'httpTrigger')!;
      expect(trigger.route).toBe(declaration.route);
      expect(trigger.methods).toEqual(declaration.methods);
      expect(trigger.authLevel).toBe('anonymous');
    }
    for (const timer of registeredTimers()) {
      const trigger = Object.values(byName.get(timer.name)!.bindings).find((binding) => binding.type === 'timerTrigger')!;
      expect(trigger.schedule).toBe(timer.schedule);
    }
  });

  it('registers nothing with @azure/functions outside the worker, whatever FUNCTIONS_WORKER_RUNTIME says', () => {
    const result = loadEntry({ FUNCTIONS_WORKER_RUNTIME: 'node' }, { withWorker: false });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('LOADED');
    expect(result.stdout).not.toContain('REGISTERED');
  });

  it('refuses to load with a bad setting, naming it', () => {
    const result = loadEntry({ SESSION_IDLE_MINUTES: 'forever' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('SESSION_IDLE_MINUTES must be a whole number');
  });
});
