/**
 * A benchmark's HTTP server in a child process, so the benchmark's CPU figures are the client's alone. The
 * script prints `{"baseURL": ...}` once it listens, then answers each line on stdin (`stats`, `reset`) with one
 * JSON line, and exits when stdin closes (`test-server-process.ts`, `rate-limited-server-process.ts`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A running child server; `Stats` is what it answers to `stats` and `reset`. */
/** What `rate-limited-server-process.ts` reports: its CPU, requests answered and throttled, and both per second. */
export interface LimitedServerStats {
  readonly cpuMs: number;
  readonly requests: number;
  readonly answered: number;
  readonly throttled: number;
  readonly admittedPerSecond: readonly number[];
  readonly throttledPerSecond: readonly number[];
}

export interface ChildServer<Stats> {
  readonly baseURL: string;
  /** Sends one command line and resolves with the JSON line it answers. */
  ask(command: 'stats' | 'reset'): Promise<Stats>;
  /** Closes its stdin and resolves once it has exited. */
  close(): Promise<void>;
}

/** Starts `spec/bench/<script>` with `node --import tsx`, `env` added to this process's environment. */
export async function startChildServer<Stats>(script: string, env: Readonly<Record<string, string>>): Promise<ChildServer<Stats>> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'spec', 'bench', script)], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting: ((line: string) => void)[] = [];
  const exited = new Promise<never>((_resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`the server process ${script} exited (${signal ?? `code ${code}`})`)));
  });
  exited.catch(() => {});
  createInterface({ input: child.stdout! }).on('line', (line) => waiting.shift()?.(line));
  const nextLine = (): Promise<string> => Promise.race([new Promise<string>((resolve) => waiting.push(resolve)), exited]);
  try {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`the server process ${script} did not start within 20 s`)), 20_000);
    });
    const first = await Promise.race([nextLine(), timeout]).finally(() => clearTimeout(timer));
    const { baseURL } = JSON.parse(first) as { baseURL: string };
    return {
      baseURL,
      ask: async (command) => {
        const line = nextLine();
        child.stdin!.write(`${command}\n`);
        return JSON.parse(await line) as Stats;
      },
      close: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.stdin!.end();
        await gone;
      },
    };
  } catch (error) {
    child.kill();
    throw error;
  }
}
