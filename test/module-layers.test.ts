import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The modules a file loads at run time: `import type` is left out, as it leaves nothing behind. */
function runtimeImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const imports = [...source.matchAll(/^import\s+(?!type\s)[^;]*?from\s+'(\.[^']+)'/gms), ...source.matchAll(/^import\s+'(\.[^']+)'/gm)];
  return imports.map((match) => relative('.', resolve(dirname(file), match[1]!.replace(/\.js$/, '.ts'))));
}

/** Every module a file reaches at run time, through the project's own files. */
function reachable(start: string): Set<string> {
  const seen = new Set<string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.pop()!;
    for (const next of runtimeImports(file)) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

describe('module layers', () => {
  it('shared/platform reaches nothing above it at run time: no identity, users, records or other domain module', () => {
    const platform = readdirSync('shared/platform').filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'));
    const above = /^shared\/(auth|users|records|catalog|equipment|calibration|labs|reports)\//;
    const found = platform.flatMap((name) => [...reachable(join('shared/platform', name))].filter((module) => above.test(module)).map((module) => `${name} → ${module}`));
    expect(found).toEqual([]);
  });

  it('finds a runtime import, and leaves a type-only one out', () => {
    expect(runtimeImports('functions/index.ts')).toContain('shared/auth/request-principal.ts');
    expect(runtimeImports('shared/platform/http-pipeline.ts')).not.toContain('shared/auth/principal.ts');
  });
});
