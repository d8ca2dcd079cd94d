// Bundles the Functions entry (what Azure loads, package.json "main"), the local host, and the web
// app into static-web/ (what Static Web Apps serves).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { stageApiPackage } from './stage-api-package.mjs';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const installed = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies });

// The commit the bundle is built from, reported at /api/health/version. A build outside a git checkout
// (a source archive) takes BUILD_COMMIT, as CI may set it, or reports none.
function git(...args) {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}
const commit = git('rev-parse', 'HEAD') ?? process.env.BUILD_COMMIT ?? null;
const buildInfo = { version: manifest.version, commit, dirty: commit !== null && Boolean(git('status', '--porcelain')), builtAt: new Date().toISOString() };

const shared = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  // @azure/functions is CommonJS whose exports Node cannot name from ESM, so it is bundled; the
  // worker provides @azure/functions-core at run time. Every other package is loaded from node_modules.
  external: [...installed.filter((name) => name !== '@azure/functions'), '@azure/functions-core'],
  // Bundled CommonJS calls require(); ESM has none unless it is made.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  sourcemap: true,
  logLevel: 'warning',
  define: { EMS_BUILD_INFO: JSON.stringify(buildInfo) },
};

await Promise.all([
  build({ ...shared, entryPoints: ['functions/main.ts'], outfile: 'dist/functions/main.js' }),
  build({ ...shared, entryPoints: ['local/start.ts'], outfile: 'dist/local/start.js' }),
  build({ ...shared, entryPoints: ['local/compaction-worker.ts'], outfile: 'dist/local/compaction-worker.js' }),
  build({ ...shared, entryPoints: ['local/bench.ts'], outfile: 'dist/local/bench.js' }),
  build({ ...shared, entryPoints: ['local/bench/load.ts'], outfile: 'dist/local/bench-load.js' }),
  build({ ...shared, entryPoints: ['local/lighthouse.ts'], outfile: 'dist/local/lighthouse.js' }),
  build({ ...shared, entryPoints: ['local/import/main.ts'], outfile: 'dist/local/import.js' }),
  build({ ...shared, entryPoints: ['local/import/legacy-dump-cli.ts'], outfile: 'dist/local/legacy-dump.js' }),
  build({ ...shared, entryPoints: ['local/load-test.ts'], outfile: 'dist/local/load-test.js' }),
  build({ ...shared, entryPoints: ['local/break-glass.ts'], outfile: 'dist/local/break-glass.js' }),
  build({ ...shared, entryPoints: ['local/validation/main.ts'], outfile: 'dist/local/validation-pack.js' }),
  build({ ...shared, entryPoints: ['local/restore/main.ts'], outfile: 'dist/local/verify-store.js' }),
  build({
    entryPoints: ['static-web/src/main.tsx'],
    outfile: 'static-web/app.js',
    bundle: true,
    platform: 'browser',
    format: 'esm',
    // Evergreen browsers of the last two years: what lab tablets and desktops run.
    target: ['chrome111', 'firefox111', 'safari16.4', 'edge111'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: 'linked',
    logLevel: 'warning',
  }),
]);
stageApiPackage();

// The service worker names its cache after the app it keeps, so a new deployment replaces the old copy.
const appVersion = createHash('sha256').update(readFileSync('static-web/app.js')).update(readFileSync('static-web/styles.css')).digest('hex').slice(0, 16);
await build({
  entryPoints: ['static-web/src/service-worker.ts'],
  outfile: 'static-web/sw.js',
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: ['chrome111', 'firefox111', 'safari16.4', 'edge111'],
  minify: true,
  define: { appVersion: JSON.stringify(appVersion) },
  logLevel: 'warning',
});

// Loaded only by the pages where a password is chosen, for the "not a common password" rule.
copyFileSync('shared/domain/common-passwords.json', 'static-web/common-passwords.json');

const firstLoadBudget = 100 * 1024;
const gzipped = (file) => gzipSync(readFileSync(file)).length;
const javascript = gzipped('static-web/app.js');
console.log(
  `Web app first load: ${(javascript / 1024).toFixed(1)} KB of JavaScript gzipped (budget ${firstLoadBudget / 1024} KB), ${(gzipped('static-web/styles.css') / 1024).toFixed(1)} KB of CSS`,
);
if (javascript > firstLoadBudget) {
  console.error(
    'The web app is over its first-load budget: look for a library pulled in by a value import (zod comes with any value of shared/schemas/ other than vocabulary.ts).',
  );
  process.exit(1);
}
