import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProductProcess } from './product-process.js';

export interface AtRestFigures {
  writes: number;
  seconds: number;
  /** Share of one core the process used while nothing happened. */
  cpuPercent: number;
  /** Bytes the process sent to storage while nothing happened (/proc/<pid>/io write_bytes). */
  bytesWritten: number;
}

async function processCounters(pid: number): Promise<{ cpuTicks: number; bytesWritten: number }> {
  // /proc/<pid>/stat: the command may hold spaces, so fields are counted after its closing parenthesis.
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  const io = await readFile(`/proc/${pid}/io`, 'utf8');
  return { cpuTicks: Number(stat[11]) + Number(stat[12]), bytesWritten: Number(/write_bytes: (\d+)/.exec(io)?.[1] ?? 0) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The local host as `npm start` runs it, in a process of its own: a burst of writes, a pause for the
 * journal to settle, then `seconds` of nothing, measuring the CPU and the bytes it writes meanwhile.
 * The generator's and the reminders' schedules are held off: each lab's hourly run, at a minute of its
 * own, and the quarter-hourly reminder run are work that writes its status, markers and queue
 * messages, not churn; the bench counts the generator's apart (requests per run). A reminder run that
 * fell inside the 30 seconds measured it as churn.
 */
export async function measureAtRest(password: string, writes = 10, seconds = 30): Promise<AtRestFigures> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ems-at-rest-'));
  const product = await startProductProcess({
    LOCAL_DATA_DIR: dataDir,
    DEMO_PASSWORD: password,
    SEED_DEMO_DATA: 'true',
    GENERATOR_SCHEDULE: '0 0 0 1 1 *',
    NOTIFICATION_SCHEDULE: '0 0 0 1 1 *',
    GENERATOR_SPREAD_MINUTES: '1',
  });
  try {
    const { url, child } = product;
    const login = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: url },
      body: JSON.stringify({ username: 'admin', password }),
    });
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    for (let index = 0; index < writes; index++) {
      const created = await fetch(`${url}/api/labs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: url, cookie, 'x-csrf-token': csrfToken },
        body: JSON.stringify({ labId: `REST${index}`, name: `At rest ${index}`, timeZone: 'UTC' }),
      });
      await created.text();
    }
    // The snapshot follows a second after writes settle; give it time to finish.
    await sleep(5000);
    const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const before = await processCounters(child.pid!);
    await sleep(seconds * 1000);
    const after = await processCounters(child.pid!);
    return {
      writes,
      seconds,
      cpuPercent: Number((((after.cpuTicks - before.cpuTicks) / ticksPerSecond / seconds) * 100).toFixed(2)),
      bytesWritten: after.bytesWritten - before.bytesWritten,
    };
  } finally {
    await product.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
