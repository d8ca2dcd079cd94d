import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startProductProcess } from './product-process.js';

/** The event loop's delay while `work` runs, as its 99th percentile in milliseconds. */
export async function eventLoopDelayWhile<T>(work: () => Promise<T>): Promise<{ result: T; p99Ms: number; maxMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    const result = await work();
    return { result, p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}

function residentMegabytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

export interface YearRestartFigures {
  startMs: number;
  rssMb: number;
  sigtermMs: number;
  sigtermExitCode: number | null;
  /** The write answered just before SIGTERM was there after the next start. */
  keptAcrossSigterm: boolean;
}

/**
 * Starts the product on a data folder that holds a year of records, as a user's `npm start` would,
 * writes once, stops it with SIGTERM, and starts it again to see the write kept. `write` answers a
 * check that the next start runs.
 */
export async function measureRestartAtYear(dataDir: string, write: (url: string) => Promise<(url: string) => Promise<boolean>>): Promise<YearRestartFigures> {
  const first = await startProductProcess({ LOCAL_DATA_DIR: dataDir });
  const rssMb = residentMegabytes(first.child.pid!);
  const check = await write(first.url);
  const stopping = performance.now();
  first.child.kill('SIGTERM');
  const sigtermExitCode = await first.exited;
  const sigtermMs = performance.now() - stopping;
  const second = await startProductProcess({ LOCAL_DATA_DIR: dataDir });
  try {
    return { startMs: first.startMs, rssMb, sigtermMs, sigtermExitCode, keptAcrossSigterm: await check(second.url) };
  } finally {
    second.child.kill('SIGTERM');
    await second.exited;
  }
}
