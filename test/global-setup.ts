import { execFileSync } from 'node:child_process';

/** Tests that start the product as a separate process run the same bundle `npm start` builds. */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
