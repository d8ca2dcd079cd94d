import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { demoPassword } from './helpers/demo-password.js';
import { spawnProduct } from './helpers/spawned-product.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A data folder holding the demo company as `npm start` seeds it: test products start from a copy. */
    seededDataDir: string;
  }
}

/**
 * Tests that start the product as a separate process run the same bundle `npm start` builds. The demo
 * company is seeded once, by that bundle, into a folder that each in-process test product copies:
 * seeding is most of a product's start, and forty files start one.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  const seededDataDir = await mkdtemp(join(tmpdir(), 'ems-seeded-'));
  // No reminders while it runs: the tests of reminders find the day's digests still owed.
  const seeding = await spawnProduct({ LOCAL_DATA_DIR: seededDataDir, DEMO_PASSWORD: demoPassword, NOTIFICATION_SCHEDULE: '0 0 0 1 1 *' });
  seeding.process.kill('SIGINT');
  if ((await seeding.exited) !== 0) throw new Error(`Seeding the demo company failed:\n${seeding.output()}`);
  project.provide('seededDataDir', seededDataDir);
  return () => rm(seededDataDir, { recursive: true, force: true });
}
