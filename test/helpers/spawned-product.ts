import { spawn, type ChildProcess } from 'node:child_process';

export interface SpawnedProduct {
  process: ChildProcess;
  url: string;
  output: () => string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
}

/** Runs `node dist/local/start.js` (what `npm start` runs after building) and waits for its banner. */
export async function spawnProduct(environment: Record<string, string>, timeoutMs = 60_000): Promise<SpawnedProduct> {
  const child = spawn(process.execPath, ['dist/local/start.js'], {
    env: { ...process.env, PORT: '0', ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`No URL within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    // The start-up banner ends with this line, so everything printed before it has arrived.
    const check = () => {
      const match = /running on (http:\/\/\S+)[\s\S]*Press Ctrl-C to stop\./.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`Exited with ${code} before serving:\n${output}`));
    });
  });
  return { process: child, url, output: () => output, exited };
}

/** Runs the start command expecting it to fail; returns its exit code and output. */
export async function runFailingStart(environment: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['dist/local/start.js'], { env: { ...process.env, ...environment }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, output };
}
