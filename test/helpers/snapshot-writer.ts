import { writeFileAtomically } from '../../local/snapshot.js';

/** Writes ever newer, large, valid snapshots to the path until killed. */
const [path, sizeText] = process.argv.slice(2);
const filler = 'x'.repeat(Number(sizeText));
for (let version = 1; ; version++) {
  await writeFileAtomically(path!, JSON.stringify({ version, filler, complete: true }));
}
