import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { ConfigurationError } from '../../shared/platform/config.js';
import { openLocalData } from '../product.js';
import { checkEquipmentCsv, importEquipment } from './equipment-csv.js';
import { applyLegacyImport, ImportRefused, type ImportSummary } from './legacy-import.js';
import { planCounts, planLegacyImport } from './legacy-plan.js';
import { DumpError, parseDump } from './mysql-dump.js';

const usage = 'Usage: npm run import -- <dump.sql> [--dry-run] [--by <name>], or npm run import -- --equipment <file.csv> [--dry-run] [--by <name>]';

function parseArguments(argv: string[]): { file: string; equipment: boolean; dryRun: boolean; by: string } {
  let file: string | undefined;
  let equipment = false;
  let dryRun = false;
  let by = userInfo().username;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    if (argument === '--dry-run') dryRun = true;
    else if (argument === '--equipment') equipment = true;
    else if (argument === '--by') by = argv[++index] ?? '';
    else if (argument.startsWith('--')) throw new ImportRefused(`Unknown option ${argument}. ${usage}`);
    else file = argument;
  }
  if (!file) throw new ImportRefused(usage);
  if (!by) throw new ImportRefused(`--by needs a name. ${usage}`);
  return { file, equipment, dryRun, by };
}

function printSummary(summary: ImportSummary, dryRun: boolean): void {
  const verb = dryRun ? 'would write' : 'written';
  for (const kind of Object.keys(summary.written) as (keyof ImportSummary['written'])[]) {
    console.log(`  ${kind.padEnd(12)} ${verb}: ${String(summary.written[kind]).padStart(6)}   already there: ${String(summary.unchanged[kind]).padStart(6)}`);
  }
  if (summary.temporaryPasswords.length > 0) {
    console.log('Temporary passwords of the imported administrators (shown once; they choose their own at first sign-in):');
    for (const { username, password } of summary.temporaryPasswords) console.log(`  ${username}: ${password}`);
    console.log('Everyone else gets a temporary password from an administrator.');
  }
}

/** `npm run import`: moves the old system's data into the store the configuration names. */
/** An equipment list from a spreadsheet: all of it, or nothing when any row is wrong. */
async function importEquipmentList(file: string, dryRun: boolean, by: string): Promise<void> {
  const data = await openLocalData(() => undefined);
  try {
    const { rows, problems } = await checkEquipmentCsv(await readFile(file, 'utf8'));
    if (problems.length > 0) {
      throw new ImportRefused(`Nothing was imported: ${problems.length} problem(s) in ${file}:\n${problems.map((problem) => `  line ${problem.line}: ${problem.message}`).join('\n')}`);
    }
    if (dryRun) {
      console.log(`Dry run: ${rows.length} machines would be registered; nothing was written.`);
      return;
    }
    const count = await importEquipment(rows, { username: by, displayName: `${by} (import)` });
    await data.save();
    console.log(`Registered ${count} machines from ${file} as the work of ${by}.`);
  } finally {
    await data.close();
  }
}

async function main(): Promise<void> {
  const { file, equipment, dryRun, by } = parseArguments(process.argv.slice(2));
  if (equipment) return importEquipmentList(file, dryRun, by);
  const tables = parseDump(await readFile(file, 'utf8'));
  const actor = { username: by, displayName: `${by} (import)` };
  const plan = planLegacyImport(tables, actor, new Date());
  console.log(`Read ${file}: ${Object.entries(planCounts(plan)).map(([kind, count]) => `${count} ${kind}`).join(', ')}`);
  const data = await openLocalData(() => undefined);
  try {
    const summary = await applyLegacyImport(plan, actor, { dryRun });
    if (!dryRun) await data.save();
    console.log(dryRun ? 'Dry run: nothing was written.' : `Imported into ${data.dataDir} as the work of ${by}:`);
    printSummary(summary, dryRun);
  } finally {
    await data.close();
  }
}

main().catch((error: unknown) => {
  const known = error instanceof ImportRefused || error instanceof DumpError || error instanceof ConfigurationError;
  console.error(known ? (error as Error).message : `The import failed: ${String((error as Error).stack ?? error)}`);
  process.exit(1);
});
