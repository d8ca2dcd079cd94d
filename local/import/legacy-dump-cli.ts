import { writeFile } from 'node:fs/promises';
import { writeLegacyDump } from './legacy-dump-writer.js';

/**
 * `npm run legacy-dump -- <file.sql> [labs] [machines per lab] [days]`: a dump of the old system as
 * its web UI fills it, for trying `npm run import` at a real lab's volume (10 × 200 × 31 is about
 * 62,000 records and 17 MB).
 */
async function main(): Promise<void> {
  const [file, labs = '10', machines = '200', days = '31'] = process.argv.slice(2);
  const size = { labs: Number(labs), machinesPerLab: Number(machines), days: Number(days) };
  if (!file || !Object.values(size).every((value) => Number.isInteger(value) && value > 0)) {
    throw new Error('Usage: npm run legacy-dump -- <file.sql> [labs] [machines per lab] [days], each a whole number above 0');
  }
  const dump = writeLegacyDump({ ...size, lastDay: new Date().toISOString().slice(0, 10) });
  await writeFile(file, dump.sql);
  console.log(
    `Wrote ${file}: ${size.labs} labs, ${size.labs * size.machinesPerLab} machines, ${size.labs * size.machinesPerLab * size.days} records, ${(dump.sql.length / 1e6).toFixed(1)} MB.`,
  );
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
