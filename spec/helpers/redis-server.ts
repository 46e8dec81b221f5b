/**
 * A real Redis for a spec: Debian's `redis-server` on a free port of 127.0.0.1, nothing saved to disk, started before
 * the calling file's tests and stopped after. Without the binary the specs are skipped, unless CI requires the
 * service (`RXDGT_REQUIRE_SERVICES=1`): then they fail.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll } from 'vitest';

const binary = '/usr/bin/redis-server';

/** Whether the Redis specs run: the server is installed, or CI requires it. */
export const redisAvailable = existsSync(binary) || process.env['RXDGT_REQUIRE_SERVICES'] === '1';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts `redis-server` and resolves once it accepts connections. */
async function startRedis(): Promise<{ readonly url: string; readonly child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s: ${output.slice(-500)}`)), 10_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}): ${output.slice(-500)}`));
    });
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.removeAllListeners('exit');
  return { url: `redis://127.0.0.1:${port}`, child };
}

/**
 * Registers a Redis server for the calling file: started before its tests, stopped after. Call the returned function
 * inside a test for its URL.
 */
export function useRedisServer(): () => string {
  let server: { readonly url: string; readonly child: ChildProcess } | undefined;
  beforeAll(async () => {
    server = await startRedis();
  }, 20_000);
  afterAll(async () => {
    if (server === undefined || server.child.exitCode !== null) return;
    const gone = new Promise<void>((resolve) => server!.child.once('exit', () => resolve()));
    server.child.kill('SIGTERM');
    await gone;
  });
  return () => {
    if (server === undefined) throw new Error('the Redis server is not running');
    return server.url;
  };
}
