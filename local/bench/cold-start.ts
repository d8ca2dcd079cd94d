import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { median } from './timing.js';

const run = promisify(execFile);

/** What every instance of the function app may load: the runtime dependencies in package.json. */
const runtimeDependencies = [
  '@azure/cosmos',
  '@azure/functions',
  '@azure/identity',
  '@azure/keyvault-secrets',
  '@azure/msal-node',
  '@azure/storage-blob',
  'applicationinsights',
  'jose',
  'zod',
];

/** A fresh Node process imports the modules and prints how long that took, in milliseconds. */
async function freshImport(specifiers: string[]): Promise<number> {
  const script = `const started = performance.now(); await Promise.all(${JSON.stringify(specifiers)}.map((specifier) => import(specifier))); console.log(performance.now() - started);`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd() });
  // The last line: the Functions library says "HTTP streaming enabled." as the entry loads.
  return Number(stdout.trim().split('\n').at(-1));
}

export interface ColdStartFigures {
  entry: number;
  allDependencies: number;
  ratio: number;
}

/**
 * The built function entry (dist/functions/main.js, what Azure loads on a cold start) against all
 * runtime dependencies, each in a fresh process, alternated so that both see the same machine.
 */
export async function measureColdStart(runs: number): Promise<ColdStartFigures> {
  const entry = fileURLToPath(new URL('../functions/main.js', import.meta.url));
  const entryTimes: number[] = [];
  const dependencyTimes: number[] = [];
  for (let index = 0; index < runs; index++) {
    entryTimes.push(await freshImport([entry]));
    dependencyTimes.push(await freshImport(runtimeDependencies));
  }
  const figures = { entry: median(entryTimes), allDependencies: median(dependencyTimes) };
  return { ...figures, ratio: figures.entry / figures.allDependencies };
}
