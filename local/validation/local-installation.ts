import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LocalInstallation {
  url: string;
  /** The demo company's password, made for this run. */
  password: string;
  stop: () => Promise<void>;
}

/**
 * The product as `npm start` runs it (the built dist/local/start.js), on a free port with a fresh data
 * folder and the demo company, for a pack made without --url. Stopped and its folder removed afterwards.
 */
export async function startLocalInstallation(timeoutMs = 120_000): Promise<LocalInstallation> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ems-validation-'));
  const password = `Validation-${randomBytes(9).toString('base64url')}`;
  const child = spawn(process.execPath, ['dist/local/start.js'], {
    env: { ...process.env, PORT: '0', LOCAL_DATA_DIR: dataDir, DEMO_PASSWORD: password, SEED_DEMO_DATA: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The local product printed no address within ${timeoutMs / 1000} s:\n${output}`)), timeoutMs);
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      // The banner ends with this line, so the address before it has been printed.
      const match = /running on (http:\/\/\S+)[\s\S]*Press Ctrl-C to stop\./.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`The local product stopped (exit code ${code}) before serving:\n${output}`));
    });
  });
  return {
    url,
    password,
    stop: async () => {
      child.kill('SIGINT');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
