import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureRequests, type RequestFigures } from './bench/requests.js';
import { measureStore } from './bench/store.js';
import { median, timed } from './bench/timing.js';
import { startLocalProduct } from './product.js';

/**
 * Measures what the identity work costs and how evenly it answers, on this machine, in one run:
 * figures are printed as medians and ratios, never asserted.
 */
const password = 'Benchmark-Password-2026';

function printStore(figures: Awaited<ReturnType<typeof measureStore>>): void {
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  console.log('Embedded store: a lab-scoped 20-row dashboard query, and one lab read in 500-row pages (10 labs)');
  console.log(`  20-row query at 10,000 / 60,000 documents:        ${ms(figures.query20.at10k)} / ${ms(figures.query20.at60k)}`);
  console.log(`  20-row query at 60,000, without corrections:      ${ms(figures.query20.uncorrectedAt60k)}`);
  console.log(`    speed-up at 60,000:                             ${figures.speedupAt60k.toFixed(0)}x`);
  console.log(`  500-row pages at 10,000 / 60,000 documents:       ${ms(figures.paged500.at10k)} / ${ms(figures.paged500.at60k)}`);
  console.log(`  500-row pages at 10,000, without corrections:     ${ms(figures.paged500.uncorrectedAt10k)}`);
  console.log(`  lab held at 1,000 while the container holds 10,000 / 60,000: ${ms(figures.labHeldAt1k.at10k)} / ${ms(figures.labHeldAt1k.at60k)}`);
  console.log(`    growth with the partition (6,000 / 1,000 per lab): ${figures.growthWithPartition.toFixed(2)}`);
  console.log(`    growth with the container (60,000 / 10,000):       ${figures.growthWithContainer.toFixed(2)}`);
}

function printRequests(figures: RequestFigures): void {
  const line = (label: string, counts: RequestFigures['completion']) =>
    console.log(
      `  ${label.padEnd(48)} ${String(counts.total).padStart(4)}  (${counts.pointReads} point reads, ${counts.queries} queries + ${counts.queryPlans} query plans, ${counts.batches} batches, ${counts.writes} other writes, ${counts.crossPartitionQueries} cross-partition)`,
    );
  console.log('Cosmos requests, counted as the store receives them from the SDK');
  line('generator run, lab with no equipment', figures.generatorEmptyLab);
  line(`generator first run, 200 machines (${figures.generator200FirstRun.recordsChanged} records)`, figures.generator200FirstRun);
  line('generator steady run, 200 machines (nothing to do)', figures.generator200Steady);
  line(`dashboard list call (${figures.dashboardCall.rows} rows, session included)`, figures.dashboardCall);
  line('completion with signature (session included)', figures.completion);
  console.log(`  stored record: ${figures.recordBytes} bytes; generator audit entry: ${figures.runAuditEntryBytes} bytes`);
}

async function main(): Promise<void> {
  printStore(await measureStore((line) => console.log(line)));
  const dataDir = await mkdtemp(join(tmpdir(), 'ems-bench-'));
  Object.assign(process.env, { PORT: '0', LOCAL_DATA_DIR: dataDir, DEMO_PASSWORD: password, LOGIN_RATE_LIMIT_PER_MINUTE: '10000', LOCKOUT_THRESHOLD: '100' });
  const startedAt = performance.now();
  const product = await startLocalProduct({ log: () => undefined, timers: false });
  const startMs = performance.now() - startedAt;
  const post = (path: string, body: unknown, cookie = '') =>
    fetch(`${product.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: product.url, ...(cookie ? { cookie } : {}) },
      body: JSON.stringify(body),
    });
  try {
    const signIn = await post('/api/auth/login', { username: 'tech1', password });
    const cookie = signIn.headers.getSetCookie()[0]!.split(';')[0]!;
    const runs = 15;
    const correct = await timed(() => post('/api/auth/login', { username: 'tech2', password }).then((r) => r.text()), runs);
    const wrong = await timed(() => post('/api/auth/login', { username: 'auditor', password: 'not the password 1' }).then((r) => r.text()), runs);
    const unknown = await timed(() => post('/api/auth/login', { username: 'nobody-at-all', password: 'not the password 1' }).then((r) => r.text()), runs);
    const health = await timed(() => fetch(`${product.url}/api/health`).then((r) => r.text()), 200);
    const me = await timed(() => fetch(`${product.url}/api/auth/me`, { headers: { cookie } }).then((r) => r.text()), 200);
    const snapshot = await timed(() => product.snapshotNow(), 5);
    const requests = await measureRequests(
      product,
      async (username) => {
        const answer = await post('/api/auth/login', { username, password });
        return { cookie: answer.headers.getSetCookie()[0]!.split(';')[0]!, csrf: ((await answer.json()) as { csrfToken: string }).csrfToken };
      },
      password,
    );

    console.log(`start-up to serving (embedded store, demo seed):  ${startMs.toFixed(0)} ms`);
    console.log(`sign-in, right password (median of ${runs}):          ${median(correct).toFixed(1)} ms`);
    console.log(`sign-in, wrong password (median of ${runs}):          ${median(wrong).toFixed(1)} ms`);
    console.log(`sign-in, unknown user (median of ${runs}):            ${median(unknown).toFixed(1)} ms`);
    console.log(`  unknown user / wrong password:                    ${(median(unknown) / median(wrong)).toFixed(2)}`);
    console.log(`GET /api/health (median of 200):                    ${median(health).toFixed(2)} ms`);
    console.log(`GET /api/auth/me, signed in (median of 200):        ${median(me).toFixed(2)} ms`);
    console.log(`  signed-in request / health request:               ${(median(me) / median(health)).toFixed(1)}`);
    console.log(`snapshot of the embedded store (median of 5):       ${median(snapshot).toFixed(1)} ms`);
    printRequests(requests);
  } finally {
    await product.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
