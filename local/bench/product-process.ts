import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ProductProcess {
  child: ChildProcess;
  url: string;
  /** From spawn until the start banner was printed in full. */
  startMs: number;
  /** Everything it printed so far, standard output and error together. */
  output: () => string;
  exited: Promise<number | null>;
  /** SIGINT, as Ctrl-C; answers the exit code. */
  stop: () => Promise<number | null>;
}

/**
 * `npm start`'s program (dist/local/start.js) in a process of its own, with `environment` over this
 * process's; answers once its banner says where it runs. The bench and the load test drive it.
 */
export async function startProductProcess(environment: Record<string, string>): Promise<ProductProcess> {
  const began = performance.now();
  const child = spawn(process.execPath, [fileURLToPath(new URL('./start.js', import.meta.url))], {
    env: { ...process.env, PORT: '0', ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let printed = '';
  const url = await new Promise<string>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      printed += chunk.toString();
      const match = /running on (http:\/\/\S+)[\s\S]*Press Ctrl-C to stop\./.exec(printed);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    void exited.then((code) => reject(new Error(`The product stopped with code ${code} before it answered:\n${printed.slice(-2000)}`)));
  });
  return {
    child,
    url,
    startMs: performance.now() - began,
    output: () => printed,
    exited,
    stop: async () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}
