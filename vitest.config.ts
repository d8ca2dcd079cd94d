import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import BrowserFilesFirst from './test/browser-files-first.js';

export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'functions/**/*.test.ts', 'local/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    sequence: { sequencer: BrowserFilesFirst },
    // Vitest's default (one core fewer than the machine has) runs one file at a time on two cores,
    // while most files wait on a server, a child process or the browser: three at once on two cores
    // keep both busy while one of them waits.
    maxWorkers: Math.max(3, availableParallelism() - 1),
  },
});
