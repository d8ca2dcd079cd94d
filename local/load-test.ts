import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PmRecord } from '../shared/schemas/records.js';
import { startProductProcess } from './bench/product-process.js';

/**
 * `npm run load [-- --users 50 --seconds 60]`: the product as `npm start` runs it, in a process of its
 * own, and this process as its users on loopback. Each user signs in, opens the dashboard, opens a
 * record and signs it, over and over, with a sign-in again every tenth round. Afterwards every
 * completion answered 200 is read back. Figures are printed, never asserted.
 */
function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive whole number`);
  return value;
}
const users = option('users', 50);
const seconds = option('seconds', 60);
// Five frequencies a machine: 400 machines give 2,000 open records, more than 50 users sign in a minute.
const machines = option('machines', 400);
const password = 'Load-Test-Password-2026';
const labId = 'LOAD';

interface Session {
  cookie: string;
  csrf: string;
}
type Kind = 'sign-in' | 'dashboard' | 'open record' | 'completion';
const latencies: Record<Kind, number[]> = { 'sign-in': [], dashboard: [], 'open record': [], completion: [] };
const failures: string[] = [];
let busyAnswers = 0;

async function call<T>(
  url: string,
  path: string,
  session: Session | null,
  init: { method?: string; body?: unknown } = {},
  kind?: Kind,
): Promise<{ status: number; retryAfterSeconds: number; body: T }> {
  const started = performance.now();
  const headers: Record<string, string> = session ? { cookie: session.cookie } : {};
  if (init.method && init.method !== 'GET')
    Object.assign(headers, { origin: url, 'content-type': 'application/json', ...(session ? { 'x-csrf-token': session.csrf } : {}) });
  const response = await fetch(`${url}${path}`, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  if (kind) latencies[kind].push(performance.now() - started);
  // A 503 says "busy, try again in Retry-After seconds": the caller retries it, and counts it apart.
  if (response.status === 503) busyAnswers += 1;
  else if (!response.ok) failures.push(`${init.method ?? 'GET'} ${path}: ${response.status} ${text.slice(0, 160)}`);
  return { status: response.status, retryAfterSeconds: Number(response.headers.get('retry-after') ?? 1), body: (text ? JSON.parse(text) : null) as T };
}

async function signIn(url: string, username: string, kind?: Kind): Promise<Session> {
  const started = performance.now();
  const response = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { origin: url, 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = (await response.json()) as { csrfToken: string };
  if (kind) latencies[kind].push(performance.now() - started);
  if (!response.ok) throw new Error(`${username} could not sign in: ${response.status} ${JSON.stringify(body)}`);
  return { cookie: response.headers.getSetCookie()[0]!.split(';')[0]!, csrf: body.csrfToken };
}

/** Runs the tasks with at most `width` in flight. */
async function inBatches<T>(items: T[], width: number, task: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

async function prepare(url: string): Promise<PmRecord[]> {
  const admin = await signIn(url, 'admin');
  await call(url, '/api/labs', admin, { method: 'POST', body: { labId, name: 'Load test lab', timeZone: 'UTC' } });
  const task = (text: string) => ({ tasks: [{ text, kind: 'check' }] });
  await call(url, '/api/models', admin, {
    method: 'POST',
    body: {
      modelId: 'Load model',
      manufacturer: 'Acme',
      equipmentClass: 'Mill',
      active: true,
      frequencies: { Daily: task('Clean'), Weekly: task('Inspect'), Monthly: task('Calibrate'), Quarterly: task('Service'), Annual: task('Certify') },
    },
  });
  await inBatches(
    Array.from({ length: machines }, (_, index) => index + 1),
    8,
    (machine) =>
      call(url, `/api/labs/${labId}/equipment`, admin, {
        method: 'POST',
        body: { serialNumber: `LOAD-${machine}`, modelId: 'Load model', status: 'In Service' },
      }),
  );
  await inBatches(
    Array.from({ length: users }, (_, index) => index + 1),
    4,
    (user) =>
      call(url, '/api/users', admin, {
        method: 'POST',
        body: {
          username: `load${user}`,
          firstName: 'Load',
          lastName: `User ${user}`,
          primaryLabId: labId,
          role: 'Technician',
          password,
          requirePasswordChange: false,
        },
      }),
  );
  await call(url, '/api/admin/generate', admin, { method: 'POST', body: { labId } });
  for (let waited = 0; waited < 120; waited++) {
    const { body } = await call<{ labs: { labId: string; lastSuccessAt: string | null }[] }>(url, '/api/admin/generator', admin);
    if (body.labs.find((lab) => lab.labId === labId)?.lastSuccessAt) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const open: PmRecord[] = [];
  let token: string | null = null;
  do {
    const page: { body: { items: PmRecord[]; continuationToken: string | null } } = await call(
      url,
      `/api/labs/${labId}/records?status=Open&pageSize=500${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`,
      admin,
    );
    open.push(...page.body.items);
    token = page.body.continuationToken;
  } while (token);
  return open;
}

function percentile(values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))]!;
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ems-load-test-'));
  const product = await startProductProcess({ LOCAL_DATA_DIR: dataDir, DEMO_PASSWORD: password, LOGIN_RATE_LIMIT_PER_MINUTE: '10000' });
  try {
    console.log(`load: preparing ${machines} machines and ${users} technicians at ${product.url}...`);
    const open = await prepare(product.url);
    failures.length = 0;
    console.log(`load: ${users} users for ${seconds} s over ${open.length} open records...`);
    const signed: { username: string; recordNumber: string }[] = [];
    const started = Date.now();
    const deadline = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: users }, async (_, index) => {
        const username = `load${index + 1}`;
        // Each user works through records no one else is given, so any refusal is a defect.
        const mine = open.filter((_record, position) => position % users === index);
        let session = await signIn(product.url, username, 'sign-in');
        for (let round = 0; round < mine.length && Date.now() < deadline; round++) {
          if (round > 0 && round % 10 === 0) session = await signIn(product.url, username, 'sign-in');
          await call(product.url, `/api/labs/${labId}/dashboard`, session, {}, 'dashboard');
          const record = mine[round]!;
          await call(product.url, `/api/labs/${labId}/records/${record.recordNumber}`, session, {}, 'open record');
          const complete = () =>
            call(
              product.url,
              `/api/labs/${labId}/records/${record.recordNumber}/complete`,
              session,
              {
                method: 'POST',
                body: { responses: record.tasks.map((task) => ({ taskId: task.taskId, done: true })), signature: { password, meaning: 'Performed by' } },
              },
              'completion',
            );
          let done = await complete();
          for (let retry = 1; done.status === 503 && retry <= 5; retry++) {
            await new Promise((resolve) => setTimeout(resolve, done.retryAfterSeconds * 1000));
            done = await complete();
          }
          if (done.status === 503) failures.push(`${record.recordNumber}: still 503 after 5 retries`);
          if (done.status === 200) signed.push({ username, recordNumber: record.recordNumber });
        }
      }),
    );
    // Over the time the users worked: all of `seconds`, or less when they ran out of records.
    const worked = (Date.now() - started) / 1000;
    const admin = await signIn(product.url, 'admin');
    let lost = 0;
    await inBatches(signed, 8, async ({ username, recordNumber }) => {
      const { body } = await call<PmRecord>(product.url, `/api/labs/${labId}/records/${recordNumber}`, admin);
      if (body.status !== 'Completed' || body.completedBy?.username !== username) lost += 1;
    });
    console.log('');
    for (const kind of Object.keys(latencies) as Kind[]) {
      const values = latencies[kind];
      console.log(
        `  ${kind.padEnd(12)} ${String(values.length).padStart(6)} calls  p50 ${percentile(values, 0.5).toFixed(0).padStart(5)} ms  p99 ${percentile(values, 0.99).toFixed(0).padStart(5)} ms  ${(values.length / worked).toFixed(1)} per s`,
      );
    }
    console.log(
      `  errors ${failures.length}, busy answers (503, retried) ${busyAnswers}, completions signed ${signed.length} in ${worked.toFixed(1)} s (${(signed.length / worked).toFixed(1)} per s), lost writes ${lost}`,
    );
    for (const failure of failures.slice(0, 10)) console.log(`    ${failure}`);
    // What the product logged about its own failures: the first lines of each.
    const logged = product.output().split('\n');
    const failed = logged.flatMap((text, index) => (text.includes('Unhandled error') ? [index] : [])).slice(0, 3);
    for (const index of failed) {
      for (const line of logged.slice(index, index + 8)) console.log(`    product: ${line.slice(0, 300)}`);
    }
    console.log(
      JSON.stringify({
        users,
        seconds,
        calls: Object.fromEntries(
          Object.entries(latencies).map(([kind, values]) => [kind, { count: values.length, p50Ms: percentile(values, 0.5), p99Ms: percentile(values, 0.99) }]),
        ),
        errors: failures.length,
        busyAnswers,
        completionsSigned: signed.length,
        completionsPerSecond: Number((signed.length / worked).toFixed(1)),
        lostWrites: lost,
      }),
    );
  } finally {
    await product.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
