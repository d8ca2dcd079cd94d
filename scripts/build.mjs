// Bundles the Functions entry (what Azure loads, package.json "main") and the local host.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const installed = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies });

const shared = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // @azure/functions is CommonJS whose exports Node cannot name from ESM, so it is bundled; the
  // worker provides @azure/functions-core at run time. Every other package is loaded from node_modules.
  external: [...installed.filter((name) => name !== '@azure/functions'), '@azure/functions-core'],
  // Bundled CommonJS calls require(); ESM has none unless it is made.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  sourcemap: true,
  logLevel: 'warning',
};

await Promise.all([
  build({ ...shared, entryPoints: ['functions/main.ts'], outfile: 'dist/functions/main.js' }),
  build({ ...shared, entryPoints: ['local/start.ts'], outfile: 'dist/local/start.js' }),
  build({ ...shared, entryPoints: ['local/bench.ts'], outfile: 'dist/local/bench.js' }),
  build({ ...shared, entryPoints: ['local/import/main.ts'], outfile: 'dist/local/import.js' }),
]);
