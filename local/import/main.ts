import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { ConfigurationError } from '../../shared/platform/config.js';
import { openLocalData } from '../product.js';
import { checkEquipmentCsv, importEquipment } from './equipment-csv.js';
import { applyLegacyImport, ImportRefused, type ImportSummary } from './legacy-import.js';
import type { ResponseMapping } from './legacy-plan.js';
import { planCounts, planLegacyImport } from './legacy-plan.js';
import { DumpError, parseDump } from './mysql-dump.js';

const usage =
  'Usage: npm run import -- <dump.sql> [--dry-run] [--by <name>] [--temporary-passwords], or npm run import -- --equipment <file.csv> [--dry-run] [--by <name>]';

interface ImportArguments {
  file: string;
  equipment: boolean;
  dryRun: boolean;
  temporaryPasswords: boolean;
  by: string;
}

function parseArguments(argv: string[]): ImportArguments {
  let file: string | undefined;
  let equipment = false;
  let dryRun = false;
  let temporaryPasswords = false;
  let by = userInfo().username;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    if (argument === '--dry-run') dryRun = true;
    else if (argument === '--equipment') equipment = true;
    else if (argument === '--temporary-passwords') temporaryPasswords = true;
    else if (argument === '--by') by = argv[++index] ?? '';
    else if (argument.startsWith('--')) throw new ImportRefused(`Unknown option ${argument}. ${usage}`);
    else file = argument;
  }
  if (!file) throw new ImportRefused(usage);
  if (!by) throw new ImportRefused(`--by needs a name. ${usage}`);
  return { file, equipment, dryRun, temporaryPasswords, by };
}

const mappingWords: Record<ResponseMapping['by'], string> = {
  'form position': "by the task's position in its record's form (PM_Response.id read as PM_form.form_order, as the old web UI stores it)",
  'PM_form id': "by the task's PM_form id (every answer names a task of its own record's form)",
  none: 'none: the dump holds no answers',
};

function printSummary(summary: ImportSummary, mapping: ResponseMapping, dryRun: boolean): void {
  const verb = dryRun ? 'would write' : 'written';
  for (const kind of Object.keys(summary.written) as (keyof ImportSummary['written'])[]) {
    console.log(`  ${kind.padEnd(12)} ${verb}: ${String(summary.written[kind]).padStart(6)}   already there: ${String(summary.unchanged[kind]).padStart(6)}`);
  }
  console.log(`Answers tied to their tasks ${mappingWords[mapping.by]}: ${mapping.answers}.`);
  if (summary.temporaryPasswords.length > 0) {
    console.log('Temporary passwords (shown once; each person chooses their own at first sign-in):');
    for (const { username, password } of summary.temporaryPasswords) console.log(`  ${username}: ${password}`);
  }
  if (summary.withoutPassword.length > 0) {
    console.log(
      `${summary.withoutPassword.length} active account(s) cannot sign in until an administrator sets a temporary password in Users ` +
        `(or run the import into an empty store with --temporary-passwords): ${summary.withoutPassword.join(', ')}`,
    );
  }
}

/** Time since the import started and the most memory it held, for the summary. */
function costLine(startedAt: number): string {
  const peakMiB = process.resourceUsage().maxRSS / 1024;
  return `Took ${((performance.now() - startedAt) / 1000).toFixed(1)} s; peak memory ${peakMiB.toFixed(0)} MiB.`;
}

async function readInput(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ImportRefused(`There is no file ${file}. ${usage}`);
    if (code === 'EISDIR') throw new ImportRefused(`${file} is a folder, not a file. ${usage}`);
    if (code === 'EACCES') throw new ImportRefused(`${file} cannot be read: permission denied.`);
    throw error;
  }
}

/** An equipment list from a spreadsheet: all of it, or nothing when any row is wrong. */
async function importEquipmentList(file: string, dryRun: boolean, by: string): Promise<void> {
  const data = await openLocalData(() => undefined);
  try {
    const { rows, problems } = await checkEquipmentCsv(await readInput(file));
    if (problems.length > 0) {
      throw new ImportRefused(
        `Nothing was imported: ${problems.length} problem(s) in ${file}:\n${problems.map((problem) => `  line ${problem.line}: ${problem.message}`).join('\n')}`,
      );
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

/** `npm run import`: moves the old system's data into the store the configuration names. */
async function main(): Promise<void> {
  const startedAt = performance.now();
  const { file, equipment, dryRun, temporaryPasswords, by } = parseArguments(process.argv.slice(2));
  if (equipment) return importEquipmentList(file, dryRun, by);
  const tables = parseDump(await readInput(file));
  const actor = { username: by, displayName: `${by} (import)` };
  const plan = planLegacyImport(tables, actor, new Date());
  console.log(
    `Read ${file}: ${Object.entries(planCounts(plan))
      .map(([kind, count]) => `${count} ${kind}`)
      .join(', ')}`,
  );
  const data = await openLocalData(() => undefined);
  try {
    const summary = await applyLegacyImport(plan, actor, { dryRun, temporaryPasswords });
    const wroteAnything = Object.values(summary.written).some((count) => count > 0);
    // A run that writes nothing leaves the data folder as it was.
    if (!dryRun && wroteAnything) await data.save();
    console.log(
      dryRun
        ? 'Dry run: nothing was written.'
        : wroteAnything
          ? `Imported into ${data.dataDir} as the work of ${by}:`
          : `Nothing to write: ${data.dataDir} already holds everything in ${file}.`,
    );
    printSummary(summary, plan.responseMapping, dryRun);
    console.log(costLine(startedAt));
  } finally {
    await data.close();
  }
}

main().catch((error: unknown) => {
  const known = error instanceof ImportRefused || error instanceof DumpError || error instanceof ConfigurationError;
  console.error(known ? (error as Error).message : `The import failed: ${String((error as Error).stack ?? error)}`);
  process.exit(1);
});
