import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { hashPassword, verifyPassword } from '../shared/auth/passwords.js';
import { scryptHash } from '../shared/auth/scrypt-hashes.js';
import type { PmRecord, RecordSummary } from '../shared/schemas/records.js';
import { measureAtRest } from './bench/at-rest.js';
import { measureCalibrationsDue, recordBenchCalibration } from './bench/calibrations-due.js';
import { measureCertificateUpload } from './bench/certificate-upload.js';
import { measureColdStart } from './bench/cold-start.js';
import { measureFeedYear, type FeedYearFigures } from './bench/feed-year.js';
import { measureReliabilityYear } from './bench/reliability-year.js';
import { addBenchLab, measureHourlyRuns, measureLinearity, seedCompany } from './bench/company.js';
import { measureMeterReadings } from './bench/meters.js';
import { measureStore } from './bench/store.js';
import { median, timed } from './bench/timing.js';
import { countDashboardApiCalls } from './bench/web-app.js';
import { eventLoopDelayWhile, measureRestartAtYear } from './bench/year-of-data.js';
import { simulateRollover } from './bench/rollover.js';
import { measureCompanyReport, measureVerificationAtYear, type CompanyReportFigures, type VerificationFigures } from './bench/volume.js';
import { settings } from '../shared/platform/config.js';
import { startLocalProduct, type CosmosRequestCounts, type LocalProduct } from './product.js';

/**
 * `npm run bench [-- --quick]`: what technicians feel and what Azure bills, measured on this machine
 * in one run. Figures are printed, with budgets marked pass or fail, and never asserted; the last
 * line is one JSON object. --quick seeds a smaller company and leaves out the uncorrected store.
 * `--only=volume` runs the requests-at-volume rows alone (local/bench/volume.ts), for a quick check;
 * `--only=feed` the OData feed's and Fabric mirroring's figures for a year of a lab (local/bench/feed-year.ts);
 * `--only=meters [--seconds=60]` posts meter readings at 100 a second for 200 machines (local/bench/meters.ts);
 * `--only=reliability` the reliability report of a 200-machine lab with a year of failures and repairs (local/bench/reliability-year.ts).
 */
const quick = process.argv.includes('--quick');
const only = process.argv.find((argument) => argument.startsWith('--only='))?.slice('--only='.length);
const size = quick
  ? { labs: 10, machines: 20, days: 365, linearityMachines: 20, linearityPairs: 3, dashboardCalls: 300, completions: 12, coldStartRuns: 5, dueMachines: 200 }
  : {
      labs: 10,
      machines: 200,
      days: 365,
      linearityMachines: 100,
      linearityPairs: 3,
      dashboardCalls: 2000,
      completions: 40,
      coldStartRuns: 11,
      dueMachines: 2000,
    };
const password = 'Benchmark-Password-2026';
const runFile = promisify(execFile);

interface LoadFigures {
  requests: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  rps: number;
}

/** Load comes from a process of its own on loopback (local/bench/load.ts, autocannon). */
async function load(plan: object): Promise<LoadFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'ems-load-'));
  try {
    const planFile = join(dir, 'plan.json');
    await writeFile(planFile, JSON.stringify(plan));
    const { stdout } = await runFile(process.execPath, [fileURLToPath(new URL('./bench-load.js', import.meta.url)), planFile], { maxBuffer: 1 << 20 });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as LoadFigures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function signIn(product: Pick<LocalProduct, 'url'>, username: string): Promise<{ cookie: string; csrf: string }> {
  const response = await fetch(`${product.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: product.url },
    body: JSON.stringify({ username, password }),
  });
  return { cookie: response.headers.getSetCookie()[0]!.split(';')[0]!, csrf: ((await response.json()) as { csrfToken: string }).csrfToken };
}

function webBundleGzipKb(): number {
  const bundle = readFileSync(fileURLToPath(new URL('../../static-web/app.js', import.meta.url)));
  return gzipSync(bundle, { level: 9 }).length / 1024;
}

const fixed = (value: number, digits = 1) => Number(value.toFixed(digits));
const describeCounts = (counts: CosmosRequestCounts) =>
  `${counts.total} (${counts.pointReads} point reads, ${counts.batches} batches, ${counts.queries} queries, ${counts.queryPlans} query plans, ${counts.writes} other writes; ${counts.crossPartitionQueries} cross-partition)`;

async function main(): Promise<void> {
  const log = (line: string) => console.log(line);
  if (only === 'volume') return volumeRows(log);
  if (only === 'feed') return feedRows(log);
  if (only === 'meters') return meterRows();
  if (only === 'reliability') return reliabilityRows(log);
  if (only !== undefined) throw new Error(`--only knows volume, feed, meters and reliability, not ${only}`);
  log(`EquipManSys bench (${quick ? 'quick' : 'full'}): ${size.labs} labs × ${size.machines} machines, a year of records`);
  const store = await measureStore(log, { uncorrected: !quick });
  log('bench: requests at a real company’s volume, in a process of their own...');
  const volume = await volumeInOwnProcess();

  log('bench: cold start, fresh processes...');
  const coldStartMs = await measureColdStart(size.coldStartRuns);
  log('bench: the local host at rest after a burst of writes, 30 s...');
  const atRest = await measureAtRest(password);

  const dataDir = await mkdtemp(join(tmpdir(), 'ems-bench-'));
  Object.assign(process.env, {
    PORT: '0',
    LOCAL_DATA_DIR: dataDir,
    DEMO_PASSWORD: password,
    LOGIN_RATE_LIMIT_PER_MINUTE: '10000',
    LOCKOUT_THRESHOLD: '100',
    BACKFILL_DAYS: String(size.days + 1),
  });
  const product = await startLocalProduct({ log: () => undefined, timers: false });
  let stopped = false;
  try {
    const labIds = Array.from({ length: size.labs }, (_, index) => `BENCH${String(index + 1).padStart(2, '0')}`);
    // The year's records written through the store, journaled, and folded into the snapshot on the worker thread.
    let yearWritten = { p99Ms: Number.NaN, maxMs: Number.NaN };
    const company = await seedCompany(product, labIds, size.machines, size.days, log, async (writeRecords) => {
      yearWritten = await eventLoopDelayWhile(async () => {
        await writeRecords();
        await product.snapshotNow();
      });
    });
    log(`bench: ${company.recordsCreated} records in ${company.seconds.toFixed(1)} s; hourly runs and linearity...`);
    const hourly = await measureHourlyRuns(product, labIds[0]!);
    const linearity = await measureLinearity(size.linearityMachines, 60, size.linearityPairs);

    const admin = await signIn(product, 'admin');
    const dashboardPath = `/api/labs/${labIds[0]}/dashboard`;
    // The first call in a minute also reads the lab's machines for the fitness column (recentEquipmentOf).
    const dashboardFirstCall = await product.countCosmosRequests(() =>
      fetch(`${product.url}${dashboardPath}`, { headers: { cookie: admin.cookie } }).then((response) => response.text()),
    );
    const dashboardCall = await product.countCosmosRequests(async () => {
      const response = await fetch(`${product.url}${dashboardPath}`, { headers: { cookie: admin.cookie } });
      return (await response.json()) as { items: RecordSummary[] };
    });
    const dashboardRows = dashboardCall.result.items.length;
    log(`bench: dashboard of ${labIds[0]} (${dashboardRows} rows) under load...`);
    // Latency as one technician feels it (one connection); throughput with four at once.
    const dashboardLatency = await load({
      url: `${product.url}${dashboardPath}`,
      headers: { cookie: admin.cookie },
      connections: 1,
      amount: size.dashboardCalls,
    });
    const dashboardThroughput = await load({
      url: `${product.url}${dashboardPath}`,
      headers: { cookie: admin.cookie },
      connections: 4,
      amount: size.dashboardCalls,
    });

    const openResponse = await fetch(`${product.url}/api/labs/${labIds[0]}/records?status=Open&pageSize=${size.completions + 1}`, {
      headers: { cookie: admin.cookie },
    });
    const open = ((await openResponse.json()) as { items: PmRecord[] }).items;
    const completionBody = (record: PmRecord) =>
      JSON.stringify({
        responses: record.tasks.map((task) => ({ taskId: task.taskId, done: true, ...(task.kind === 'reading' ? { value: task.min ?? 1 } : {}) })),
        signature: { password, meaning: 'Performed by' },
      });
    const writeHeaders = { cookie: admin.cookie, 'x-csrf-token': admin.csrf, origin: product.url, 'content-type': 'application/json' };
    const [counted, ...loaded] = open.slice(0, size.completions + 1);
    const completionCall = await product.countCosmosRequests(() =>
      fetch(`${product.url}/api/labs/${labIds[0]}/records/${counted!.recordNumber}/complete`, {
        method: 'POST',
        headers: writeHeaders,
        body: completionBody(counted!),
      }).then((response) => response.text()),
    );
    log(`bench: ${loaded.length} signed completions under load...`);
    const completionLoad = await load({
      url: product.url,
      headers: writeHeaders,
      connections: 1,
      posts: loaded.map((record) => ({ path: `/api/labs/${labIds[0]}/records/${record.recordNumber}/complete`, body: completionBody(record) })),
    });

    log(`bench: calibrations due of a lab of ${size.dueMachines} machines, every one on a plan...`);
    await addBenchLab('BENCHCAL', size.dueMachines, new Date());
    const due = await measureCalibrationsDue(product, 'BENCHCAL', admin, size.dashboardCalls / 4, load);
    log('bench: a 10 MB certificate uploaded and downloaded...');
    const certificate = await measureCertificateUpload(product, await recordBenchCalibration(product, 'BENCHCAL', admin, password), admin);

    log('bench: the web app in Chromium...');
    const webCalls = await countDashboardApiCalls(product.url, 'tech1', password);

    log('bench: sign-in and the password check, Argon2id beside scrypt...');
    const identity = await measureIdentity(product);
    const passwordCheck = await measurePasswordCheck();

    // Each run may spend 4 requests plus one per 99 records it writes: the budget holds the worst
    // run's requests, less one per 99 records it wrote, to 4.
    const runs = [{ ...hourly.steady, recordsChanged: 0 }, hourly.nextDay, hourly.nextWeek];
    log('bench: start, memory and SIGTERM of `npm start` at a year of data...');
    await product.stop();
    stopped = true;
    const yearRestart = await measureRestartAtYear(dataDir, async (url) => {
      const signedIn = await signIn({ url }, 'admin');
      const headers = { cookie: signedIn.cookie, 'x-csrf-token': signedIn.csrf, origin: url, 'content-type': 'application/json' };
      const listed = await fetch(`${url}/api/labs/${labIds[1]}/records?status=Open&pageSize=1`, { headers });
      const [record] = ((await listed.json()) as { items: PmRecord[] }).items;
      const completed = await fetch(`${url}/api/labs/${labIds[1]}/records/${record!.recordNumber}/complete`, {
        method: 'POST',
        headers,
        body: completionBody(record!),
      });
      if (completed.status !== 200) throw new Error(`the completion before SIGTERM answered ${completed.status}: ${await completed.text()}`);
      return async (nextUrl) => {
        const again = await signIn({ url: nextUrl }, 'admin');
        const read = await fetch(`${nextUrl}/api/labs/${labIds[1]}/records/${record!.recordNumber}`, { headers: { cookie: again.cookie } });
        return ((await read.json()) as PmRecord).status === 'Completed';
      };
    });

    const rolloverInputs = {
      labs: 1000,
      recordsPerDay: 230,
      missedShare: 0.1,
      steadyRequests: hourly.steady.total,
      ruPerRequest: 3,
      ruPerRecordWritten: 10,
      capacityRuPerSecond: 5000,
    };
    const rollover = simulateRollover(rolloverInputs, settings().GENERATOR_SPREAD_MINUTES, settings().GENERATE_AHEAD_HOURS);

    const overAllowance = Math.max(...runs.map((run) => run.total - Math.ceil(run.recordsChanged / 99)));
    const bundleKb = webBundleGzipKb();
    const result = {
      generator: {
        labs: company.labs,
        equipment: company.equipment,
        recordsCreated: company.recordsCreated,
        seconds: fixed(company.seconds, 2),
        recordsPerSecond: fixed(company.recordsPerSecond, 0),
        // An hourly run of one lab with nothing to write, status included; the others below.
        cosmosRequestsPerLab: hourly.steady.total,
        cosmosRequestsPerRun: {
          hourlyNothingToDo: hourly.steady.total,
          firstRunOfDay: hourly.nextDay.total,
          firstRunOfDayRecordsChanged: hourly.nextDay.recordsChanged,
          firstRunOfWeek: hourly.nextWeek.total,
          firstRunOfWeekRecordsChanged: hourly.nextWeek.recordsChanged,
          yearLongFirstRun: fixed(company.firstRunRequestsPerLab),
        },
        linearity: fixed(linearity, 2),
      },
      api: {
        dashboard: {
          p50Ms: dashboardLatency.p50Ms,
          p99Ms: dashboardLatency.p99Ms,
          rps: fixed(dashboardThroughput.rps),
          cosmosRequestsPerCall: dashboardCall.counts.total,
          cosmosRequestsFirstInAMinute: dashboardFirstCall.counts.total,
          crossPartitionQueries: dashboardCall.counts.crossPartitionQueries,
          apiCallsPerLoad: webCalls?.inApp ?? null,
          apiCallsPerFullPageLoad: webCalls?.fullLoad ?? null,
          rows: dashboardRows,
          errors: dashboardLatency.errors + dashboardThroughput.errors,
        },
        calibrationsDue: {
          machines: due.machines,
          rows: due.rows,
          p50Ms: due.p50Ms,
          p99Ms: due.p99Ms,
          cosmosRequestsPerCall: due.counts.total,
          cosmosRequestsFirstInAMinute: due.firstCounts.total,
          errors: due.errors,
        },
        certificateUpload: {
          megabytes: fixed(certificate.megabytes),
          status: certificate.status,
          uploadMs: fixed(certificate.uploadMs, 0),
          eventLoopDelayP99Ms: fixed(certificate.eventLoopDelayP99Ms),
          eventLoopDelayMaxMs: fixed(certificate.eventLoopDelayMaxMs),
          intact: certificate.intact,
        },
        complete: {
          p50Ms: completionLoad.p50Ms,
          p99Ms: completionLoad.p99Ms,
          rps: fixed(completionLoad.rps, 2),
          cosmosRequestsPerCall: completionCall.counts.total,
          crossPartitionQueries: completionCall.counts.crossPartitionQueries,
          apiCallsPerLoad: 1,
          errors: completionLoad.errors,
        },
      },
      store: { query20At60kMs: fixed(store.query20.at60k), growthWithContainer: fixed(store.growthWithContainer, 2) },
      coldStartMs: { entry: fixed(coldStartMs.entry, 0), allDependencies: fixed(coldStartMs.allDependencies, 0), ratio: fixed(coldStartMs.ratio, 2) },
      webBundleGzipKb: fixed(bundleKb),
      budgets: {
        dashboardApiCallsPerLoad: budget(1, webCalls?.inApp ?? Number.NaN),
        dashboardCosmosRequests: budget(2, dashboardCall.counts.total),
        dashboardCrossPartitionQueries: budget(0, dashboardCall.counts.crossPartitionQueries),
        completeCosmosRequests: budget(5, completionCall.counts.total),
        generatorRequestsPerLab: budget(4, overAllowance),
        dashboardP50Ms: budget(8, dashboardLatency.p50Ms),
        calibrationsDueCosmosRequests: budget(2, due.firstCounts.total),
        calibrationsDueP50Ms: budget(8, due.p50Ms),
        certificateUploadEventLoopDelayP99Ms: budget(50, fixed(certificate.eventLoopDelayP99Ms)),
        coldStartRatio: budget(0.5, fixed(coldStartMs.ratio, 2)),
        webBundleGzipKb: budget(100, fixed(bundleKb)),
        linearity: budget(2.2, fixed(linearity, 2)),
        signInP50Ms: budget(60, fixed(identity.signInMs)),
        signedCompletionP50Ms: budget(80, completionLoad.p50Ms),
        atRestCpuPercent: budget(2, atRest.cpuPercent),
        atRestBytesWritten: budget(0, atRest.bytesWritten),
        rolloverPeakRuPerSecond: budget(5000, rollover.now.peakRuPerSecond),
        yearWrittenEventLoopDelayP99Ms: budget(50, fixed(yearWritten.p99Ms)),
        startAtYearMs: budget(10_000, fixed(yearRestart.startMs, 0)),
        sigtermAtYearMs: budget(10_000, fixed(yearRestart.sigtermMs, 0)),
        writesLostAcrossSigterm: budget(0, yearRestart.keptAcrossSigterm && yearRestart.sigtermExitCode === 0 ? 0 : 1),
        ...volumeBudgets(volume),
      },
      volume,
      atRest,
      rollover: { ...rollover, spreadMinutes: settings().GENERATOR_SPREAD_MINUTES, aheadHours: settings().GENERATE_AHEAD_HOURS },
      yearOfData: {
        eventLoopDelayP99Ms: fixed(yearWritten.p99Ms),
        eventLoopDelayMaxMs: fixed(yearWritten.maxMs),
        startMs: fixed(yearRestart.startMs, 0),
        rssMb: fixed(yearRestart.rssMb, 0),
        sigtermMs: fixed(yearRestart.sigtermMs, 0),
        sigtermExitCode: yearRestart.sigtermExitCode,
        keptAcrossSigterm: yearRestart.keptAcrossSigterm,
      },
      identity: { ...identity, passwordCheck },
    };

    const row = (label: string, value: string) => console.log(`  ${label.padEnd(62)} ${value}`);
    console.log('');
    console.log('Generator');
    row(
      `a year of records, ${result.generator.labs} labs × ${result.generator.equipment / result.generator.labs} machines`,
      `${result.generator.recordsCreated} records in ${result.generator.seconds} s (${result.generator.recordsPerSecond}/s)`,
    );
    row('requests per lab, year-long first run', String(result.generator.cosmosRequestsPerRun.yearLongFirstRun));
    row('requests, hourly run with nothing to do (status included)', describeCounts(hourly.steady));
    row(`requests, first run of a day (${hourly.nextDay.recordsChanged} records changed)`, describeCounts(hourly.nextDay));
    row(`requests, first run of a week (${hourly.nextWeek.recordsChanged} records changed)`, describeCounts(hourly.nextWeek));
    row('linearity: time at 2× the equipment / at 1×', String(result.generator.linearity));
    console.log('API (load from a separate process on loopback)');
    row(
      `dashboard call, ${result.api.dashboard.rows} rows: p50 / p99 (1 connection); calls per s (4)`,
      `${result.api.dashboard.p50Ms} / ${result.api.dashboard.p99Ms} ms; ${result.api.dashboard.rps} per s; ${result.api.dashboard.errors} errors`,
    );
    row('dashboard call, Cosmos requests', describeCounts(dashboardCall.counts));
    row('dashboard call, Cosmos requests, first in a minute (reads the machines for fitness)', describeCounts(dashboardFirstCall.counts));
    row(
      'web app: API calls to open the dashboard (in the app / full page load)',
      `${result.api.dashboard.apiCallsPerLoad ?? 'no Chromium'} / ${result.api.dashboard.apiCallsPerFullPageLoad ?? 'no Chromium'}`,
    );
    row(
      `calibrations due, ${due.machines} machines on a plan, first page (${due.rows} rows): p50 / p99 (1 connection)`,
      `${due.p50Ms} / ${due.p99Ms} ms; ${due.errors} errors`,
    );
    row('calibrations due, Cosmos requests', describeCounts(due.counts));
    row('calibrations due, Cosmos requests, first in a minute (reads the machines)', describeCounts(due.firstCounts));
    row(
      `certificate of ${fixed(certificate.megabytes)} MB uploaded from another process: answer, time / event-loop delay p99, max`,
      `${certificate.status} in ${fixed(certificate.uploadMs, 0)} ms / ${fixed(certificate.eventLoopDelayP99Ms)}, ${fixed(certificate.eventLoopDelayMaxMs)} ms; SHA-256 and download ${certificate.intact ? 'intact' : 'NOT INTACT'}`,
    );
    row(
      'signed completion (Argon2id password check, 1 connection): p50 / p99',
      `${result.api.complete.p50Ms} / ${result.api.complete.p99Ms} ms, ${result.api.complete.rps} per s, ${result.api.complete.errors} errors`,
    );
    row('signed completion, Cosmos requests', describeCounts(completionCall.counts));
    console.log('Embedded store (10 labs, lab-scoped 20-row ORDER BY query)');
    row('at 10,000 / 60,000 documents', `${store.query20.at10k.toFixed(1)} / ${store.query20.at60k.toFixed(1)} ms`);
    if (!quick) row('at 60,000 without the corrections', `${store.query20.uncorrectedAt60k?.toFixed(0)} ms (${store.speedupAt60k?.toFixed(0)}×)`);
    row(
      'lab held at 1,000 while the container goes 10,000 → 60,000',
      `${store.labHeldAt1k.at10k.toFixed(1)} → ${store.labHeldAt1k.at60k.toFixed(1)} ms (${store.growthWithContainer.toFixed(2)})`,
    );
    console.log('Start-up and web app');
    row(
      'cold start: function entry / all runtime dependencies',
      `${result.coldStartMs.entry} / ${result.coldStartMs.allDependencies} ms (ratio ${result.coldStartMs.ratio})`,
    );
    row('web app first load, JavaScript gzipped', `${result.webBundleGzipKb} KB`);
    row(
      `local host at rest (generator and reminder schedules held off), ${atRest.seconds} s after ${atRest.writes} writes: CPU / bytes written`,
      `${atRest.cpuPercent} % of a core / ${atRest.bytesWritten} bytes`,
    );
    console.log(
      `Daily rollover, 1,000 labs in one time zone (simulated minute by minute: ${rolloverInputs.recordsPerDay} records a lab, ${rolloverInputs.ruPerRecordWritten} RU a record, ${rolloverInputs.steadyRequests} requests an hourly run)`,
    );
    row(
      'before: every lab at the top of the hour, the new day written at midnight',
      `peak ${rollover.before.peakRuPerSecond} RU/s; ${rollover.before.minutesThrottled} minutes over serverless' 5,000 RU/s`,
    );
    row(
      `now: each lab at its own minute of ${settings().GENERATOR_SPREAD_MINUTES}, the new day made ${settings().GENERATE_AHEAD_HOURS} h ahead`,
      `peak ${rollover.now.peakRuPerSecond} RU/s; ${rollover.now.minutesThrottled} minutes over`,
    );
    console.log('A year of data in the embedded store (before the journal: whole-store snapshots blocked the event loop for seconds, start-up 35–40 s)');
    row(
      'event-loop delay while a year is written and persisted: p99 / max',
      `${result.yearOfData.eventLoopDelayP99Ms} / ${result.yearOfData.eventLoopDelayMaxMs} ms`,
    );
    row('npm start on it: until it answers / resident memory', `${result.yearOfData.startMs} ms / ${result.yearOfData.rssMb} MB`);
    row(
      'SIGTERM: until the process exits / the write just before it kept',
      `${result.yearOfData.sigtermMs} ms (exit ${result.yearOfData.sigtermExitCode}) / ${result.yearOfData.keptAcrossSigterm ? 'yes' : 'NO'}`,
    );
    console.log('Identity (1 connection; the release before Argon2id: sign-in ≈ 540 ms, signed completion ≈ 540 ms)');
    row(
      'sign-in: right password / wrong password / unknown user',
      `${identity.signInMs.toFixed(0)} / ${identity.wrongPasswordMs.toFixed(0)} / ${identity.unknownUserMs.toFixed(0)} ms`,
    );
    row(
      'password check: Argon2id (19 MiB, t=2) / scrypt N=2^17 (earlier hashes)',
      `${passwordCheck.argon2idMs.toFixed(1)} / ${passwordCheck.scryptMs.toFixed(1)} ms (${(passwordCheck.scryptMs / passwordCheck.argon2idMs).toFixed(1)}× faster)`,
    );
    row('GET /api/health / signed-in GET /api/auth/me', `${identity.healthMs.toFixed(2)} / ${identity.meMs.toFixed(2)} ms`);
    printVolume(volume, row);
    console.log('Budgets');
    for (const [name, { limit, value, pass }] of Object.entries(result.budgets)) row(name, `${pass ? 'pass' : 'FAIL'}  ${value} (limit ${limit})`);
    console.log('');
    console.log(JSON.stringify(result));
  } finally {
    if (!stopped) await product.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

interface VolumeFigures {
  verification: VerificationFigures;
  company: CompanyReportFigures;
}

/** A year of a 200-machine lab verified page by page, and one page of a 1,000-lab company's compliance report. */
async function measureVolume(product: LocalProduct, admin: { cookie: string }, log: (line: string) => void): Promise<VolumeFigures> {
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${product.url}${path}`, { headers: { cookie: admin.cookie } });
    if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  };
  const verification = await measureVerificationAtYear(product, get, 200, log);
  const company = await measureCompanyReport(product, get, 1000, 10, 200, log);
  return { verification, company };
}

// Static Web Apps gives a linked backend 45 s a request; the product keeps each under 10 s.
function volumeBudgets(volume: VolumeFigures): Record<string, { limit: number; value: number; pass: boolean }> {
  return {
    verificationRequestMaxMs: budget(10_000, fixed(volume.verification.maxMs, 0)),
    complianceAllLabsPageMs: budget(10_000, fixed(volume.company.ms, 0)),
  };
}

function printVolume(volume: VolumeFigures, row: (label: string, value: string) => void): void {
  const { verification, company } = volume;
  console.log('Requests at a real company’s volume (Static Web Apps gives a linked backend 45 s a request)');
  row(
    `verification of a year of 200 daily machines: ${verification.records} records in ${verification.pages} requests`,
    `${verification.intact ? 'intact' : 'NOT INTACT'}; max ${fixed(verification.maxMs, 0)} ms, median ${fixed(verification.medianMs, 0)} ms, all ${fixed(verification.totalMs / 1000)} s`,
  );
  row('verification, Cosmos requests of the slowest request', describeCounts(verification.worstCounts));
  row(`compliance report, ${company.labs} labs: first page (${company.firstPageLabs} labs, ${company.rows} records)`, `${fixed(company.ms, 0)} ms`);
  row('compliance report page, Cosmos requests', describeCounts(company.counts));
}

/** The volume rows in a process and on a store of their own, so their 135,000 records weigh on no other row. */
async function volumeInOwnProcess(): Promise<VolumeFigures> {
  const { stdout } = await runFile(process.execPath, [fileURLToPath(import.meta.url), '--only=volume'], { maxBuffer: 1 << 22 });
  return (JSON.parse(stdout.trim().split('\n').at(-1)!) as { volume: VolumeFigures }).volume;
}

/** `--only=meters`: meter readings through the API at a controller's pace, on a product of their own. */
async function meterRows(): Promise<void> {
  const seconds = Number(process.argv.find((argument) => argument.startsWith('--seconds='))?.slice('--seconds='.length) ?? 60);
  const dataDir = await mkdtemp(join(tmpdir(), 'ems-bench-meters-'));
  Object.assign(process.env, { PORT: '0', LOCAL_DATA_DIR: dataDir, DEMO_PASSWORD: password, LOGIN_RATE_LIMIT_PER_MINUTE: '10000' });
  const product = await startLocalProduct({ log: () => undefined, timers: false });
  try {
    const figures = await measureMeterReadings(product, await signIn(product, 'admin'), { rate: 100, machines: 200, seconds });
    const row = (label: string, value: string) => console.log(`  ${label.padEnd(62)} ${value}`);
    console.log(`Meter readings: 100 a second for 200 machines of one lab, ${seconds < 60 ? `a shorter run of ${seconds} s` : `${seconds} s`}`);
    row('readings posted (errors)', `${figures.readings} (${figures.errors})`);
    row('latency p50 / p99', `${figures.p50Ms} ms / ${figures.p99Ms} ms`);
    row(
      'thresholds crossed / records opened / usage records stored',
      `${figures.thresholdsCrossed} / ${figures.recordsOpened} / ${figures.usageRecordsInStore}`,
    );
    row('Cosmos requests per reading', `${figures.cosmosRequestsPerReading}: ${describeCounts(figures.counts)}`);
    console.log(JSON.stringify({ meters: figures }));
  } finally {
    await product.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** `--only=reliability`: the reliability report of a year of a 200-machine lab, on a product of its own. */
async function reliabilityRows(log: (line: string) => void): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ems-bench-reliability-'));
  Object.assign(process.env, { PORT: '0', LOCAL_DATA_DIR: dataDir, DEMO_PASSWORD: password, LOGIN_RATE_LIMIT_PER_MINUTE: '10000' });
  const product = await startLocalProduct({ log: () => undefined, timers: false });
  try {
    const figures = await measureReliabilityYear(product, await signIn(product, 'admin'), quick ? 20 : 200, 4, log);
    const row = (label: string, value: string) => console.log(`  ${label.padEnd(62)} ${value}`);
    const budgets = {
      'report of the year, median (ms)': budget(2_000, Math.round(figures.medianJsonMs)),
      'Cosmos requests of the report': budget(10, figures.counts.total),
      'cross-partition queries (the list of labs, as every report)': budget(1, figures.counts.crossPartitionQueries),
    };
    console.log('');
    console.log(
      `Reliability report: a year of ${figures.machines} machines of one lab, ${figures.nonconformities} failures quarantined and returned to service`,
    );
    row('JSON, 5 runs (median, max)', `${fixed(figures.medianJsonMs, 0)} ms, ${fixed(Math.max(...figures.jsonMs), 0)} ms`);
    row('CSV per machine', `${fixed(figures.csvMs, 0)} ms`);
    row('Cosmos requests of one report', describeCounts(figures.counts));
    row('machine rows / failures counted', `${figures.machineRows} / ${figures.failuresReported}`);
    console.log('Budgets (printed, not asserted)');
    for (const [name, { limit, value, pass }] of Object.entries(budgets)) row(name, `${pass ? 'within' : 'OVER'}  ${value} (budget ${limit})`);
    console.log(JSON.stringify({ reliability: figures, budgets }));
  } finally {
    await product.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** `--only=volume`: the volume rows on a product of their own, without the rest of the bench. */
async function volumeRows(log: (line: string) => void): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ems-bench-volume-'));
  Object.assign(process.env, { PORT: '0', LOCAL_DATA_DIR: dataDir, DEMO_PASSWORD: password, LOGIN_RATE_LIMIT_PER_MINUTE: '10000', BACKFILL_DAYS: '366' });
  const product = await startLocalProduct({ log: () => undefined, timers: false });
  try {
    const volume = await measureVolume(product, await signIn(product, 'admin'), log);
    const row = (label: string, value: string) => console.log(`  ${label.padEnd(62)} ${value}`);
    console.log('');
    printVolume(volume, row);
    console.log('Budgets');
    for (const [name, { limit, value, pass }] of Object.entries(volumeBudgets(volume))) row(name, `${pass ? 'pass' : 'FAIL'}  ${value} (limit ${limit})`);
    console.log('');
    console.log(JSON.stringify({ volume, budgets: volumeBudgets(volume) }));
  } finally {
    await product.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The feed's budgets: every page inside one lab's partition, a page of 1,000 rows in one or two Cosmos requests. */
function feedBudgets(figures: FeedYearFigures) {
  return {
    'feed: cross-partition queries': budget(0, figures.feed.crossPartitionQueries),
    'feed: Cosmos queries of the costliest page': budget(2, figures.feed.mostQueriesInAPage),
    'feed: slowest page (ms, Static Web Apps allows 45,000)': budget(45_000, Math.round(figures.feed.maxMs)),
    'mirror: largest document (bytes, Cosmos DB allows 2 MB)': budget(2 * 1024 * 1024, Math.max(...figures.mirror.map((group) => group.largestBytes))),
  };
}

/** `--only=feed`: a year of a 200-machine lab read through the OData feed, and sized for Fabric mirroring. */
async function feedRows(log: (line: string) => void): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ems-bench-feed-'));
  Object.assign(process.env, { PORT: '0', LOCAL_DATA_DIR: dataDir, DEMO_PASSWORD: password, LOGIN_RATE_LIMIT_PER_MINUTE: '10000', BACKFILL_DAYS: '366' });
  const product = await startLocalProduct({ log: () => undefined, timers: false });
  try {
    const figures = await measureFeedYear(product, await signIn(product, 'admin'), quick ? 20 : 200, log);
    const row = (label: string, value: string) => console.log(`  ${label.padEnd(62)} ${value}`);
    const { feed } = figures;
    console.log('');
    console.log(`The OData feed: a year of ${figures.machines} daily machines (${figures.records} records) of one lab, as Power BI reads it`);
    row(
      `PmRecords, all pages: ${feed.rows} rows in ${feed.pages} requests`,
      `all ${fixed(feed.totalMs / 1000)} s; max ${fixed(feed.maxMs, 0)} ms, median ${fixed(feed.medianMs, 0)} ms`,
    );
    row(
      'Cosmos requests, all pages',
      `${feed.cosmosRequests} (at most ${feed.mostCosmosRequestsInAPage} a page, of which ${feed.mostQueriesInAPage} queries; ${feed.crossPartitionQueries} cross-partition)`,
    );
    console.log(`Fabric mirroring of the same lab (containers labs, equipment, records; nested values land as JSON strings)`);
    for (const group of figures.mirror) {
      row(
        `${group.container}, type ${group.type}: ${group.documents} documents, ${group.totalKb} KB`,
        `largest ${group.largestBytes} B; ${group.nestedValues} nested values, longest ${group.longestNestedBytes} B, ${group.nestedOver8000Bytes} over 8,000 B`,
      );
    }
    console.log('Budgets');
    for (const [name, { limit, value, pass }] of Object.entries(feedBudgets(figures))) row(name, `${pass ? 'pass' : 'FAIL'}  ${value} (limit ${limit})`);
    console.log('');
    console.log(JSON.stringify({ feed: figures, budgets: feedBudgets(figures) }));
  } finally {
    await product.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function budget(limit: number, value: number): { limit: number; value: number; pass: boolean } {
  return { limit, value, pass: value <= limit };
}

interface IdentityFigures {
  signInMs: number;
  wrongPasswordMs: number;
  unknownUserMs: number;
  healthMs: number;
  meMs: number;
}

/** One password check of each kind, in this process, as sign-in and signatures do them. */
async function measurePasswordCheck(): Promise<{ argon2idMs: number; scryptMs: number }> {
  const argon2id = await hashPassword(password);
  const scrypt = await scryptHash(password, { logN: 17, r: 8, p: 1 });
  return {
    argon2idMs: median(await timed(() => verifyPassword(password, argon2id), 11)),
    scryptMs: median(await timed(() => verifyPassword(password, scrypt), 5)),
  };
}

/** Sign-in and the cost of a signed-in request. */
async function measureIdentity(product: LocalProduct): Promise<IdentityFigures> {
  const post = (body: unknown) =>
    fetch(`${product.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: product.url },
      body: JSON.stringify(body),
    }).then((r) => r.text());
  const { cookie } = await signIn(product, 'tech1');
  return {
    signInMs: median(await timed(() => post({ username: 'tech2', password }), 11)),
    wrongPasswordMs: median(await timed(() => post({ username: 'auditor', password: 'not the password 1' }), 11)),
    unknownUserMs: median(await timed(() => post({ username: 'nobody-at-all', password: 'not the password 1' }), 11)),
    healthMs: median(await timed(() => fetch(`${product.url}/api/health`).then((r) => r.text()), 200)),
    meMs: median(await timed(() => fetch(`${product.url}/api/auth/me`, { headers: { cookie } }).then((r) => r.text()), 200)),
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
