import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface Versions {
  /** The commit of this checkout, whose requirements and tests the pack traces. */
  commit: string | null;
  /** The checkout held uncommitted changes: the commit alone does not name what was traced. */
  dirty: boolean;
  lockfileSha256: string;
  node: string;
  platform: string;
  /** The installed version of each package the product runs on (the Azure SDKs among them), and the test tools. */
  packages: Record<string, string>;
}

function git(...args: string[]): string | null {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** The tools whose versions decide what a test outcome means. */
const testTools = ['vitest', 'typescript', 'playwright-core', 'esbuild', '@vercel/cosmosdb-server', 'azurite'];

export function currentVersions(): Versions {
  const lockfile = readFileSync('package-lock.json');
  const lock = JSON.parse(lockfile.toString('utf8')) as { packages: Record<string, { version?: string }> };
  const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
  const names = [...Object.keys(manifest.dependencies), ...testTools];
  const commit = git('rev-parse', 'HEAD');
  return {
    commit,
    dirty: commit !== null && Boolean(git('status', '--porcelain')),
    lockfileSha256: createHash('sha256').update(lockfile).digest('hex'),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    packages: Object.fromEntries(names.map((name) => [name, lock.packages[`node_modules/${name}`]?.version ?? '(not installed)'])),
  };
}
