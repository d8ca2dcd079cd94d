import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { appendFile, cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { ApiClient } from './helpers/api-client.js';
import { demoPassword } from './helpers/demo-password.js';
import { runFailingStart, spawnProduct } from './helpers/spawned-product.js';

const password = demoPassword;
let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ems-persist-'));
});
afterEach(async () => rm(dataDir, { recursive: true, force: true }));

const environment = () => ({ LOCAL_DATA_DIR: dataDir, DEMO_PASSWORD: password });

async function addLab(url: string, labId: string): Promise<ApiClient> {
  const admin = new ApiClient(url);
  await admin.login('admin', password);
  const created = await admin.post('/api/labs', { labId, name: `Lab ${labId}`, timeZone: 'Europe/Berlin' });
  expect(created.status).toBe(201);
  return admin;
}

async function labIds(client: ApiClient): Promise<string[]> {
  const response = await client.get<{ items: { labId: string }[] }>('/api/labs');
  return response.body.items.map((lab) => lab.labId);
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts the product again on the data folder, signed in as the admin, and stops it after `check`. */
async function afterRestart(check: (admin: ApiClient) => Promise<void>): Promise<void> {
  const again = await spawnProduct(environment());
  try {
    const admin = new ApiClient(again.url);
    await admin.login('admin', password);
    await check(admin);
  } finally {
    again.process.kill('SIGINT');
    await again.exited;
  }
}

describe('local data survives restarts', () => {
  // The demo company as the run's global setup seeded it: what is kept is the test's own writes.
  beforeEach(async () => cp(inject('seededDataDir'), dataDir, { recursive: true }));

  it('keeps everything written before Ctrl-C, sessions included', async () => {
    const first = await spawnProduct(environment());
    expect(first.output()).toContain('admin, auditor, manager1, localaudit1, tech1, tech2');
    const admin = await addLab(first.url, 'KEEP1');
    first.process.kill('SIGINT');
    expect(await first.exited).toBe(0);

    const second = await spawnProduct(environment());
    try {
      const sameCookie = new ApiClient(second.url);
      admin.cookies.forEach((value, name) => sameCookie.cookies.set(name, value));
      expect(await labIds(sameCookie)).toContain('KEEP1');
      expect(second.output()).toMatch(/Restored \d+ documents/);
    } finally {
      second.process.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
  });

  it('stops cleanly on a Ctrl-C sent the moment it prints its first line', async () => {
    // The signal handlers were installed only after start-up and the banner, so a SIGINT during
    // start-up found none and killed the process; a script that stopped the product as soon as it read
    // the banner (this suite's own demo seeding) could see it die instead of stop.
    const child = spawn(process.execPath, ['dist/local/start.js'], { env: { ...process.env, PORT: '0', ...environment() }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (!output) child.kill('SIGINT');
      output += chunk.toString();
    });
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      child.on('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
    );
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(output).toContain('SIGINT: saving data and stopping...');
  });

  it('keeps every answered write after a kill -9, with no wait between the answer and the kill', async () => {
    const first = await spawnProduct(environment());
    await addLab(first.url, 'KILL9');
    first.process.kill('SIGKILL');
    await first.exited;
    const journalSegments = async () => (await readdir(dataDir)).filter((name) => name.startsWith('cosmos-journal-'));
    const [killedRunSegment] = await journalSegments();
    const segmentNumber = Number(/cosmos-journal-(\d+)\.ndjson/.exec(killedRunSegment!)![1]);

    await afterRestart(async (admin) => {
      expect(await labIds(admin)).toContain('KILL9');
      // After the start the first run's journal is folded into the snapshot, off the main thread, and
      // this run writes a later segment of its own.
      await waitFor(async () => (await readFile(join(dataDir, 'cosmos-snapshot.json'), 'utf8').catch(() => '')).includes('KILL9'));
      await waitFor(async () => !(await journalSegments()).includes(killedRunSegment!));
      const segments = await journalSegments();
      expect(segments).toHaveLength(1);
      expect(Number(/cosmos-journal-(\d+)\.ndjson/.exec(segments[0]!)![1])).toBeGreaterThan(segmentNumber);
    });
  });

  it('starts without the last line of the journal when a kill tore it, and keeps every line before it', async () => {
    const first = await spawnProduct(environment());
    await addLab(first.url, 'BEFORE');
    first.process.kill('SIGKILL');
    await first.exited;
    const [segment] = (await readdir(dataDir)).filter((name) => name.startsWith('cosmos-journal-'));
    await appendFile(join(dataDir, segment!), '{"c":"labs","k":"TORN","id":"TORN","d":{"id":"TORN","labId":"TORN","na');

    await afterRestart(async (admin) => {
      const labs = await labIds(admin);
      expect(labs).toContain('BEFORE');
      expect(labs).not.toContain('TORN');
    });
  });

  it('starts from the last complete snapshot when a write was interrupted, and clears the leftover', async () => {
    const first = await spawnProduct(environment());
    await addLab(first.url, 'INTACT');
    first.process.kill('SIGINT');
    await first.exited;
    await writeFile(join(dataDir, 'cosmos-snapshot.json.4242.tmp'), '{"format":"equipmansys-local-snapshot","containers":[{"id":');

    await afterRestart(async (admin) => {
      expect(await labIds(admin)).toContain('INTACT');
      expect((await readdir(dataDir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    });
  });
});

describe('the demo password on the start banner', () => {
  const startAndStop = async (demoPassword?: string) => {
    const { DEMO_PASSWORD: _inherited, ...inherited } = process.env;
    const started = await spawnProduct({
      ...(inherited as Record<string, string>),
      LOCAL_DATA_DIR: dataDir,
      ...(demoPassword ? { DEMO_PASSWORD: demoPassword } : {}),
    });
    started.process.kill('SIGINT');
    await started.exited;
    return started.output();
  };

  it('is printed only while it signs the demo users in, and a DEMO_PASSWORD set too late is said to be ignored', async () => {
    expect(await startAndStop(password)).toContain(`Demo users (password: ${password}): admin,`);
    const later = await startAndStop('Another-Password-Set-Later-2');
    expect(later).not.toContain('Another-Password-Set-Later-2');
    expect(later).not.toContain(password);
    expect(later).toContain(
      'Their password is not shown: they were created on an earlier start, and neither DEMO_PASSWORD nor the password this data folder generated signs them in',
    );
  });

  it('names the generated password again on later starts, whatever DEMO_PASSWORD says then', async () => {
    const generated = /Demo users \(password: (\S+)\)/.exec(await startAndStop())?.[1];
    expect(generated).toBeTruthy();
    expect(await startAndStop('Set-Only-After-The-First-Start-3')).toContain(
      `Demo users (password: ${generated}, given when they were created on an earlier start)`,
    );
  });
});

describe('atomic snapshot writes', () => {
  it('leaves a complete snapshot whenever the writer is killed mid-write', async () => {
    // Inside the repo, so that the bundle finds node_modules.
    const script = join('dist', 'test', 'snapshot-writer.mjs');
    await build({
      entryPoints: ['test/helpers/snapshot-writer.ts'],
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      outfile: script,
      logLevel: 'silent',
    });
    const target = join(dataDir, 'snapshot.json');
    for (let round = 0; round < 3; round++) {
      const writer = spawn(process.execPath, [script, target, String(20_000_000)], { stdio: 'ignore' });
      const ended = new Promise((resolve) => writer.on('exit', resolve));
      // Kill while a newer version is being written over an existing one: when a torn file could appear.
      await waitFor(async () => {
        const names = await readdir(dataDir);
        return names.includes('snapshot.json') && names.some((name) => name.startsWith('snapshot.json.') && name.endsWith('.tmp'));
      });
      writer.kill('SIGKILL');
      await ended;
      const parsed = JSON.parse(await readFile(target, 'utf8')) as { complete: boolean; filler: string };
      expect(parsed.complete).toBe(true);
      expect(parsed.filler).toHaveLength(20_000_000);
    }
  });
});

describe('start-up errors are one clear line and a non-zero exit', () => {
  it('names a bad setting', async () => {
    const { code, output } = await runFailingStart({ ...environment(), PORT: 'eighty', SESSION_IDLE_MINUTES: '0' });
    expect(code).toBe(1);
    expect(output.trim().split('\n')).toHaveLength(1);
    expect(output).toContain('PORT must be a whole number');
    expect(output).toContain('SESSION_IDLE_MINUTES must be at least 1');
  });

  it('says when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { code, output } = await runFailingStart({ ...environment(), PORT: String(port) });
      expect(code).toBe(1);
      expect(output).toContain(`Port ${port} is already in use`);
      expect(
        output
          .trim()
          .split('\n')
          .filter((line) => line.includes('did not start')),
      ).toHaveLength(1);
    } finally {
      blocker.close();
    }
  });

  it('says when the data folder cannot be written', async () => {
    const file = join(dataDir, 'a-file');
    await writeFile(file, 'not a folder');
    const { code, output } = await runFailingStart({ ...environment(), LOCAL_DATA_DIR: join(file, 'data') });
    expect(code).toBe(1);
    expect(output.trim().split('\n')).toHaveLength(1);
    expect(output).toContain('is not writable');
  });
});
